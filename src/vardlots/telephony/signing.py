"""Signed requests from the telephony platform.

The platform sends ``X-Vardlots-Timestamp`` (Unix seconds) and ``X-Vardlots-Signature``: the hex
HMAC-SHA256, keyed with ``settings.TELEPHONY_SHARED_SECRET``, of ``"<timestamp>." + body``. A
request is refused when the signature does not match (tampering, wrong secret), when the
timestamp is more than ``MAX_SKEW`` from now (old or future-dated), or when the same signature was
accepted before (replay; a unique constraint on ``SignedRequest.signature`` decides, so two
concurrent copies cannot both pass). Events also carry an ``event_id`` that is unique.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.db import IntegrityError, transaction

from vardlots.telephony.models import SignedRequest

MAX_SKEW = 5 * 60  # seconds
TIMESTAMP_HEADER = "X-Vardlots-Timestamp"
SIGNATURE_HEADER = "X-Vardlots-Signature"


class SignatureError(Exception):
    def __init__(self, key: str, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.key = key
        self.message = message
        self.status = status


def sign(body: bytes, timestamp: int | str, secret: str | None = None) -> str:
    key = (secret if secret is not None else settings.TELEPHONY_SHARED_SECRET).encode()
    return hmac.new(key, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signed_headers(body: bytes, timestamp: int | None = None, secret: str | None = None) -> dict[str, str]:
    """Headers for a signed request (for the platform's integrators, the demo script and tests)."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {TIMESTAMP_HEADER: str(ts), SIGNATURE_HEADER: sign(body, ts, secret)}


def verify(body: bytes, timestamp: str | None, signature: str | None, *, now: float | None = None) -> None:
    """Accept the request once or raise ``SignatureError``. Records the signature when accepted."""
    if not timestamp or not signature:
        raise SignatureError("telephony.unsigned", "The request is not signed.")
    try:
        ts = int(timestamp)
    except ValueError:
        raise SignatureError("telephony.bad_timestamp", "The timestamp is not a number of seconds.") from None
    expected = sign(body, ts)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise SignatureError("telephony.bad_signature", "The signature does not match.")
    current = time.time() if now is None else now
    if abs(current - ts) > MAX_SKEW:
        raise SignatureError("telephony.stale", "The timestamp is more than 5 minutes from now.")
    try:
        with transaction.atomic():
            SignedRequest.objects.create(signature=expected, timestamp=ts)
    except IntegrityError:
        raise SignatureError("telephony.replay", "This request was already received.", status=409) from None
