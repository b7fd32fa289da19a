"""Booking: slots from templates, book/cancel/rebook through the real views, capacity under concurrency."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone, translation

from tests import factories
from tests.concurrency import run_together
from tests.directory.helpers import t
from tests.sqlite_file import run_on_sqlite_file, skip_unless_sqlite_file
from vardlots.booking import actions
from vardlots.booking.ics import appointment_ics
from vardlots.booking.models import Appointment, AppointmentKind, AppointmentStatus, Schedule, Slot, SlotTemplate
from vardlots.booking.notifications import MemoryBackend
from vardlots.core.jobs import run_due
from vardlots.directory.models import UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def schedule(*, capacity: int = 1, bookable: bool = True, days: range = range(7), holidays: bool = True,
             kind: str = AppointmentKind.PHYSICAL) -> Schedule:
    unit = factories.unit(UnitKind.HEALTH_CENTRE)
    s = Schedule.objects.create(unit=unit, name="Nurse", resident_bookable=bookable, open_on_holidays=holidays)
    for day in days:
        SlotTemplate.objects.create(schedule=s, day=day, starts=t("08:00"), ends=t("10:00"), minutes=20,
                                    capacity=capacity, kind=kind)
    return s


def future_slot(s: Schedule) -> Slot:
    actions.do_generate_slots(s, timezone.localdate() + dt.timedelta(days=1), 7)
    return Slot.objects.filter(schedule=s).order_by("starts_at").first()  # type: ignore[return-value]


def test_slots_from_templates_are_idempotent_and_skip_holidays_and_exceptions() -> None:
    s = schedule(days=range(5), holidays=False)
    created = actions.do_generate_slots(s, dt.date(2026, 6, 15), 7)  # Mon 15 – Sun 21 June 2026
    # Mon–Thu = 4 days × 6 slots; Friday 19 June is Midsummer Eve (no slots); weekend has no template.
    assert created == 24
    assert actions.do_generate_slots(s, dt.date(2026, 6, 15), 7) == 0
    from vardlots.booking.models import ScheduleException

    ScheduleException.objects.create(schedule=s, date=dt.date(2026, 6, 23))
    assert actions.do_generate_slots(s, dt.date(2026, 6, 22), 2) == 6  # 22 June only
    first = Slot.objects.filter(schedule=s).order_by("starts_at").first()
    assert first is not None and timezone.localtime(first.starts_at).strftime("%H:%M") == "08:00"
    assert first.starts_at.utcoffset() == dt.timedelta(0)  # stored in UTC


def test_slots_over_the_daylight_saving_changes() -> None:
    s = Schedule.objects.create(unit=factories.unit(), name="Night", open_on_holidays=True)
    SlotTemplate.objects.create(schedule=s, day=6, starts=t("01:00"), ends=t("04:00"), minutes=60, capacity=1)
    actions.do_generate_slots(s, dt.date(2026, 3, 29), 1)  # spring: 02:00 does not exist
    spring = list(Slot.objects.filter(schedule=s).order_by("starts_at"))
    assert all(slot.ends_at > slot.starts_at for slot in spring)
    assert len({slot.starts_at for slot in spring}) == len(spring)
    actions.do_generate_slots(s, dt.date(2026, 10, 25), 1)  # autumn: 02:00 happens twice
    autumn = [x for x in Slot.objects.filter(schedule=s)
              if timezone.localtime(x.starts_at).date() == dt.date(2026, 10, 25)]
    assert len(autumn) == 3


def test_capacity_is_enforced_sequentially_and_by_the_constraint() -> None:
    slot = future_slot(schedule(capacity=2))
    people = [factories.resident() for _ in range(3)]
    actions.do_book(slot, people[0])
    actions.do_book(slot, people[1])
    with pytest.raises(actions.BookingError) as full:
        actions.do_book(slot, people[2])
    assert full.value.code == "full"
    slot.refresh_from_db()
    assert slot.booked == 2 and Appointment.objects.filter(slot=slot).count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.filter(pk=slot.pk).update(booked=3)


def test_cancel_and_rebook_keep_the_counts_right() -> None:
    s = schedule()
    slot = future_slot(s)
    other = Slot.objects.filter(schedule=s).exclude(pk=slot.pk).first()
    assert other is not None
    person = factories.resident()
    a = actions.do_book(slot, person)
    b = actions.do_rebook(a, other)
    slot.refresh_from_db()
    other.refresh_from_db()
    assert (slot.booked, other.booked) == (0, 1)
    assert Appointment.objects.get(pk=a.pk).status == AppointmentStatus.CANCELLED and b.rebooked_from_id == a.pk
    # rebooking into a full slot changes nothing
    someone = factories.resident()
    c = actions.do_book(slot, someone)
    with pytest.raises(actions.BookingError):
        actions.do_rebook(b, slot)
    assert Appointment.objects.get(pk=b.pk).status == AppointmentStatus.BOOKED
    actions.do_cancel(c)
    with pytest.raises(actions.BookingError):
        actions.do_cancel(c)
    slot.refresh_from_db()
    assert slot.booked == 0


def test_residents_book_only_where_allowed_and_when_urgency_permits() -> None:
    person = factories.resident()
    closed = future_slot(schedule(bookable=False))
    with pytest.raises(actions.BookingError) as e:
        actions.check_resident_book(person, closed)
    assert e.value.code == "not_bookable"
    slot = future_slot(schedule())
    for urgency in ("EMERGENCY_112", "P1", "P2"):
        with pytest.raises(actions.BookingError):
            actions.check_resident_book(person, slot, urgency=urgency)
    actions.check_resident_book(person, slot, urgency="P4")
    late = Slot.objects.filter(schedule=slot.schedule, starts_at__gt=timezone.now() + dt.timedelta(days=2)).first()
    assert late is not None
    with pytest.raises(actions.BookingError):
        actions.check_resident_book(person, late, urgency="P3")


def test_resident_books_cancels_and_rebooks_through_the_pages(client: Client) -> None:
    s = schedule()
    person = factories.resident(listed_unit=s.unit)
    factories.resident_client(client, person)
    page = client.get(f"/bokning/enhet/{s.unit.hsa_id}/")
    assert page.status_code == 200
    slots = list(actions.free_slots(unit=s.unit, residents_only=True)[:2])
    response = client.post(f"/bokning/boka/{slots[0].pk}")
    appointment = Appointment.objects.get(resident=person)
    assert response["Location"] == f"/bokning/tid/{appointment.pk}/"
    assert client.get("/bokning/").status_code == 200
    ics = client.get(f"/bokning/tid/{appointment.pk}/kalender.ics")
    assert ics["Content-Type"].startswith("text/calendar") and b"BEGIN:VEVENT" in ics.content
    assert client.get(f"/bokning/enhet/{s.unit.hsa_id}/?flytta={appointment.pk}").status_code == 200
    client.post(f"/bokning/boka/{slots[1].pk}", {"rebook": appointment.pk})
    moved = Appointment.objects.get(resident=person, status=AppointmentStatus.BOOKED)
    assert moved.slot == slots[1] and moved.rebooked_from_id == appointment.pk
    client.post(f"/bokning/tid/{moved.pk}/avboka")
    assert not Appointment.objects.filter(resident=person, status=AppointmentStatus.BOOKED).exists()
    # another resident cannot see or cancel it
    other = Client()
    factories.resident_client(other, factories.resident())
    assert other.get(f"/bokning/tid/{moved.pk}/").status_code == 404
    assert other.post(f"/bokning/tid/{moved.pk}/avboka").status_code == 404


def test_nurse_books_from_a_case(client: Client) -> None:
    s = schedule(bookable=False)
    slot = future_slot(s)
    nurse = factories.personas.nurse(s.unit)
    resident = factories.resident()
    case = SimpleNamespace(pk=4711, resident=resident)
    appointment = actions.book_from_case(nurse, case, slot, kind=AppointmentKind.PHONE)
    assert appointment.case_id == 4711 and appointment.booked_by_staff == nurse
    outsider = factories.personas.nurse()
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        actions.book_from_case(outsider, case, slot)
    factories.staff_client(client, nurse)
    second = Slot.objects.filter(schedule=s).exclude(pk=slot.pk).first()
    assert second is not None
    from vardlots.audit.models import AccessLogEntry

    before = AccessLogEntry.objects.filter(resident=resident).count()
    found = client.post("/bokning/personal/", {"lookup": "1", "unit": s.unit.hsa_id,
                                                 "personnummer": resident.personal_number})
    assert found.status_code == 302
    assert resident.personal_number not in found["Location"]  # never in a URL
    assert AccessLogEntry.objects.filter(resident=resident).count() == before  # the look-up only authorises
    page = client.get(found["Location"])
    assert AccessLogEntry.objects.filter(resident=resident).count() == before + 1  # the page showing it is logged
    assert resident.get_full_name() in page.content.decode()
    assert resident.personal_number not in page.content.decode()
    client.post(found["Location"], {"slot": second.pk})
    assert Appointment.objects.filter(slot=second, resident=resident, case_id=None).exists()


def test_reminders_go_through_the_job_runner_and_the_notification_interface(settings) -> None:  # type: ignore[no-untyped-def]
    settings.NOTIFICATION_BACKEND = "memory"
    MemoryBackend.outbox.clear()
    s = schedule()
    actions.do_generate_slots(s, timezone.localdate() + dt.timedelta(days=3), 1)
    slot = Slot.objects.filter(schedule=s).first()
    assert slot is not None
    person = factories.resident()
    appointment = actions.do_book(slot, person)
    assert run_due() == 1  # the confirmation; the reminder waits until 24 h before
    assert MemoryBackend.outbox[-1].to_phone == person.phone
    from vardlots.core.jobs import run_one

    later = slot.starts_at - dt.timedelta(hours=23)
    job = run_one(now=later)
    assert job is not None and job.state == "done"
    appointment.refresh_from_db()
    assert appointment.reminded_at is not None and len(MemoryBackend.outbox) == 2


def test_ics_is_valid_icalendar() -> None:
    slot = future_slot(schedule())
    appointment = actions.do_book(slot, factories.resident())
    text = appointment_ics(appointment)
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2] == "END:VCALENDAR" and text.endswith("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert any(line.startswith("DTSTART:") and line.endswith("Z") for line in lines)


def _hammer(slot_id: int, resident_ids: list[int], workers: int = 45) -> list[str]:
    """Every resident tries to book the slot at once: ``workers`` threads (each with its own
    database connection, from the pool on PostgreSQL) start together behind a barrier and share the
    attempts. The residents are loaded first, so no thread needs the database before the start."""
    from vardlots.accounts.models import Resident

    workers = min(workers, len(resident_ids))
    people = Resident.objects.in_bulk(resident_ids)

    def attempt(ids: list[int]) -> Callable[[], list[str]]:
        def run() -> list[str]:
            outcomes = []
            for rid in ids:
                try:
                    actions.do_book(Slot.objects.get(pk=slot_id), people[rid])
                    outcomes.append("ok")
                except actions.BookingError as error:
                    outcomes.append(error.code)
                except Exception as error:
                    outcomes.append(f"error {type(error).__name__}: {error}")
            return outcomes
        return run

    results = run_together([attempt(resident_ids[n::workers]) for n in range(workers)])
    failed = [r for r in results if isinstance(r, BaseException)]
    assert not failed, failed
    return [outcome for outcomes in results for outcome in outcomes]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_100_concurrent_bookings_on_postgresql_give_exactly_the_capacity() -> None:
    assert connection.vendor == "postgresql"
    slot = future_slot(schedule(capacity=7))
    residents = [factories.resident().pk for _ in range(100)]
    outcomes = _hammer(slot.pk, residents)
    assert outcomes.count("ok") == 7 and outcomes.count("full") == 93, outcomes
    slot.refresh_from_db()
    assert slot.booked == 7 == Appointment.objects.filter(slot=slot, status="booked").count()


# SQLite: the default test database is in memory with a shared cache, where concurrent writers
# fail at once instead of waiting; the thread test runs in a child pytest on a WAL file database,
# like the embedded default (the same approach as tests/cases/test_concurrency.py).
@pytest.mark.django_db(transaction=True)
def test_sqlite_threads_book_exactly_the_capacity() -> None:
    skip_unless_sqlite_file("test_sqlite_concurrent_booking_in_file_database")
    slot = future_slot(schedule(capacity=3))
    residents = [factories.resident().pk for _ in range(30)]
    outcomes = _hammer(slot.pk, residents)
    assert outcomes.count("ok") == 3, outcomes
    slot.refresh_from_db()
    assert slot.booked == 3 == Appointment.objects.filter(slot=slot, status="booked").count()


@pytest.mark.slow
def test_sqlite_concurrent_booking_in_file_database(tmp_path: Path) -> None:
    run_on_sqlite_file(__file__, "test_sqlite_threads", tmp_path, expect_passed=1)
