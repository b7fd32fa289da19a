"""Background job of telephony: the SMS telling a resident that advice from a call is waiting."""

from __future__ import annotations

from typing import Any

from vardlots.booking.notifications import Message, notifier
from vardlots.core.jobs import job


@job("telephony.sms")
def send_sms(payload: dict[str, Any]) -> None:
    """Send through the notification interface (``booking.notifications``); the backend decides how."""
    notifier().send(Message(subject=str(payload.get("subject", "")), body=str(payload.get("body", "")),
                            to_phone=str(payload.get("phone", ""))))
