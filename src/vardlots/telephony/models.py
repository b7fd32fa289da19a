"""Calls, the telephony events and signed requests behind them, callbacks and their capacity,
messages to residents, and training attempts.

The computed triage result lives in the call's ``intake.TriageSession`` and is never changed
here; a nurse's override is stored on the call *beside* it (``override_*``). Callback capacity is
a counter moved only by a conditional UPDATE (``booked < capacity``) and backed by a CHECK
constraint, like ``booking.Slot``. Writes go through ``vardlots.telephony.actions``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_CALLBACK_ATTEMPTS = 3


class CallState(models.TextChoices):
    OFFERED = "offered", _("Ringing")
    ANSWERED = "answered", _("In progress")
    TRANSFERRED = "transferred", _("Transferred")
    ENDED = "ended", _("Ended")


class CallSource(models.TextChoices):
    TELEPHONY = "telephony", _("Telephony event")
    MANUAL = "manual", _("Started by hand")
    CALLBACK = "callback", _("Callback")
    TRAINING = "training", _("Training")


class CallerKind(models.TextChoices):
    UNKNOWN = "", _("Not identified yet")
    SELF = "self", _("The caller is the patient")
    ON_BEHALF = "on_behalf", _("Calling for someone else")
    UNIDENTIFIED = "unidentified", _("Unidentified caller")


class OverrideReason(models.TextChoices):
    CLINICAL_JUDGEMENT = "clinical_judgement", _("Clinical judgement")
    INFORMATION_OUTSIDE_PROTOCOL = "outside_protocol", _("Information the protocol does not cover")
    CALLER_SITUATION = "caller_situation", _("The caller's situation (alone, cannot travel, ...)")
    VITAL_SIGNS = "vital_signs", _("Vital signs")
    EARLIER_CONTACTS = "earlier_contacts", _("Earlier contacts about the same problem")
    OTHER = "other", _("Other")


class CallOutcome(models.TextChoices):
    SELF_CARE = "self_care", _("Self-care advice sent")
    VISIT_BOOKED = "visit_booked", _("Visit booked")
    MEDICAL_CALLBACK = "medical_callback", _("Medical callback within 2 hours")
    AMBULANCE = "ambulance", _("Forwarded to the ambulance desk")
    DISTRICT_NURSE = "district_nurse", _("Forwarded to a district nurse")
    DIGITAL_CHAT = "digital_chat", _("Referred to the digital chat")
    REFERRED = "referred", _("Referred to a unit")
    TRAINING = "training", _("Training assessment")


class Call(models.Model):
    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="calls",
                             verbose_name=_("unit"))
    nurse = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="calls", verbose_name=_("nurse"))
    source = models.CharField(_("source"), max_length=12, choices=CallSource.choices)
    external_id = models.CharField(_("telephony call id"), max_length=100, null=True, blank=True, unique=True)
    caller_number = models.CharField(_("caller's number"), max_length=30, blank=True)
    collected_personal_number = models.CharField(_("number given in the phone menu"), max_length=12, blank=True)
    state = models.CharField(_("state"), max_length=12, choices=CallState.choices, default=CallState.OFFERED)
    transferred_to = models.CharField(_("transferred to"), max_length=100, blank=True)
    caller_kind = models.CharField(_("caller"), max_length=14, choices=CallerKind.choices, blank=True)
    resident = models.ForeignKey("accounts.Resident", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="calls", verbose_name=_("patient"))
    caller_name = models.CharField(_("caller's name"), max_length=120, blank=True)
    caller_relation = models.CharField(_("relation to the patient"), max_length=60, blank=True)
    patient_age_days = models.PositiveIntegerField(_("patient's age (days)"), null=True, blank=True)
    patient_sex = models.CharField(_("patient's sex"), max_length=6, blank=True)
    pregnant = models.BooleanField(_("pregnant"), null=True, blank=True)
    location_note = models.CharField(_("where the patient is"), max_length=200, blank=True)
    known_vitals: models.JSONField[Any, Any] = models.JSONField(_("known vital signs"), default=dict, blank=True)
    # Answers of an earlier assessment of this call (before a reason was added or removed) that the
    # engine has not asked for again yet; each answers its question when it comes.
    carried_answers: models.JSONField[Any, Any] = models.JSONField(_("answers carried over"), default=list,
                                                                   blank=True)
    triage_session = models.ForeignKey("intake.TriageSession", on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="calls", verbose_name=_("assessment"))
    override_urgency = models.CharField(_("urgency set by the nurse"), max_length=16, blank=True)
    override_care_need = models.CharField(_("care need set by the nurse"), max_length=32, blank=True)
    override_reason_code = models.CharField(_("reason for the change"), max_length=30,
                                            choices=OverrideReason.choices, blank=True)
    override_note = models.TextField(_("reason, in words"), blank=True)
    override_at = models.DateTimeField(_("changed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=CallOutcome.choices, blank=True)
    outcome_detail: models.JSONField[Any, Any] = models.JSONField(_("outcome details"), default=dict, blank=True)
    documentation = models.TextField(_("documentation"), blank=True)
    is_training = models.BooleanField(_("training"), default=False)
    vignette_id = models.CharField(_("vignette"), max_length=120, blank=True)
    callback = models.ForeignKey("Callback", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="calls", verbose_name=_("from callback"))
    offered_at = models.DateTimeField(_("offered"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    closed_at = models.DateTimeField(_("documented"), null=True, blank=True)

    class Meta:
        ordering = ["-offered_at", "-pk"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [models.Index(fields=["unit", "state"]), models.Index(fields=["resident", "offered_at"])]
        constraints = [
            # The override is complete or absent: an urgency or care need always has its reason.
            models.CheckConstraint(
                condition=(Q(override_urgency="") & Q(override_care_need=""))
                | ~Q(override_reason_code=""),
                name="call_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"call #{self.pk}"

    @property
    def computed_urgency(self) -> str:
        return self.triage_session.urgency if self.triage_session is not None else ""

    @property
    def computed_care_need(self) -> str:
        return self.triage_session.care_need if self.triage_session is not None else ""

    @property
    def effective_urgency(self) -> str:
        return self.override_urgency or self.computed_urgency

    @property
    def effective_care_need(self) -> str:
        return self.override_care_need or self.computed_care_need

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class TelephonyEvent(models.Model):
    """One event the telephony platform sent. ``event_id`` is unique: a resent event is a replay."""

    event_id = models.CharField(_("event id"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20)
    call = models.ForeignKey(Call, on_delete=models.SET_NULL, null=True, blank=True, related_name="events",
                             verbose_name=_("call"))
    payload: models.JSONField[Any, Any] = models.JSONField(_("payload"), default=dict)
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("telephony event")
        verbose_name_plural = _("telephony events")


class SignedRequest(models.Model):
    """A signature the API accepted. Unique, so the same signed request cannot be used twice."""

    signature = models.CharField(max_length=64, unique=True)
    timestamp = models.BigIntegerField()
    received_at = models.DateTimeField(default=timezone.now, db_index=True)


class CallbackSlot(models.Model):
    """Callback capacity a unit publishes: ``capacity`` callbacks due from ``starts_at``."""

    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="callback_slots",
                             verbose_name=_("unit"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    booked = models.PositiveSmallIntegerField(_("booked"), default=0)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("callback time")
        verbose_name_plural = _("callback times")
        constraints = [
            models.CheckConstraint(condition=Q(booked__gte=0) & Q(booked__lte=F("capacity")),
                                   name="callback_slot_never_overbooked"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="callback_slot_ends_after_starts"),
            models.UniqueConstraint(fields=["unit", "starts_at"], name="callback_slot_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)


class CallbackKind(models.TextChoices):
    BOOKED = "booked", _("Booked callback time")
    MEDICAL = "medical", _("Medical callback")


class CallbackSource(models.TextChoices):
    WEB = "web", _("Booked on the web")
    PHONE_MENU = "phone_menu", _("Booked in the phone menu")
    NURSE = "nurse", _("Scheduled by a nurse")


class CallbackStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    DONE = "done", _("Reached")
    UNREACHED = "unreached", _("Not reached after 3 attempts")
    CANCELLED = "cancelled", _("Cancelled")


class Callback(models.Model):
    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="callbacks",
                             verbose_name=_("unit"))
    kind = models.CharField(_("kind"), max_length=10, choices=CallbackKind.choices)
    source = models.CharField(_("source"), max_length=12, choices=CallbackSource.choices)
    slot = models.ForeignKey(CallbackSlot, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="callbacks", verbose_name=_("callback time"))
    due_at = models.DateTimeField(_("due"))
    phone = models.CharField(_("phone"), max_length=30)
    resident = models.ForeignKey("accounts.Resident", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="callbacks", verbose_name=_("resident"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    from_call = models.ForeignKey(Call, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="scheduled_callbacks", verbose_name=_("scheduled in call"))
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("scheduled by"))
    status = models.CharField(_("status"), max_length=10, choices=CallbackStatus.choices,
                              default=CallbackStatus.WAITING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        indexes = [models.Index(fields=["unit", "status", "due_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(attempts__lte=MAX_CALLBACK_ATTEMPTS),
                                   name="callback_at_most_3_attempts"),
            models.CheckConstraint(condition=~Q(kind="booked") | Q(slot__isnull=False),
                                   name="callback_booked_has_slot"),
        ]

    def __str__(self) -> str:
        return f"callback #{self.pk}"


class AttemptResult(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    VOICEMAIL = "voicemail", _("Voicemail, message left")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class CallbackAttempt(models.Model):
    callback = models.ForeignKey(Callback, on_delete=models.CASCADE, related_name="attempt_log",
                                 verbose_name=_("callback"))
    number = models.PositiveSmallIntegerField(_("attempt"))
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("nurse"))
    result = models.CharField(_("result"), max_length=14, choices=AttemptResult.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["callback", "number"]
        verbose_name = _("callback attempt")
        verbose_name_plural = _("callback attempts")
        constraints = [
            models.UniqueConstraint(fields=["callback", "number"], name="callback_attempt_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1) & Q(number__lte=MAX_CALLBACK_ATTEMPTS),
                                   name="callback_attempt_number_range"),
        ]


class ResidentMessage(models.Model):
    """Advice a nurse sent after a call; shown on the resident's page (and sent by SMS)."""

    resident = models.ForeignKey("accounts.Resident", on_delete=models.PROTECT, related_name="telephony_messages",
                                 verbose_name=_("resident"))
    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="messages", verbose_name=_("call"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("message after a call")
        verbose_name_plural = _("messages after calls")


class TrainingAttempt(models.Model):
    nurse = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_attempts",
                              verbose_name=_("nurse"))
    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    call = models.OneToOneField(Call, on_delete=models.PROTECT, related_name="training_attempt",
                                verbose_name=_("practice call"))
    vignette_id = models.CharField(_("vignette"), max_length=120)
    expected_urgency = models.CharField(_("expected urgency"), max_length=16)
    computed_urgency = models.CharField(_("decision support's urgency"), max_length=16)
    chosen_urgency = models.CharField(_("nurse's urgency"), max_length=16)
    score = models.PositiveSmallIntegerField(_("score"))
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("training attempt")
        verbose_name_plural = _("training attempts")
