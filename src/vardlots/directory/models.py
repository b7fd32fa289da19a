"""The care directory: regions, units, their hours, care offered, e-services, and routing tables."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Region(models.Model):
    """One of Sweden's 21 regions, keyed by its official county code (länskod)."""

    code = models.CharField(_("region code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class UnitKind(models.TextChoices):
    HEALTH_CENTRE = "health_centre", _("Health centre")
    URGENT_CARE = "urgent_care", _("Urgent care clinic")
    EMERGENCY = "emergency", _("Emergency department")
    CHILD_EMERGENCY = "child_emergency", _("Child emergency department")
    PSYCHIATRIC_EMERGENCY = "psychiatric_emergency", _("Psychiatric emergency")
    NURSE_ADVICE = "nurse_advice", _("1177 nurse advice")
    DENTAL_EMERGENCY = "dental_emergency", _("Dental emergency")
    PHARMACY = "pharmacy", _("Pharmacy")


class Unit(models.Model):
    """A care unit (vårdenhet) or pharmacy, identified by its HSA-id."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="units",
                               verbose_name=_("region"))
    kind = models.CharField(_("kind"), max_length=30, choices=UnitKind.choices)
    hsa_id = models.CharField(_("HSA-id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    active = models.BooleanField(_("active"), default=True)
    web = models.URLField(_("web site"), blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    step_free_entrance = models.BooleanField(_("step-free entrance"), null=True, blank=True)
    accessibility_note = models.CharField(_("accessibility of the entrance"), max_length=300, blank=True)

    class Meta:
        ordering = ["region__code", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        return ", ".join(p for p in [self.street_address, f"{self.postal_code} {self.city}".strip()] if p)


class Channel(models.TextChoices):
    """What opening hours are about: visits at the unit, or the unit's staffed chat."""

    VISIT = "visit", _("Visits")
    CHAT = "chat", _("Chat")


class Day(models.IntegerChoices):
    MONDAY = 0, pgettext_lazy("weekday heading", "Monday")
    TUESDAY = 1, pgettext_lazy("weekday heading", "Tuesday")
    WEDNESDAY = 2, pgettext_lazy("weekday heading", "Wednesday")
    THURSDAY = 3, pgettext_lazy("weekday heading", "Thursday")
    FRIDAY = 4, pgettext_lazy("weekday heading", "Friday")
    SATURDAY = 5, pgettext_lazy("weekday heading", "Saturday")
    SUNDAY = 6, pgettext_lazy("weekday heading", "Sunday")
    HOLIDAY = 7, _("Public holidays and holiday eves")


class OpeningHours(models.Model):
    """One opening interval on a weekday. ``closes`` at or before ``opens`` means the next day
    (00:00–00:00 is round the clock). On holidays a unit keeps its HOLIDAY rows, or its Sunday rows
    when it has none."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="opening_hours", verbose_name=_("unit"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.VISIT)
    day = models.PositiveSmallIntegerField(_("day"), choices=Day.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["unit", "channel", "day", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(condition=models.Q(day__gte=0, day__lte=7), name="opening_hours_day_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_day_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class OpeningException(models.Model):
    """Hours that differ on one date (closed for training, extra evening hours). Rows of one date
    replace that date's weekly hours for the channel; a ``closed`` row closes the whole date."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="opening_exceptions",
                             verbose_name=_("unit"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.VISIT)
    date = models.DateField(_("date"))
    closed = models.BooleanField(_("closed all day"), default=False)
    opens = models.TimeField(_("opens"), null=True, blank=True)
    closes = models.TimeField(_("closes"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["unit", "date", "opens"]
        verbose_name = _("opening exception")
        verbose_name_plural = _("opening exceptions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closed=True) | (models.Q(opens__isnull=False) & models.Q(closes__isnull=False)),
                name="opening_exception_closed_or_times"),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {'closed' if self.closed else f'{self.opens}–{self.closes}'}"


class CareOffering(models.Model):
    """Care a unit gives, by age band (years, ``age_to`` exclusive). A blank care need means the
    unit's general care. A unit without rows gives its kind's usual care to every age."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="care_offerings", verbose_name=_("unit"))
    care_need = models.CharField(_("care need"), max_length=40, blank=True)
    age_from = models.PositiveSmallIntegerField(_("from age (years)"), default=0)
    age_to = models.PositiveSmallIntegerField(_("to age (years, exclusive)"), null=True, blank=True)

    class Meta:
        ordering = ["unit", "care_need", "age_from"]
        verbose_name = _("care offered")
        verbose_name_plural = _("care offered")

    def __str__(self) -> str:
        return f"{self.care_need or '*'} {self.age_from}–{self.age_to or ''}"

    def covers(self, care_need: str, age_years: int) -> bool:
        return (self.care_need in ("", care_need) and self.age_from <= age_years
                and (self.age_to is None or age_years < self.age_to))


class EServiceKind(models.TextChoices):
    BOOK_APPOINTMENT = "book_appointment", _("Book an appointment")
    CHAT = "chat", _("Chat")
    VIDEO = "video", _("Video visit")
    CALLBACK = "callback", _("Book a callback")
    RENEW_PRESCRIPTION = "renew_prescription", _("Renew a prescription")
    MESSAGE = "message", _("Send a message")


class EService(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="eservices", verbose_name=_("unit"))
    kind = models.CharField(_("e-service"), max_length=30, choices=EServiceKind.choices)
    url = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        ordering = ["unit", "kind"]
        verbose_name = _("e-service")
        verbose_name_plural = _("e-services")
        constraints = [models.UniqueConstraint(fields=["unit", "kind"], name="eservice_unique_per_unit")]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class RoutingTable(models.Model):
    """A version of a region's routing table. Only drafts are edited; publishing one archives the
    region's previously published version, so every routing result names the version it used."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="routing_tables",
                               verbose_name=_("region"))
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["region__code", "-version"]
        verbose_name = _("routing table")
        verbose_name_plural = _("routing tables")
        constraints = [
            models.UniqueConstraint(fields=["region", "version"], name="routing_table_version_unique"),
            models.UniqueConstraint(fields=["region"], condition=models.Q(status="published"),
                                    name="routing_table_one_published"),
        ]

    def __str__(self) -> str:
        return f"{self.region} v{self.version} ({self.get_status_display()})"


class RoutingRule(models.Model):
    """When urgency, care need (blank: any), age band, kind of day and time of day match, the
    care forms are tried in order. Rules are tried in ``position`` order; the first match wins."""

    class Days(models.TextChoices):
        ANY = "any", _("Every day")
        WORKING = "working", _("Working days (Monday–Friday, not holidays)")
        OFF = "off", _("Weekends, holidays and holiday eves")

    table = models.ForeignKey(RoutingTable, on_delete=models.CASCADE, related_name="rules",
                              verbose_name=_("routing table"))
    position = models.PositiveIntegerField(_("position"), default=0)
    urgency = models.CharField(_("urgency"), max_length=20)
    care_need = models.CharField(_("care need"), max_length=40, blank=True)
    age_from = models.PositiveSmallIntegerField(_("from age (years)"), default=0)
    age_to = models.PositiveSmallIntegerField(_("to age (years, exclusive)"), null=True, blank=True)
    days = models.CharField(_("days"), max_length=10, choices=Days.choices, default=Days.ANY)
    time_from = models.TimeField(_("from time"), default="00:00")
    time_to = models.TimeField(_("to time (00:00 = midnight)"), default="00:00")
    care_forms = models.CharField(_("care forms, in order"), max_length=300,
                                  help_text=_("Comma-separated care form codes, most preferred first."))

    class Meta:
        ordering = ["table", "position", "pk"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"{self.urgency} {self.care_need or '*'} → {self.care_forms}"
