"""Notifications to residents: a small interface with swappable backends.

    notifier().send(Message(to_phone=..., to_email=..., subject=..., body=...))

Backends, chosen by ``settings.NOTIFICATION_BACKEND`` (or the environment variable
``VARDLOTS_NOTIFICATIONS``): ``log`` (default, demo and development: writes to the log),
``memory`` (tests: keeps messages in ``MemoryBackend.outbox``), ``email`` (Django's e-mail),
``sms`` (an HTTP SMS gateway at ``VARDLOTS_SMS_URL`` taking JSON ``{"to", "text"}``) and
``sms+email``. Backends never raise for a missing address; they skip that channel.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from dataclasses import dataclass
from typing import ClassVar, Protocol

from django.conf import settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    to_phone: str = ""
    to_email: str = ""


class Backend(Protocol):
    def send(self, message: Message) -> None: ...


class LogBackend:
    def send(self, message: Message) -> None:
        log.info("notification to %s/%s: %s", _mask(message.to_phone), _mask(message.to_email), message.subject)


class MemoryBackend:
    outbox: ClassVar[list[Message]] = []

    def send(self, message: Message) -> None:
        MemoryBackend.outbox.append(message)


class EmailBackend:
    def send(self, message: Message) -> None:
        from django.core.mail import send_mail

        if message.to_email:
            send_mail(message.subject, message.body, None, [message.to_email])


class SmsBackend:
    def __init__(self, url: str | None = None) -> None:
        self.url = url or os.environ.get("VARDLOTS_SMS_URL", "")

    def send(self, message: Message) -> None:
        if not message.to_phone:
            return
        if not self.url.startswith("https://"):
            raise RuntimeError("the SMS backend needs VARDLOTS_SMS_URL (https://...)")
        data = json.dumps({"to": message.to_phone, "text": f"{message.subject}\n{message.body}"}).encode()
        request = urllib.request.Request(self.url, data=data,  # noqa: S310 - https only, checked above
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - https only, checked above
            response.read()


class MultiBackend:
    def __init__(self, *backends: Backend) -> None:
        self.backends = backends

    def send(self, message: Message) -> None:
        for backend in self.backends:
            backend.send(message)


def _mask(value: str) -> str:
    return (value[:3] + "…") if value else "-"


def notifier(name: str | None = None) -> Backend:
    name = name or getattr(settings, "NOTIFICATION_BACKEND", "") or os.environ.get("VARDLOTS_NOTIFICATIONS", "log")
    backends: dict[str, Backend] = {"log": LogBackend(), "memory": MemoryBackend(), "email": EmailBackend()}
    if name == "sms":
        return SmsBackend()
    if name == "sms+email":
        return MultiBackend(SmsBackend(), EmailBackend())
    if name not in backends:
        raise ValueError(f"unknown notification backend {name!r}")
    return backends[name]
