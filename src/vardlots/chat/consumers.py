"""The case websocket ``/ws/cases/<id>/?after=<last event id>`` for the resident and for staff.

On connect the consumer authorises (the resident who owns the case or the guardian who acted; staff
whose roles give access to the case's queue, which writes an access-log entry), joins the case's
group, and sends every event after ``after`` from the database. Bells from the group make it read
again from the database after the last id it sent, so nothing is lost and nothing is sent twice.

Client → server frames::

    {"type": "message", "body": "...", "client_id": "..."}   → {"type": "ack", "client_id", "message_id"}
    {"type": "typing"}                                       → the other side gets {"type": "typing", "side"}
    {"type": "read", "up_to": <message id>}

Server → client frames: ``{"type": "event", "id", "kind", "payload", "created_at", ["message"]}``,
``{"type": "your_turn", "event_id", "staff_name"}`` (to the resident, with every ``claimed`` event),
``{"type": "typing", "side"}`` and ``{"type": "error", "key", "message", ["client_id"]}``.

Every client frame is validated and rate-limited first (``chat.frames``: schemas, close codes 1009,
4400 and 4429); messages are also limited per person and per case when stored (``actions``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.core.exceptions import PermissionDenied

from vardlots.accounts.models import Resident, StaffUser
from vardlots.cases.actions import (
    CaseError,
    access_case,
    access_resident_case,
    check_resident_case,
    check_view_case,
)
from vardlots.cases.events import case_group
from vardlots.cases.models import Case
from vardlots.chat import actions
from vardlots.chat.frames import CASE_FRAMES, GuardedJsonConsumer, MessageFrame, ReadFrame, TypingFrame
from vardlots.chat.models import Side

CLOSE_FORBIDDEN = 4403


def _resident_from_session(session: Any) -> Resident | None:
    from vardlots.accounts.session import RESIDENT_KEY
    from vardlots.core.middleware import SESSION_KIND

    if session is None or session.get(SESSION_KIND) != "resident":
        return None
    pk = session.get(RESIDENT_KEY)
    return None if pk is None else Resident.objects.filter(pk=pk).first()


def session_in_time(session: Any, now: float | None = None) -> bool:
    """The websocket honours the same idle and absolute limits as the pages (SessionTimeoutMiddleware).
    The session is read again from the store, since pages and polling update it, not the socket."""
    import time

    from django.contrib.sessions.backends.base import SessionBase

    from vardlots.core.middleware import SESSION_KIND, SESSION_LAST_SEEN, SESSION_LOGIN_AT, session_limits

    if not isinstance(session, SessionBase) or session.session_key is None:
        return False
    data = session.__class__(session.session_key).load()
    kind = data.get(SESSION_KIND)
    if not kind:
        return False
    idle, absolute = session_limits(kind)
    now = time.time() if now is None else now
    last, login_at = int(data.get(SESSION_LAST_SEEN, 0)), int(data.get(SESSION_LOGIN_AT, 0))
    return now - last <= idle and (absolute is None or now - login_at <= absolute)


class CaseConsumer(GuardedJsonConsumer):
    frames = CASE_FRAMES
    case_id: int
    person: StaffUser | Resident
    side: str
    last_id: int
    group: str

    def _authorise(self) -> tuple[StaffUser | Resident, Case] | None:
        case_id = int(self.scope["url_route"]["kwargs"]["case_id"])
        if not session_in_time(self.scope.get("session")):
            return None
        user = self.scope.get("user")
        try:
            if isinstance(user, StaffUser) and user.is_authenticated and user.is_active:
                return user, access_case(user, case_id, what="case.chat")
            resident = _resident_from_session(self.scope.get("session"))
            if resident is not None:
                return resident, access_resident_case(resident, case_id)
        except PermissionDenied:
            return None
        return None

    async def connect(self) -> None:
        found: tuple[StaffUser | Resident, Case] | None = await database_sync_to_async(self._authorise)()
        if found is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.person, case = found
        self.case_id = case.pk
        self.side = Side.STAFF if isinstance(self.person, StaffUser) else Side.RESIDENT
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        try:
            self.last_id = max(0, int(query.get("after", ["0"])[0]))
        except ValueError:
            self.last_id = 0
        self.group = case_group(self.case_id)
        # Join the group before reading the backlog: a bell that rings in between is handled after
        # the backlog (consumers handle one message at a time) and finds nothing new or only newer ids.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._catch_up()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    # --- from the client -----------------------------------------------------------------------

    async def handle_frame(self, frame: MessageFrame | TypingFrame | ReadFrame) -> None:
        """``frame`` is validated (``chat.frames``); limits per connection are already applied."""
        if isinstance(frame, MessageFrame):
            await self._send_message(frame.body, frame.client_id)
        elif isinstance(frame, TypingFrame):
            await self.channel_layer.group_send(self.group, {"type": "case.typing", "side": self.side,
                                                             "origin": self.channel_name})
        else:
            await self._call(actions.do_mark_read, frame.up_to)

    async def _send_message(self, body: str, client_id: str) -> None:
        message = await self._call(actions.do_send_message, body, client_id, client_id=client_id)
        if message is not None:
            await self.send_json({"type": "ack", "client_id": client_id, "message_id": message.pk})

    def _call_sync(self, fn: Any, *args: Any) -> Any:
        case = Case.objects.get(pk=self.case_id)
        return fn(self.person, case, *args)

    async def _call(self, fn: Any, *args: Any, client_id: str = "") -> Any:
        """Run an action; its refusal becomes an error frame (with the message's ``client_id``, so
        the page can give the text back to the person)."""
        extra = {"client_id": client_id} if client_id else {}
        try:
            return await database_sync_to_async(self._call_sync)(fn, *args)
        except CaseError as error:
            await self.send_json({"type": "error", "key": error.key, "message": error.message, **extra})
        except PermissionDenied as error:
            await self.send_json({"type": "error", "key": "forbidden", "message": str(error), **extra})
        return None

    # --- from the group ------------------------------------------------------------------------

    async def case_event(self, event: dict[str, Any]) -> None:
        await self._catch_up()

    async def case_typing(self, event: dict[str, Any]) -> None:
        if event.get("origin") != self.channel_name and event.get("side") != self.side:
            await self.send_json({"type": "typing", "side": event.get("side")})

    def _backlog(self) -> list[dict[str, Any]] | None:
        """What is new since the last id, or None when this person may no longer see the case (it
        was transferred away, a role or guardian relation ended, or the session timed out)."""
        case = Case.objects.select_related("queue").get(pk=self.case_id)
        try:
            if isinstance(self.person, StaffUser):
                check_view_case(self.person, case)
            else:
                check_resident_case(self.person, case)
        except PermissionDenied:
            return None
        if not session_in_time(self.scope.get("session")):
            return None
        return actions.stream_after(self.case_id, self.last_id, for_resident=self.side == Side.RESIDENT)

    def _delivered(self, up_to: int) -> None:
        case = Case.objects.get(pk=self.case_id)
        try:
            actions.do_mark_delivered(self.person, case, up_to)
        except PermissionDenied:
            pass

    async def _catch_up(self) -> None:
        while True:
            frames: list[dict[str, Any]] | None = await database_sync_to_async(self._backlog)()
            if frames is None:
                await self.close(code=CLOSE_FORBIDDEN)
                return
            if not frames:
                return
            newest_incoming = 0
            for frame in frames:
                await self.send_json(frame)
                self.last_id = frame["id"]
                if frame["kind"] == "message" and frame["message"]["side"] != self.side:
                    newest_incoming = max(newest_incoming, frame["message"]["id"])
                if frame["kind"] == "claimed" and self.side == Side.RESIDENT:
                    await self.send_json({"type": "your_turn", "event_id": frame["id"],
                                          "staff_name": frame["payload"]["staff_name"]})
            if newest_incoming:
                await database_sync_to_async(self._delivered)(newest_incoming)
            if len(frames) < actions.STREAM_BATCH:
                return
