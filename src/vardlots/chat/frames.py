"""What a websocket client may send, checked before anything else happens.

Every incoming frame goes through :func:`parse_frame`: it must be a text frame of at most
``CHAT_MAX_FRAME_BYTES``, JSON, an object, and match exactly one of the schemas below (pydantic,
strict types, no extra fields). Message text goes through ``chat.text.frame_text_problem``.

:class:`GuardedJsonConsumer` applies it together with a per-connection token bucket: a bad frame is
answered with ``{"type": "error", "key", "message"}`` in the person's language and the consumer
stays alive; abuse closes the socket with a documented code:

* ``1009`` — a frame larger than ``CHAT_MAX_FRAME_BYTES``;
* ``4400`` — repeated invalid frames (more than the ``bad_frames`` bucket allows);
* ``4429`` — frames sent faster than the ``frames`` bucket allows, and going on after being told.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, TypeAdapter, ValidationError

from vardlots.chat.actions import MAX_BODY
from vardlots.chat.text import frame_text_problem

log = logging.getLogger(__name__)

CLOSE_TOO_BIG = 1009
CLOSE_INVALID = 4400
CLOSE_RATE_LIMITED = 4429

MAX_ID = 2**63 - 1  # PostgreSQL bigint: larger ids cannot exist

class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class MessageFrame(_Frame):
    type: Literal["message"]
    # Some slack over MAX_BODY for surrounding white space; the action strips and checks the length.
    body: Annotated[StrictStr, Field(max_length=MAX_BODY + 1000)]
    client_id: Annotated[StrictStr, Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]


class TypingFrame(_Frame):
    type: Literal["typing"]


class ReadFrame(_Frame):
    type: Literal["read"]
    up_to: Annotated[StrictInt, Field(ge=0, le=MAX_ID)]


CaseFrame = Annotated[MessageFrame | TypingFrame | ReadFrame, Field(discriminator="type")]
CASE_FRAMES: TypeAdapter[Any] = TypeAdapter(CaseFrame)


@dataclass
class FrameError(Exception):
    """A refused frame: ``key`` is stable, ``message`` is for the person; ``close`` a close code or 0."""

    key: str
    message: str
    close: int = 0
    client_id: str = ""

    def frame(self) -> dict[str, Any]:
        out = {"type": "error", "key": self.key, "message": self.message}
        if self.client_id:
            out["client_id"] = self.client_id
        return out


def _invalid(key: str = "frame.invalid") -> FrameError:
    return FrameError(key, _("The message could not be understood and was not sent. Reload the page and try "
                             "again."))


def decode(text_data: str | None, bytes_data: bytes | None) -> Any:
    """The JSON content of a frame, or :class:`FrameError`."""
    if text_data is None:
        size = len(bytes_data or b"")
        if size > settings.CHAT_MAX_FRAME_BYTES:
            raise FrameError("frame.too_big", _("The message is too large to be sent."), close=CLOSE_TOO_BIG)
        raise _invalid("frame.binary")
    if len(text_data) > settings.CHAT_MAX_FRAME_BYTES or len(text_data.encode("utf-8", "surrogatepass")) > \
            settings.CHAT_MAX_FRAME_BYTES:
        raise FrameError("frame.too_big", _("The message is too large to be sent."), close=CLOSE_TOO_BIG)
    try:
        return json.loads(text_data)
    except (ValueError, RecursionError):  # not JSON, a number beyond int limits, or nested too deep
        raise _invalid() from None


def parse_frame(content: Any, adapter: TypeAdapter[Any] | None) -> Any:
    """Validate decoded ``content`` against ``adapter`` (``None``: this socket takes no frames)."""
    if not isinstance(content, dict):
        raise _invalid()
    raw_id = content.get("client_id")
    client_id = raw_id if isinstance(raw_id, str) and len(raw_id) <= 64 else ""
    if adapter is None:
        raise _invalid("frame.unknown_type")
    body = content.get("body")
    if content.get("type") == "message" and isinstance(body, str) and len(body) <= MAX_BODY + 1000:
        # before pydantic, which refuses lone surrogates as invalid strings: tell the person why
        problem = frame_text_problem(body)
        if problem is not None:
            raise FrameError("chat.bad_text", problem, client_id=client_id)
    try:
        frame = adapter.validate_python(content)
    except ValidationError as error:
        kinds = {e["type"] for e in error.errors()}
        if kinds & {"union_tag_invalid", "union_tag_not_found"}:
            raise _invalid("frame.unknown_type") from None
        if content.get("type") == "message" and "string_too_long" in kinds and \
                all(e["loc"][-1] == "body" for e in error.errors()):
            raise FrameError("chat.too_long", _("The message is too long (at most %(n)d characters).")
                             % {"n": MAX_BODY}, client_id=client_id) from None
        bad = _invalid()
        bad.client_id = client_id
        raise bad from None
    return frame


@dataclass
class TokenBucket:
    """``burst`` tokens refilled at ``rate`` per second; ``take`` goes into debt down to ``-burst``.

    ``take`` returns the tokens left: ≥ 0 means accepted, < 0 means refused (and the debt grows
    until ``exhausted``)."""

    burst: int
    rate: float
    clock: Callable[[], float] = time.monotonic
    tokens: float = field(init=False)
    stamp: float = field(init=False)

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)
        self.stamp = self.clock()

    def take(self) -> float:
        now = self.clock()
        self.tokens = min(float(self.burst), self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens = max(-float(self.burst), self.tokens - 1)
        return self.tokens

    @property
    def exhausted(self) -> bool:
        return self.tokens <= -self.burst


def language_of(scope: dict[str, Any]) -> str:
    """The person's language, as the pages choose it: the language cookie, else Swedish."""
    chosen = (scope.get("cookies") or {}).get(settings.LANGUAGE_COOKIE_NAME, "")
    return chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class GuardedJsonConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]  # channels is untyped
    """A JSON consumer that validates every frame (``frames``: a pydantic adapter or ``None``) and
    rate-limits per connection, then calls ``handle_frame`` with the validated model."""

    frames: TypeAdapter[Any] | None = None
    frame_bucket: TokenBucket
    bad_bucket: TokenBucket
    language: str

    def _guard_setup(self) -> None:
        if not hasattr(self, "frame_bucket"):
            limits = settings.CHAT_RATE_LIMITS
            self.frame_bucket = TokenBucket(*limits["frames"])
            self.bad_bucket = TokenBucket(*limits["bad_frames"])
            self.language = language_of(self.scope)

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        self._guard_setup()
        with translation.override(self.language):
            await super().websocket_connect(message)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        self._guard_setup()
        with translation.override(self.language):
            try:
                await self._receive_guarded(text_data, bytes_data)
            except FrameError as error:
                await self._refuse(error)

    async def _receive_guarded(self, text_data: str | None, bytes_data: bytes | None) -> None:
        if text_data == "":
            text_data = None  # channels passes an empty text frame as no text
        content = decode(text_data, bytes_data)
        if self.frame_bucket.take() < 0:
            if self.frame_bucket.exhausted:
                raise FrameError("frame.too_fast", _("Too many messages too quickly. The connection was closed; "
                                                     "wait a moment."), close=CLOSE_RATE_LIMITED)
            client_id = content.get("client_id") if isinstance(content, dict) else ""
            raise FrameError("frame.too_fast", _("You are sending too quickly. Wait a moment and send again."),
                             client_id=client_id if isinstance(client_id, str) and len(client_id) <= 64 else "")
        frame = parse_frame(content, self.frames)
        try:
            await self.handle_frame(frame)
        except Exception:  # the last guard: log, tell the person, keep the connection
            log.exception("chat frame failed: %s", type(frame).__name__)
            await self.send_json({"type": "error", "key": "frame.failed",
                                  "message": _("Something went wrong; the message was not sent. Try again."),
                                  **({"client_id": frame.client_id} if isinstance(frame, MessageFrame) else {})})

    async def _refuse(self, error: FrameError) -> None:
        if not error.close and error.key not in {"frame.too_fast", "chat.too_long", "chat.bad_text"}:
            self.bad_bucket.take()
            if self.bad_bucket.tokens < 0:
                error = FrameError(error.key, _("Too many messages that could not be understood. The connection "
                                                "was closed; reload the page."), close=CLOSE_INVALID,
                                   client_id=error.client_id)
        await self.send_json(error.frame())
        if error.close:
            await self.close(code=error.close)

    async def handle_frame(self, frame: Any) -> None:
        raise NotImplementedError
