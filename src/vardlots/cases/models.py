"""Cases, the queues they wait in, and their event history.

A case is what a resident's contact becomes once it needs a member of staff: a care case (from a
triage result) or an administrative case. It waits in exactly one ``Queue`` (a unit's care or
administrative queue; each region's 1177 nurse advice unit holds the regional pool), is claimed by
exactly one owner, and is closed with an outcome.

Urgency is kept twice, never mixed: ``computed_urgency`` is what the triage engine decided and is
never overwritten; ``override_urgency`` (with its reason) is a staff decision. ``urgency_rank`` and
``response_target_at`` follow the *effective* urgency and are what the queue is ordered by.

Writes go through ``vardlots.cases.actions``; nothing else creates or changes these rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vardlots.directory.models import Unit


class Urgency(models.TextChoices):
    """The urgency codes a case can carry (``EMERGENCY_112`` never becomes a case)."""

    P1 = "P1", _("Immediate (P1)")
    P2 = "P2", _("Urgent, within hours (P2)")
    P3 = "P3", _("Within 24 hours (P3)")
    P4 = "P4", _("Non-urgent (P4)")
    P5 = "P5", _("Self-care (P5)")


EMERGENCY_112 = "EMERGENCY_112"

# Chat response targets: how long a waiting case may wait for a member of staff to take it.
# Ordering within one urgency by "fraction of the target elapsed" relies on the target being a
# function of the urgency (and kind) alone; see docs/subsystems/cases.md.
RESPONSE_TARGETS: dict[str, dt.timedelta] = {
    Urgency.P1: dt.timedelta(hours=1),
    Urgency.P2: dt.timedelta(hours=6),
    Urgency.P3: dt.timedelta(hours=24),
    Urgency.P4: dt.timedelta(hours=72),
    Urgency.P5: dt.timedelta(hours=72),
}
ADMIN_RESPONSE_TARGET = dt.timedelta(hours=72)
URGENCY_RANK: dict[str, int] = {code: rank for rank, code in enumerate(Urgency.values, start=1)}
ADMIN_RANK = 9  # administrative cases sort after every care urgency (they live in their own queues)
# Warn staff when this share of the response target has passed.
TARGET_WARNING_FRACTION = 0.75


class CaseKind(models.TextChoices):
    CARE = "care", _("Care")
    ADMIN = "admin", _("Administrative")


class CaseStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")


class Outcome(models.TextChoices):
    SELF_CARE_ADVICE = "self_care_advice", _("Self-care advice given")
    REFERRED_HEALTH_CENTRE = "referred_health_centre", _("Referred to a health centre")
    REFERRED_URGENT_CARE = "referred_urgent_care", _("Referred to an urgent care clinic")
    REFERRED_EMERGENCY = "referred_emergency", _("Referred to an emergency department")
    REFERRED_112 = "referred_112", _("Told to call 112")
    VISIT_BOOKED = "visit_booked", _("Visit booked")
    VIDEO = "video", _("Continued by video")
    CALLBACK = "callback", _("Callback scheduled")
    ADMIN_ANSWERED = "admin_answered", _("Administrative question answered")
    NO_RESPONSE = "no_response", _("Resident did not respond")
    DUPLICATE = "duplicate", _("Duplicate case")
    WITHDRAWN = "withdrawn", _("Withdrawn by the resident")
    OTHER = "other", _("Other")


class Queue(models.Model):
    """A unit's queue of one kind. The 1177 nurse advice unit's care queue is the regional pool."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="case_queues", verbose_name=_("unit"))
    kind = models.CharField(_("kind"), max_length=10, choices=CaseKind.choices)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["unit__name", "kind"]
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        constraints = [models.UniqueConstraint(fields=["unit", "kind"], name="queue_unit_kind_unique")]

    def __str__(self) -> str:
        return f"{self.unit.name} · {self.get_kind_display()}"

    @property
    def is_regional_pool(self) -> bool:
        from vardlots.directory.models import UnitKind

        return self.unit.kind == UnitKind.NURSE_ADVICE and self.kind == CaseKind.CARE


class UnitCaseSettings(models.Model):
    """Per-unit settings of the case work: chat open (the hours hook) and parallel case limit."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="case_settings",
                                verbose_name=_("unit"))
    chat_open = models.BooleanField(_("chat open"), default=True,
                                    help_text=_("When off, new care cases go to the region's 1177 queue."))
    max_parallel_cases = models.PositiveSmallIntegerField(_("parallel cases per member of staff"), default=4)

    class Meta:
        verbose_name = _("unit case settings")
        verbose_name_plural = _("unit case settings")

    def __str__(self) -> str:
        return str(self.unit)


class Case(models.Model):
    resident = models.ForeignKey("accounts.Resident", on_delete=models.PROTECT, related_name="cases",
                                 verbose_name=_("resident"))
    acting_guardian = models.ForeignKey("accounts.Resident", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="cases_as_guardian", verbose_name=_("acting guardian"))
    triage_session = models.ForeignKey("intake.TriageSession", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="cases", verbose_name=_("triage session"))
    kind = models.CharField(_("kind"), max_length=10, choices=CaseKind.choices)
    contact_reason = models.CharField(_("contact reason"), max_length=300)
    computed_urgency = models.CharField(_("computed urgency"), max_length=16, choices=Urgency.choices, blank=True,
                                        help_text=_("The triage result; never changed."))
    override_urgency = models.CharField(_("urgency set by staff"), max_length=16, choices=Urgency.choices,
                                        blank=True)
    override_reason = models.TextField(_("reason for the changed urgency"), blank=True)
    override_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("urgency changed by"))
    override_at = models.DateTimeField(_("urgency changed"), null=True, blank=True)
    care_need = models.CharField(_("care need"), max_length=32, blank=True)
    needs_doctor = models.BooleanField(_("escalated to a doctor"), default=False)
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="cases", verbose_name=_("queue"))
    status = models.CharField(_("status"), max_length=12, choices=CaseStatus.choices, default=CaseStatus.WAITING)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="owned_cases", verbose_name=_("owner"))
    urgency_rank = models.PositiveSmallIntegerField(_("urgency rank"))
    waiting_since = models.DateTimeField(_("waiting since"))
    response_target_at = models.DateTimeField(_("response target"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)

    class Meta:
        ordering = ["urgency_rank", "response_target_at", "waiting_since", "id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["queue", "status", "urgency_rank", "response_target_at", "waiting_since"],
                         name="case_queue_order"),
            models.Index(fields=["owner", "status"], name="case_owner_status"),
        ]
        constraints = [
            # Waiting cases have no owner; cases in progress have exactly one.
            models.CheckConstraint(
                condition=Q(status=CaseStatus.WAITING, owner__isnull=True)
                | Q(status=CaseStatus.IN_PROGRESS, owner__isnull=False)
                | Q(status=CaseStatus.CLOSED),
                name="case_owner_matches_status",
            ),
            models.CheckConstraint(condition=~Q(computed_urgency=EMERGENCY_112), name="case_never_112"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.contact_reason}"

    @property
    def effective_urgency(self) -> str:
        return self.override_urgency or self.computed_urgency

    @property
    def urgency_overridden(self) -> bool:
        return bool(self.override_urgency)

    def target_fraction(self, now: dt.datetime | None = None) -> float:
        """How far into its response target a waiting case is (0.0 new, 1.0 at the target)."""
        now = now or timezone.now()
        total = (self.response_target_at - self.waiting_since).total_seconds()
        if total <= 0:
            return 1.0
        return max(0.0, (now - self.waiting_since).total_seconds() / total)

    def target_warning(self, now: dt.datetime | None = None) -> bool:
        return self.status == CaseStatus.WAITING and self.target_fraction(now) >= TARGET_WARNING_FRACTION

    def target_breached(self, now: dt.datetime | None = None) -> bool:
        return self.status == CaseStatus.WAITING and (now or timezone.now()) > self.response_target_at


class CaseEvent(models.Model):
    """One entry of a case's history, and the stream clients resume from (``id`` is the cursor).

    Every write to a case locks the case row before inserting its events, so within one case the
    ids commit in increasing order: a client that has seen id N and asks for ``id > N`` loses
    nothing. Payloads are typed: see ``vardlots.cases.events``.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=40)
    payload: models.JSONField[Any, Any] = models.JSONField(_("payload"), default=dict)
    visible_to_resident = models.BooleanField(_("visible to the resident"), default=False)
    actor_staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("staff member"))
    actor_resident = models.ForeignKey("accounts.Resident", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("resident"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        indexes = [models.Index(fields=["case", "id"], name="caseevent_case_id")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind}"


class CaseNote(models.Model):
    """An internal note on a case, written by staff. Never shown to the resident."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes", verbose_name=_("case"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("written by"))
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")

    def __str__(self) -> str:
        return f"note #{self.pk} on case {self.case_id}"


class CaseDocument(models.Model):
    """A document staff attached to a case (PDF, or an image re-encoded as JPEG), shown in the chat.

    The file lives in Django storage under a random name; it is served only through a view that
    checks that the viewer may see the case (and writes the access log for staff).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents", verbose_name=_("case"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("attached by"))
    title = models.CharField(_("title"), max_length=200)
    storage_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title

    @property
    def extension(self) -> str:
        return "pdf" if self.content_type == "application/pdf" else "jpg"
