"""Schedules, slots and appointments.

A ``Schedule`` belongs to a unit and optionally to one member of staff and/or a room. Weekly
``SlotTemplate`` rows and dated ``ScheduleException`` rows generate ``Slot`` rows (idempotently).
A slot has a ``capacity`` and a ``booked`` counter; the counter only moves through a conditional
UPDATE (``booked < capacity``) and a CHECK constraint makes overbooking impossible even for code
that forgets to ask. Callbacks are appointments of the kind ``callback``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vardlots.accounts.models import Resident
from vardlots.directory.models import Day, Unit


class AppointmentKind(models.TextChoices):
    PHYSICAL = "physical", _("Visit at the unit")
    VIDEO = "video", _("Video call")
    PHONE = "phone", _("Phone call")
    CALLBACK = "callback", _("Callback")


class Schedule(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="schedules", verbose_name=_("unit"))
    name = models.CharField(_("name"), max_length=120)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="schedules", verbose_name=_("staff member"))
    room = models.CharField(_("room"), max_length=60, blank=True)
    resident_bookable = models.BooleanField(_("residents may book"), default=False)
    open_on_holidays = models.BooleanField(_("slots on public holidays"), default=False)
    active = models.BooleanField(_("active"), default=True)
    generated_until = models.DateField(_("slots generated until"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["unit__name", "name"]
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")

    def __str__(self) -> str:
        return f"{self.unit.name} · {self.name}"


class SlotTemplate(models.Model):
    """Every ``day`` from ``starts`` to ``ends``: slots of ``minutes`` minutes for ``capacity`` people."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="templates",
                                 verbose_name=_("schedule"))
    day = models.PositiveSmallIntegerField(_("day"), choices=[c for c in Day.choices if c[0] != Day.HOLIDAY])
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))
    minutes = models.PositiveSmallIntegerField(_("minutes per slot"), default=20)
    capacity = models.PositiveSmallIntegerField(_("capacity per slot"), default=1)
    kind = models.CharField(_("kind"), max_length=10, choices=AppointmentKind.choices,
                            default=AppointmentKind.PHYSICAL)

    class Meta:
        ordering = ["schedule", "day", "starts"]
        verbose_name = _("weekly slot template")
        verbose_name_plural = _("weekly slot templates")
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gte=5), name="slot_template_minutes_min"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="slot_template_capacity_min"),
            models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="slot_template_ends_after_starts"),
        ]

    def __str__(self) -> str:
        return f"{self.get_day_display()} {self.starts:%H:%M}–{self.ends:%H:%M} ({self.kind})"


class ScheduleException(models.Model):
    """No slots from this schedule on ``date`` (staff away, training day)."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="exceptions",
                                 verbose_name=_("schedule"))
    date = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["schedule", "date"]
        verbose_name = _("schedule exception")
        verbose_name_plural = _("schedule exceptions")
        constraints = [models.UniqueConstraint(fields=["schedule", "date"], name="schedule_exception_unique")]

    def __str__(self) -> str:
        return f"{self.schedule}: {self.date}"


class Slot(models.Model):
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="slots", verbose_name=_("schedule"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    kind = models.CharField(_("kind"), max_length=10, choices=AppointmentKind.choices)
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=1)
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        constraints = [
            models.CheckConstraint(condition=Q(booked__gte=0) & Q(booked__lte=F("capacity")),
                                   name="slot_never_overbooked"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_starts"),
            models.UniqueConstraint(fields=["schedule", "starts_at", "kind"], name="slot_unique_start"),
        ]
        indexes = [models.Index(fields=["schedule", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.schedule} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")


class Appointment(models.Model):
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("slot"))
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="appointments",
                                 verbose_name=_("resident"))
    kind = models.CharField(_("kind"), max_length=10, choices=AppointmentKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=AppointmentStatus.choices,
                              default=AppointmentStatus.BOOKED)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # A case id (vardlots.cases) when booked from a case; kept as a number so booking does not
    # depend on the cases schema.
    case_id = models.PositiveBigIntegerField(_("case"), null=True, blank=True)
    booked_by_staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("booked by staff"))
    booked_by_resident = models.ForeignKey(Resident, on_delete=models.PROTECT, null=True, blank=True,
                                           related_name="+", verbose_name=_("booked by resident"))
    rebooked_from = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="rebooked_to", verbose_name=_("rebooked from"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            models.UniqueConstraint(fields=["slot", "resident"], condition=Q(status="booked"),
                                    name="appointment_one_per_resident_and_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.slot}"
