"""The built-in TEST e-ID: the BankID flow without BankID, for demo and tests. Refused in production.

The "app" side is simulated by the pending page: the tester picks one of the test residents,
which completes the order; ``collect`` then answers exactly like BankID would.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from vardlots.accounts.eid.base import (
    ORDER_MAX_SECONDS,
    CollectResult,
    CollectStatus,
    CompletedUser,
    EidError,
    StartResult,
)
from vardlots.accounts.models import EidTestOrder, Resident


class TestEidProvider:
    name = "test"
    is_test = True
    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        if settings.PRODUCTION:
            raise ImproperlyConfigured("The test e-ID provider is refused in production.")

    def start(self, end_user_ip: str) -> StartResult:
        order = EidTestOrder.objects.create(
            order_ref=str(uuid.uuid4()), auto_start_token=str(uuid.uuid4()),
            qr_start_token=str(uuid.uuid4()), qr_start_secret=str(uuid.uuid4()), end_user_ip=end_user_ip,
        )
        # Keep the table small: orders older than a day are of no use.
        EidTestOrder.objects.filter(created_at__lt=timezone.now() - timedelta(days=1)).delete()
        return StartResult(order.order_ref, order.auto_start_token, order.qr_start_token,
                           order.qr_start_secret)

    def _order(self, order_ref: str) -> EidTestOrder:
        order = EidTestOrder.objects.filter(order_ref=order_ref).first()
        if order is None:
            raise EidError("notFound", "No such order")
        return order

    def collect(self, order_ref: str) -> CollectResult:
        order = self._order(order_ref)
        expired = timezone.now() - order.created_at > timedelta(seconds=ORDER_MAX_SECONDS)
        if order.status == "pending" and expired:
            order.status, order.hint_code = "failed", "expiredTransaction"
            order.save(update_fields=["status", "hint_code"])
        if order.status == "complete":
            user = CompletedUser(order.personal_number, order.name, order.given_name, order.surname)
            return CollectResult(order.order_ref, CollectStatus.COMPLETE, "", user)
        return CollectResult(order.order_ref, CollectStatus(order.status), order.hint_code)

    def cancel(self, order_ref: str) -> None:
        order = self._order(order_ref)
        if order.status == "pending":
            order.status, order.hint_code = "failed", "cancelled"
            order.save(update_fields=["status", "hint_code"])

    # --- the simulated app ------------------------------------------------------------------
    def simulate_hint(self, order_ref: str, hint_code: str) -> None:
        EidTestOrder.objects.filter(order_ref=order_ref, status="pending").update(hint_code=hint_code)

    def simulate_identify(self, order_ref: str, resident: Resident) -> None:
        """The test person identifies themselves in the (simulated) app."""
        updated = EidTestOrder.objects.filter(order_ref=order_ref, status="pending").update(
            status="complete", hint_code="", personal_number=resident.personal_number,
            name=resident.get_full_name(), given_name=resident.given_name, surname=resident.family_name,
        )
        if updated != 1:
            raise EidError("notFound", "No pending order")

    def simulate_user_cancel(self, order_ref: str) -> None:
        EidTestOrder.objects.filter(order_ref=order_ref, status="pending").update(
            status="failed", hint_code="userCancel")


