"""Booking from a case: the nurse's link carries only the case; the resident comes from the case,
after the case access check, which writes the access log."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.cases.helpers import staff_login, world
from vardlots.audit.models import AccessLogEntry
from vardlots.booking.models import Schedule, SlotTemplate
from vardlots.cases import actions as case_actions
from vardlots.cases.models import CaseKind

pytestmark = pytest.mark.django_db


def test_staff_book_for_the_resident_of_a_case(client: Client) -> None:
    import datetime as dt

    w = world()
    schedule = Schedule.objects.create(unit=w.hc, name="Nurse", resident_bookable=False)
    for day in range(7):
        SlotTemplate.objects.create(schedule=schedule, day=day, starts=dt.time(8), ends=dt.time(20), minutes=20,
                                    capacity=1)
    case = case_actions.do_create_admin_case(w.resident, contact_reason="Tid", queue=case_actions.queue_of(
        w.hc, CaseKind.ADMIN))
    staff_login(client, w.admin_staff)  # administrative cases are worked by administrative staff
    page = client.get(f"/personal/arenden/{case.pk}/").content.decode()
    assert f"/bokning/personal/?case={case.pk}" in page
    assert w.resident.personal_number not in page.split("/bokning/personal/")[1][:80]
    before = AccessLogEntry.objects.count()
    booking = client.get(f"/bokning/personal/?case={case.pk}&unit={w.hc.hsa_id}")
    assert booking.status_code == 200
    assert w.resident.get_full_name() in booking.content.decode()
    assert AccessLogEntry.objects.count() == before + 1


def test_a_nurse_without_access_to_the_case_cannot_book_from_it(client: Client) -> None:
    w = world()
    case = case_actions.do_create_admin_case(w.resident, contact_reason="Tid", queue=case_actions.queue_of(
        w.hc, CaseKind.ADMIN))
    staff_login(client, w.nurse_other_region)
    assert client.get(f"/bokning/personal/?case={case.pk}").status_code == 403
