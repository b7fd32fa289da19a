"""Resident e-ID: a provider interface following the flow of BankID's relying-party API v6."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from vardlots.accounts.eid.base import (
    CollectResult,
    CollectStatus,
    EidError,
    EidProvider,
    EidSessionState,
    StartResult,
    hint_message,
)


def get_provider(name: str | None = None) -> EidProvider:
    """The configured provider (``settings.EID_PROVIDER``): "test" or "bankid"."""
    name = name or settings.EID_PROVIDER
    if name == "test":
        from vardlots.accounts.eid.testprovider import TestEidProvider

        return TestEidProvider()
    if name == "bankid":
        from vardlots.accounts.eid.bankid import BankIdProvider

        return BankIdProvider.from_settings()
    raise ImproperlyConfigured(f"Unknown EID_PROVIDER {name!r}")


__all__ = [
    "CollectResult",
    "CollectStatus",
    "EidError",
    "EidProvider",
    "EidSessionState",
    "StartResult",
    "get_provider",
    "hint_message",
]
