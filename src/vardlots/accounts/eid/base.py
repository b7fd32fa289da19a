"""Types shared by the e-ID providers, the animated QR code, and the state kept in the session."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import math
import time
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import qrcode
import qrcode.image.svg
from django.utils.translation import gettext as _


class EidError(Exception):
    """The provider could not be reached or refused the request (``code`` as in BankID errorCode)."""

    def __init__(self, code: str, details: str = "") -> None:
        self.code = code
        self.details = details
        super().__init__(f"{code}: {details}" if details else code)


class CollectStatus(StrEnum):
    PENDING = "pending"
    COMPLETE = "complete"
    FAILED = "failed"


@dataclass(frozen=True)
class StartResult:
    order_ref: str
    auto_start_token: str
    qr_start_token: str
    qr_start_secret: str


@dataclass(frozen=True)
class CompletedUser:
    personal_number: str
    name: str
    given_name: str
    surname: str


@dataclass(frozen=True)
class CollectResult:
    order_ref: str
    status: CollectStatus
    hint_code: str = ""
    user: CompletedUser | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


class EidProvider(Protocol):
    """start → collect (pending … complete | failed) → or cancel. Each call is one HTTP round trip."""

    name: str
    is_test: bool

    def start(self, end_user_ip: str) -> StartResult: ...

    def collect(self, order_ref: str) -> CollectResult: ...

    def cancel(self, order_ref: str) -> None: ...


def qr_data(qr_start_token: str, qr_start_secret: str, elapsed_seconds: int) -> str:
    """The animated QR content as BankID specifies it.

    ``bankid.<qrStartToken>.<time>.<qrAuthCode>`` where ``time`` is the whole seconds since the
    order was started and ``qrAuthCode`` is HMAC-SHA256(key=qrStartSecret, message=time) in hex.
    """
    seconds = str(int(elapsed_seconds))
    auth_code = hmac.new(qr_start_secret.encode("ascii"), seconds.encode("ascii"), hashlib.sha256).hexdigest()
    return f"bankid.{qr_start_token}.{seconds}.{auth_code}"


def qr_svg_data_uri(data: str) -> str:
    """An SVG QR code as a data: URI (allowed by the content security policy for images)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# Messages to show for hint codes, after BankID's recommended user messages (RFA1…RFA23).
def hint_message(status: CollectStatus | str, hint_code: str, *, qr: bool) -> str:
    status = CollectStatus(status)
    if status == CollectStatus.PENDING:
        if hint_code == "userSign":
            return _("Enter your security code in the BankID app and select Identify.")
        if hint_code == "started":
            return _("Searching for BankID, it may take a little while …")
        if hint_code == "userMrtd":
            return _("Process your machine-readable travel document using the BankID app.")
        if hint_code == "userCallConfirm":
            return _("Confirm in the BankID app that you are in a phone call with us.")
        if qr:
            return _("Start your BankID app and scan the QR code.")
        return _("Start your BankID app.")
    if status == CollectStatus.FAILED:
        if hint_code == "userCancel":
            return _("Action cancelled.")
        if hint_code == "expiredTransaction":
            return _("The BankID app is not responding. Please check that it is started and that you "
                     "have internet access. If you do not have a valid BankID you can get one from your "
                     "bank. Try again.")
        if hint_code == "certificateErr":
            return _("The BankID you are trying to use is blocked or too old. Please use another BankID "
                     "or get a new one from your bank.")
        if hint_code == "startFailed":
            return _("Failed to scan the QR code. Start the BankID app and scan the QR code. "
                     "Check that the BankID app is up to date.")
        if hint_code == "cancelled":
            return _("Action cancelled. Please try again.")
        return _("Internal error. Please try again.")
    return _("You are logged in.")


SESSION_KEY = "vardlots_eid"
ORDER_MAX_SECONDS = 180  # BankID orders expire after three minutes


@dataclass
class EidSessionState:
    """What the resident's browser session remembers about an ongoing e-ID order."""

    provider: str
    order_ref: str
    auto_start_token: str
    qr_start_token: str
    qr_start_secret: str
    started_at: float
    next_url: str = "/"
    status: str = CollectStatus.PENDING.value
    hint_code: str = "outstandingTransaction"

    @classmethod
    def begin(cls, provider: str, result: StartResult, next_url: str) -> EidSessionState:
        return cls(provider=provider, order_ref=result.order_ref, auto_start_token=result.auto_start_token,
                   qr_start_token=result.qr_start_token, qr_start_secret=result.qr_start_secret,
                   started_at=time.time(), next_url=next_url)

    @classmethod
    def load(cls, session: Any) -> EidSessionState | None:
        data = session.get(SESSION_KEY)
        if not isinstance(data, dict):
            return None
        try:
            return cls(**data)
        except TypeError:
            return None

    def store(self, session: Any) -> None:
        session[SESSION_KEY] = asdict(self)

    @staticmethod
    def clear(session: Any) -> None:
        session.pop(SESSION_KEY, None)

    def elapsed(self, now: float | None = None) -> int:
        return max(0, math.floor((now or time.time()) - self.started_at))

    def timed_out(self, now: float | None = None) -> bool:
        return self.elapsed(now) >= ORDER_MAX_SECONDS

    def qr_data(self, now: float | None = None) -> str:
        return qr_data(self.qr_start_token, self.qr_start_secret, self.elapsed(now))

    def autostart_url(self, redirect: str = "null") -> str:
        return f"bankid:///?autostarttoken={self.auto_start_token}&redirect={redirect}"
