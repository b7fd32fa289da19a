"""Booking actions: generate slots, book, cancel, rebook. Every booking write goes through here.

Capacity is the database's job: ``do_book`` increments ``Slot.booked`` with one conditional UPDATE
(``WHERE booked < capacity``); on PostgreSQL concurrent updates of the row queue on its row lock
and re-check the condition, on SQLite the IMMEDIATE transaction serialises writers. The CHECK
constraint ``slot_never_overbooked`` backs it up.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from vardlots.accounts.models import Resident, StaffUser
from vardlots.accounts.permissions import can
from vardlots.booking.models import (
    Appointment,
    AppointmentStatus,
    Schedule,
    ScheduleException,
    Slot,
    SlotTemplate,
)
from vardlots.core.jobs import enqueue
from vardlots.directory.holidays import is_holiday
from vardlots.directory.hours import local_datetime
from vardlots.directory.models import Unit

log = logging.getLogger(__name__)
HORIZON_DAYS = 14
REMINDER_BEFORE = dt.timedelta(hours=24)
# Residents may book themselves only for these urgencies (more urgent needs are routed or booked
# by staff); for P3 the slot must also start within a day.
RESIDENT_URGENCIES = frozenset({"P3", "P4", "P5"})
P3_WITHIN = dt.timedelta(hours=24)


class BookingError(Exception):
    def __init__(self, message: Promise | str, code: str) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code


# --- slots -----------------------------------------------------------------------------------
def do_generate_slots(schedule: Schedule, start: dt.date | None = None, days: int = HORIZON_DAYS) -> int:
    """Create the slots of ``days`` days from ``start`` from the weekly templates, skipping
    exception dates and (unless the schedule opens on them) public holidays. Idempotent."""
    start = start or timezone.localdate()
    templates = list(schedule.templates.all())
    closed = set(ScheduleException.objects.filter(schedule=schedule, date__gte=start,
                                                  date__lt=start + dt.timedelta(days=days))
                 .values_list("date", flat=True))
    new: list[Slot] = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        if day in closed or (is_holiday(day) and not schedule.open_on_holidays):
            continue
        for t in (t for t in templates if t.day == day.weekday()):
            new.extend(_slots_of(schedule, t, day))
    with transaction.atomic():
        before = Slot.objects.filter(schedule=schedule).count()
        Slot.objects.bulk_create(new, ignore_conflicts=True)
        created = Slot.objects.filter(schedule=schedule).count() - before
        last = start + dt.timedelta(days=days - 1)
        if schedule.generated_until is None or schedule.generated_until < last:
            Schedule.objects.filter(pk=schedule.pk).update(generated_until=last)
            schedule.generated_until = last
    return created


def _slots_of(schedule: Schedule, template: SlotTemplate, day: dt.date) -> list[Slot]:
    slots = []
    cursor = dt.datetime.combine(day, template.starts)
    end = dt.datetime.combine(day, template.ends)
    step = dt.timedelta(minutes=template.minutes)
    while cursor + step <= end:
        starts = local_datetime(day, cursor.time())
        ends = local_datetime(day, (cursor + step).time())
        if ends > starts:  # a slot inside the spring DST gap would be empty; skip it
            slots.append(Slot(schedule=schedule, starts_at=starts, ends_at=ends, kind=template.kind,
                              capacity=template.capacity))
        cursor += step
    return slots


def ensure_slots(schedule: Schedule) -> None:
    """Keep slots generated ``HORIZON_DAYS`` ahead (called before showing free slots)."""
    today = timezone.localdate()
    if schedule.generated_until is None or schedule.generated_until < today + dt.timedelta(days=HORIZON_DAYS - 2):
        do_generate_slots(schedule, today)


def free_slots(*, unit: Unit | None = None, schedule: Schedule | None = None, residents_only: bool = False,
               after: dt.datetime | None = None, days: int = HORIZON_DAYS) -> QuerySet[Slot]:
    after = after or timezone.now()
    qs = Slot.objects.filter(withdrawn=False, booked__lt=F("capacity"), starts_at__gt=after,
                             starts_at__lt=after + dt.timedelta(days=days), schedule__active=True)
    if unit is not None:
        qs = qs.filter(schedule__unit=unit)
    if schedule is not None:
        qs = qs.filter(schedule=schedule)
    if residents_only:
        qs = qs.filter(schedule__resident_bookable=True)
    return qs.select_related("schedule", "schedule__unit").order_by("starts_at", "pk")


# --- checks ----------------------------------------------------------------------------------
def check_resident_book(person: Resident, slot: Slot, *, urgency: str | None = None,
                        now: dt.datetime | None = None) -> None:
    """May a resident book ``slot`` themselves (``person`` is the one the booking is for)?"""
    now = now or timezone.now()
    if not slot.schedule.resident_bookable or not slot.schedule.unit.active:
        raise BookingError(_("This unit does not take bookings from residents for this time."), "not_bookable")
    if urgency is not None:
        if urgency not in RESIDENT_URGENCIES:
            raise BookingError(_("Your need is too urgent to book a later time yourself. Follow the advice "
                                 "you were given, or call 1177."), "too_urgent")
        if urgency == "P3" and slot.starts_at - now > P3_WITHIN:
            raise BookingError(_("You need care within a day; choose a time within 24 hours or call 1177."),
                               "too_late_for_urgency")


def check_staff_book(staff: StaffUser, slot: Slot) -> None:
    if not can(staff, "booking.book", slot.schedule.unit):
        raise PermissionDenied("booking.book in this unit")


def check_resident_owns(person: Resident, appointment: Appointment) -> None:
    if appointment.resident_id != person.pk:
        raise PermissionDenied("not this resident's appointment")


# --- book, cancel, rebook --------------------------------------------------------------------
def do_book(slot: Slot, resident: Resident, *, kind: str | None = None, by_staff: StaffUser | None = None,
            by_resident: Resident | None = None, case_id: int | None = None, reason: str = "",
            rebooked_from: Appointment | None = None, now: dt.datetime | None = None) -> Appointment:
    """Take one place in ``slot`` for ``resident``. Raises ``BookingError("full")`` when none is left."""
    now = now or timezone.now()
    with transaction.atomic():
        if Appointment.objects.filter(slot=slot, resident=resident, status=AppointmentStatus.BOOKED).exists():
            raise BookingError(_("You already have this time booked."), "already_booked")
        taken = Slot.objects.filter(pk=slot.pk, withdrawn=False, starts_at__gt=now,
                                    booked__lt=F("capacity")).update(booked=F("booked") + 1)
        if taken != 1:
            slot.refresh_from_db()
            if slot.starts_at <= now:
                raise BookingError(_("That time has already passed. Please choose another."), "past")
            if slot.withdrawn:
                raise BookingError(_("That time is no longer offered. Please choose another."), "withdrawn")
            raise BookingError(_("Sorry, that time was just taken. Please choose another."), "full")
        appointment = Appointment.objects.create(
            slot=slot, resident=resident, kind=kind or slot.kind, reason=reason[:300], case_id=case_id,
            booked_by_staff=by_staff, booked_by_resident=by_resident, rebooked_from=rebooked_from, created_at=now)
        enqueue("booking.notify", {"appointment_id": appointment.pk, "what": "confirmation"})
        remind_at = slot.starts_at - REMINDER_BEFORE
        if remind_at > now:
            enqueue("booking.notify", {"appointment_id": appointment.pk, "what": "reminder"}, run_at=remind_at)
        pk = appointment.pk
        transaction.on_commit(lambda: log.info("appointment %s booked in slot %s", pk, slot.pk))
    slot.refresh_from_db(fields=["booked"])
    return appointment


def do_cancel(appointment: Appointment, *, by_staff: StaffUser | None = None, by_resident: Resident | None = None,
              now: dt.datetime | None = None, notify: bool = True) -> Appointment:
    """Cancel a booked appointment and give its place back to the slot."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Appointment.objects.select_for_update().select_related("slot").get(pk=appointment.pk)
        if locked.status != AppointmentStatus.BOOKED:
            raise BookingError(_("This appointment is already cancelled."), "not_booked")
        if locked.slot.starts_at <= now:
            raise BookingError(_("This appointment has already started and cannot be cancelled here."), "past")
        locked.status = AppointmentStatus.CANCELLED
        locked.cancelled_at = now
        locked.save(update_fields=["status", "cancelled_at"])
        Slot.objects.filter(pk=locked.slot_id, booked__gt=0).update(booked=F("booked") - 1)
        if notify:
            enqueue("booking.notify", {"appointment_id": locked.pk, "what": "cancellation"})
        pk = locked.pk
        transaction.on_commit(lambda: log.info("appointment %s cancelled", pk))
    return locked


def do_rebook(appointment: Appointment, new_slot: Slot, *, by_staff: StaffUser | None = None,
              by_resident: Resident | None = None, now: dt.datetime | None = None) -> Appointment:
    """Move an appointment to ``new_slot``: both happen or neither (a full new slot changes nothing)."""
    with transaction.atomic():
        old = do_cancel(appointment, by_staff=by_staff, by_resident=by_resident, now=now, notify=False)
        return do_book(new_slot, old.resident, kind=new_slot.kind, by_staff=by_staff, by_resident=by_resident,
                       case_id=old.case_id, reason=old.reason, rebooked_from=old, now=now)


def book_from_case(staff: StaffUser, case: Any, slot: Slot, *, kind: str | None = None,
                   reason: str = "") -> Appointment:
    """A member of staff books ``slot`` for the resident of a case (``vardlots.cases.models.Case``)."""
    check_staff_book(staff, slot)
    return do_book(slot, case.resident, kind=kind, by_staff=staff, case_id=case.pk, reason=reason)


def do_mark_reminded(appointment: Appointment) -> None:
    Appointment.objects.filter(pk=appointment.pk, reminded_at__isnull=True).update(reminded_at=timezone.now())
