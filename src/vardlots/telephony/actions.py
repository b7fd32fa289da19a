"""Writes and authorised reads of telephone advice: calls, assessment, outcomes, callbacks, training.

``check_…`` authorises and validates (``PermissionDenied`` for who-may, ``TelephonyError`` for a
state or input that does not allow the action); ``do_…`` writes inside one transaction and rings
the channel layer after commit; ``access_…`` authorises a staff read of a resident's data and
writes the access log.

The assessment of a call is an ``intake.TriageSession`` (channel ``phone``) driven through the
intake actions. Adding or removing a contact reason, or changing who the patient is, starts a new
session and replays the answers already given (the engine asks them in its own order), so the
engine stays the one place that decides. Callback capacity is a conditional UPDATE on
``CallbackSlot.booked`` plus a CHECK constraint: never overbooked, whatever runs concurrently.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from vardlots.accounts import personnummer
from vardlots.accounts.models import Membership, Resident, StaffUser
from vardlots.accounts.permissions import can, roles_granting
from vardlots.audit.actions import access_resident, do_emergency_access, emergency_access
from vardlots.audit.models import Purpose
from vardlots.core.jobs import enqueue
from vardlots.directory.models import Unit, UnitKind
from vardlots.intake import actions as intake
from vardlots.intake.content import get_content
from vardlots.intake.models import TriageSession
from vardlots.intake.summary import answer_label, question_of
from vardlots.telephony.models import (
    MAX_CALLBACK_ATTEMPTS,
    AttemptResult,
    Call,
    CallbackAttempt,
    CallbackKind,
    CallbackSlot,
    CallbackSource,
    CallbackStatus,
    CallerKind,
    CallOutcome,
    CallSource,
    CallState,
    OverrideReason,
    ResidentMessage,
    TelephonyEvent,
    TrainingAttempt,
)
from vardlots.telephony.models import Callback as CallbackRow
from vardlots.triage.engine import QuestionStep, Result
from vardlots.triage.model import DAYS_PER_YEAR, Urgency, Vignette

if TYPE_CHECKING:
    from django.http import HttpRequest

    from vardlots.directory.routing import RoutingResult

log = logging.getLogger(__name__)

MEDICAL_CALLBACK_WITHIN = dt.timedelta(hours=2)
URGENCIES = tuple(u.value for u in Urgency.ordered())
CARE_NEEDS = (
    "ambulance", "emergency_department", "paediatric_emergency", "obstetric_emergency", "eye_emergency",
    "psychiatric_emergency", "urgent_care", "health_centre", "maternity_clinic", "dental_emergency", "dental",
    "pharmacy", "poison_information", "nurse_advice", "self_care",
)
# Number findings a nurse may already know (measured by the caller or given by a home-care nurse):
# entered once, they answer the engine's question when it comes.
VITAL_FINDINGS = ("temperature", "pain_score", "blood_glucose", "body_weight")
ADVISE = "telephony.advise"


class TelephonyError(Exception):
    """The call's state or the input does not allow the action. ``key`` is stable."""

    def __init__(self, key: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.key = key
        self.message = message
        self.status = status


def _lang() -> str:
    return "en" if (get_language() or "sv").startswith("en") else "sv"


def _ring(unit_id: int, kind: str, **data: Any) -> None:
    """Tell open workspaces of the unit that something changed (after commit; the database is the truth)."""

    def send() -> None:
        try:
            from asgiref.sync import async_to_sync
            from channels.layers import get_channel_layer

            layer = get_channel_layer()
            if layer is not None:
                async_to_sync(layer.group_send)(f"telephony.unit.{unit_id}",
                                                {"type": "telephony.event", "kind": kind, **data})
        except Exception:  # the bell is best effort; nothing depends on it
            log.warning("telephony event %s not published", kind, exc_info=True)

    transaction.on_commit(send)


# --- who may ------------------------------------------------------------------------------------

def telephony_units(staff: StaffUser) -> list[Unit]:
    """Units where ``staff`` may give telephone advice, 1177 nurse advice units first."""
    roles = roles_granting(ADVISE)
    units = {m.unit for m in Membership.objects.filter(staff=staff, active=True, role__in=roles)
             .select_related("unit", "unit__region")}
    return sorted(units, key=lambda u: (u.kind != UnitKind.NURSE_ADVICE, u.name))


def check_advise(staff: StaffUser, unit: Unit) -> None:
    if not can(staff, ADVISE, unit):
        raise PermissionDenied(_("You do not give telephone advice in this unit."))


def check_call(staff: StaffUser, call: Call) -> None:
    """May ``staff`` work on ``call``: telephone advice in its unit, and they have taken the call.

    A call nobody has taken shows only "Take the call"; a posted action on it is refused too."""
    check_advise(staff, call.unit)
    if call.nurse_id is None:
        check_open(call)
        raise TelephonyError("telephony.not_taken", _("Take the call first."), 409)
    if call.nurse_id != staff.pk:
        raise PermissionDenied(_("Another nurse has this call."))


def check_open(call: Call) -> None:
    if call.closed_at is not None:
        raise TelephonyError("telephony.call_closed", _("The call is already documented and closed."), 409)


def emergency_scope(call: Call) -> str:
    """Emergency access to a resident's other contacts holds for one call only."""
    return f"telephony.call:{call.pk}"


def check_not_training(call: Call) -> None:
    """A practice call keeps its written case: no real patient, and the case's reasons stay."""
    if call.is_training:
        raise TelephonyError("telephony.training_fixed",
                             _("A practice call keeps the patient and the contact reasons of its written case."), 409)


def access_call(staff: StaffUser, call_id: int, *, request: HttpRequest | None = None) -> Call:
    """Load a call for ``staff``; a call about an identified resident is recorded in the access log.

    One entry per display: it covers the call and the earlier contacts shown with it
    (``earlier_contacts``), and says when emergency access for this call is in force."""
    call = (Call.objects.select_related("unit", "unit__region", "resident", "resident__listed_unit",
                                        "triage_session", "nurse").filter(pk=call_id).first())
    if call is None:
        raise TelephonyError("telephony.no_call", _("There is no such call."), 404)
    check_advise(staff, call.unit)
    if call.nurse_id is not None and call.nurse_id != staff.pk and call.closed_at is None:
        raise PermissionDenied(_("Another nurse has this call."))
    if call.resident is not None:
        emergency = emergency_access(staff, call.resident, emergency_scope(call))
        access_resident(staff, call.resident, Purpose.CARE, call.unit, request=request, what="telephony_call",
                        permission=ADVISE, detail={"emergency_access": emergency.seq} if emergency else None)
    return call


@dataclass(frozen=True)
class EarlierContact:
    at: dt.datetime
    kind: str
    summary: str
    urgency: str
    region: str = ""  # set on contacts shown through emergency access


@dataclass(frozen=True)
class EarlierContacts:
    shown: list[EarlierContact]
    withheld: int  # contacts the nurse may not read (other regions or units): counted, never shown
    emergency_reason: str = ""  # emergency access in force for this call: everything is shown


def earlier_contacts(staff: StaffUser, call: Call, *, limit: int = 20) -> EarlierContacts:
    """The patient's earlier calls, cases and web assessments, newest first, as far as ``staff``
    may read them with the same checks as the call and case pages; the rest only as a count.

    Emergency access recorded for this call (``do_emergency_access``) shows the rest too. Writes
    no access-log entry: the call page's entry (``access_call``) covers this display."""
    from vardlots.cases.actions import can_view_queue
    from vardlots.cases.models import Case

    resident = call.resident
    if resident is None:
        return EarlierContacts([], 0)
    emergency = emergency_access(staff, resident, emergency_scope(call))
    visible_units: dict[int, bool] = {}

    def advises_in(unit: Unit) -> bool:
        if unit.pk not in visible_units:
            visible_units[unit.pk] = can(staff, ADVISE, unit)
        return visible_units[unit.pk]

    shown: list[EarlierContact] = []
    withheld = 0

    def add(allowed: bool, contact: EarlierContact, region: str) -> None:
        nonlocal withheld
        if allowed:
            shown.append(contact)
        elif emergency is not None:
            shown.append(EarlierContact(contact.at, contact.kind, contact.summary, contact.urgency, region))
        else:
            withheld += 1

    for c in (Call.objects.filter(resident=resident, is_training=False).exclude(pk=call.pk)
              .select_related("triage_session", "unit", "unit__region").order_by("-offered_at")[:limit]):
        label = c.get_outcome_display() if c.outcome else _("Not documented")
        add(advises_in(c.unit), EarlierContact(c.offered_at, _("Call"), f"{reasons_text(c)} · {label}",
                                              c.effective_urgency), c.unit.region.name)
    readable_sessions: dict[Any, bool] = {}
    for case in (Case.objects.filter(resident=resident).select_related("queue", "queue__unit", "queue__unit__region")
                 .order_by("-created_at")[:limit]):
        allowed = can_view_queue(staff, case.queue)
        if case.triage_session_id is not None:
            readable_sessions[case.triage_session_id] = readable_sessions.get(case.triage_session_id, False) or allowed
        add(allowed, EarlierContact(case.created_at, _("Case"),
                                    f"{case.contact_reason} · {case.get_status_display()}", case.effective_urgency),
            case.queue.unit.region.name)
    listed = resident.listed_unit
    home_region = listed is not None and listed.region_id == call.unit.region_id
    for s in (TriageSession.objects.filter(resident=resident, state=TriageSession.State.COMPLETED)
              .exclude(channel=TriageSession.Channel.PHONE).order_by("-created_at")[:limit]):
        # An assessment that became a case is the case's; one that did not belongs to the resident's
        # home region (the listed unit's).
        allowed = readable_sessions.get(s.pk, home_region)
        add(allowed, EarlierContact(s.created_at, _("Web assessment"), _titles(s.protocol_ids), s.urgency),
            listed.region.name if listed is not None else "")
    ordered = sorted(shown, key=lambda e: e.at, reverse=True)[:limit]
    return EarlierContacts(ordered, withheld, str((emergency.detail or {}).get("reason", "")) if emergency else "")


def do_emergency_access_earlier(staff: StaffUser, call: Call, reason: str, *,
                                request: HttpRequest | None = None) -> None:
    """Emergency access (nödåtkomst) to the patient's contacts in other regions, for this call only.

    The nurse must be working the open call; the stated reason goes into the access log."""
    check_call(staff, call)
    check_open(call)
    if call.resident is None:
        raise TelephonyError("telephony.no_resident", _("Identify the patient first."))
    try:
        do_emergency_access(staff, call.resident, call.unit, reason, emergency_scope(call), permission=ADVISE,
                            request=request, detail={"call": call.pk})
    except ValueError as err:
        raise TelephonyError("telephony.emergency_reason", str(err)) from None


# --- telephony events -----------------------------------------------------------------------------

EVENT_KINDS = ("offered", "answered", "transferred", "ended")


def _unit_by_hsa(hsa_id: str) -> Unit:
    unit = Unit.objects.filter(hsa_id=hsa_id.strip().upper(), active=True).first()
    if unit is None:
        raise TelephonyError("telephony.unknown_unit", _("There is no active unit with that HSA-id."), 404)
    return unit


def _collected_number(value: str) -> str:
    if not value:
        return ""
    try:
        return personnummer.parse(value, today=timezone.localdate()).canonical
    except personnummer.PersonnummerError:
        return ""  # the phone menu's number is a hint; a wrong one is ignored, the nurse asks


def do_receive_event(*, event_id: str, kind: str, call_id: str, caller_number: str = "",
                     personal_number: str = "", unit_hsa_id: str = "", agent_hsa_id: str = "",
                     transferred_to: str = "", now: dt.datetime | None = None) -> Call:
    """Apply one event of the telephony platform. A resent ``event_id`` is refused (409)."""
    if kind not in EVENT_KINDS:
        raise TelephonyError("telephony.bad_event", _("Unknown event type."), 422)
    now = now or timezone.now()
    with transaction.atomic():
        try:
            with transaction.atomic():
                event = TelephonyEvent.objects.create(event_id=event_id, kind=kind, received_at=now, payload={
                    "call_id": call_id, "caller_number": caller_number, "unit": unit_hsa_id,
                    "agent": agent_hsa_id, "transferred_to": transferred_to,
                    "personal_number_given": bool(personal_number)})
        except IntegrityError:
            raise TelephonyError("telephony.replay", _("This event was already received."), 409) from None
        call = Call.objects.select_for_update().filter(external_id=call_id).first()
        if call is None:
            if not unit_hsa_id:
                raise TelephonyError("telephony.unknown_call", _("Unknown call; send unit_hsa_id."), 404)
            call = Call.objects.create(unit=_unit_by_hsa(unit_hsa_id), source=CallSource.TELEPHONY,
                                       external_id=call_id, caller_number=caller_number[:30], offered_at=now)
        if caller_number and not call.caller_number:
            call.caller_number = caller_number[:30]
        collected = _collected_number(personal_number)
        if collected:
            call.collected_personal_number = collected
        if kind == "answered":
            if call.state == CallState.OFFERED:
                call.state = CallState.ANSWERED
            call.answered_at = call.answered_at or now
            if agent_hsa_id and call.nurse_id is None:
                agent = StaffUser.objects.filter(hsa_id=agent_hsa_id.strip().upper(), is_active=True).first()
                if agent is not None and can(agent, ADVISE, call.unit):
                    call.nurse = agent
        elif kind == "transferred":
            call.state = CallState.TRANSFERRED
            call.transferred_to = transferred_to[:100]
        elif kind == "ended":
            if call.state != CallState.TRANSFERRED:
                call.state = CallState.ENDED
            call.ended_at = now
        call.save()
        event.call = call
        event.save(update_fields=["call"])
        _ring(call.unit_id, f"call_{kind}", call_id=call.pk)
    return call


# --- calls ------------------------------------------------------------------------------------------

def do_start_call(staff: StaffUser, unit: Unit, *, caller_number: str = "", callback: CallbackRow | None = None,
                  now: dt.datetime | None = None) -> Call:
    """A nurse starts a call by hand (or calls back someone on the callback list)."""
    check_advise(staff, unit)
    now = now or timezone.now()
    with transaction.atomic():
        call = Call.objects.create(
            unit=unit, nurse=staff, source=CallSource.CALLBACK if callback else CallSource.MANUAL,
            caller_number=caller_number.strip()[:30], state=CallState.ANSWERED, offered_at=now, answered_at=now,
            callback=callback, resident=callback.resident if callback else None,
            caller_kind=CallerKind.SELF if callback and callback.resident_id else "",
        )
        if call.resident is not None:
            _set_patient_from_resident(call, call.resident)
            call.save()
        _ring(unit.pk, "call_started", call_id=call.pk)
    return call


def do_take_call(staff: StaffUser, call: Call, now: dt.datetime | None = None) -> Call:
    """The nurse takes a ringing (or answered, unassigned) call into the workspace."""
    check_advise(staff, call.unit)
    now = now or timezone.now()
    with transaction.atomic():
        taken = Call.objects.filter(Q(nurse__isnull=True) | Q(nurse=staff), pk=call.pk,
                                    closed_at__isnull=True).update(nurse=staff)
        if taken != 1:
            call.refresh_from_db()
            check_open(call)
            raise TelephonyError("telephony.taken", _("Another nurse already took this call."), 409)
        call.refresh_from_db()
        if call.state == CallState.OFFERED:
            call.state = CallState.ANSWERED
            call.answered_at = now
            call.save(update_fields=["state", "answered_at"])
        _ring(call.unit_id, "call_taken", call_id=call.pk)
    return call


def _set_patient_from_resident(call: Call, resident: Resident) -> None:
    call.patient_age_days = (timezone.localdate() - resident.birth_date).days
    call.patient_sex = "female" if resident.sex == "F" else "male"


def do_identify(staff: StaffUser, call: Call, *, caller_kind: str, personal_number: str = "",
                age_years: float | None = None, sex: str = "", caller_name: str = "", caller_relation: str = "",
                pregnant: bool | None = None, location_note: str = "") -> Call:
    """Record who the patient is: an identified resident (by personal identity number), an
    unidentified caller (age and sex only), or someone the caller calls for."""
    check_call(staff, call)
    check_open(call)
    check_not_training(call)
    if caller_kind not in (CallerKind.SELF, CallerKind.ON_BEHALF, CallerKind.UNIDENTIFIED):
        raise TelephonyError("telephony.bad_caller_kind", _("Choose who is calling."))
    resident: Resident | None = None
    age_days: int | None = None
    patient_sex = sex if sex in ("female", "male") else ""
    number = personal_number.strip()
    if caller_kind != CallerKind.UNIDENTIFIED and number:
        try:
            parsed = personnummer.parse(number, today=timezone.localdate())
        except personnummer.PersonnummerError as err:
            raise TelephonyError("telephony.bad_personal_number", str(err.message)) from None
        resident = Resident.objects.filter(personal_number=parsed.canonical).first()
        age_days = (timezone.localdate() - parsed.birth_date).days
        patient_sex = "male" if parsed.legal_sex == personnummer.Sex.MALE else "female"
    elif caller_kind != CallerKind.UNIDENTIFIED and not number and age_years is None:
        raise TelephonyError("telephony.need_identity",
                             _("Give the patient's personal identity number, or the age and sex."))
    if age_days is None:
        if age_years is None or not 0 <= age_years <= 130:
            raise TelephonyError("telephony.need_age", _("Give the patient's age (0–130 years)."))
        age_days = int(age_years * DAYS_PER_YEAR)
    if not patient_sex:
        raise TelephonyError("telephony.need_sex", _("Give the patient's sex."))
    if caller_kind == CallerKind.ON_BEHALF and not caller_name.strip():
        raise TelephonyError("telephony.need_caller_name", _("Give the name of the person calling."))
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        changed = (call.patient_age_days, call.patient_sex) != (age_days, patient_sex) or call.resident != resident
        call.caller_kind = caller_kind
        call.resident = resident
        call.patient_age_days = age_days
        call.patient_sex = patient_sex
        call.pregnant = pregnant if patient_sex == "female" else None
        call.caller_name = caller_name.strip()[:120] if caller_kind == CallerKind.ON_BEHALF else ""
        call.caller_relation = caller_relation.strip()[:60] if caller_kind == CallerKind.ON_BEHALF else ""
        call.location_note = location_note.strip()[:200]
        call.save()
        if changed and call.triage_session is not None:
            _restart(call, list(call.triage_session.protocol_ids))
    return call


def _titles(protocol_ids: Iterable[str]) -> str:
    content = get_content()
    lang = _lang()
    return ", ".join(content.protocols[p].title.get(lang) if p in content.protocols else p for p in protocol_ids)


def reasons_text(call: Call) -> str:
    return _titles(call.triage_session.protocol_ids) if call.triage_session else ""


def _auto_answer(call: Call, session: TriageSession) -> TriageSession:
    """Answer the engine's questions from the answers carried over from an earlier assessment of
    the call and from the known vital signs, as far as they go; the rest the nurse asks."""
    carried = [list(a) for a in (call.carried_answers or [])]
    vitals = dict(call.known_vitals or {})
    while True:
        step = intake.current_step(session)
        if not isinstance(step, QuestionStep):
            break
        index = next((i for i, (f, _v) in enumerate(carried) if f == step.finding), None)
        if index is not None:
            value = carried.pop(index)[1]
        elif step.finding in vitals and not any(f == step.finding for f, _v in session.answer_pairs()):
            value = vitals[step.finding]
        else:
            break
        try:
            session, _step = intake.do_answer(session.pk, step.finding, value, len(session.answers))
        except intake.IntakeError:
            break  # a value that no longer fits (content changed): the nurse asks again
    if carried != call.carried_answers:
        call.carried_answers = carried
        Call.objects.filter(pk=call.pk).update(carried_answers=carried)
    return session


def _restart(call: Call, protocol_ids: list[str]) -> TriageSession | None:
    """A new session for the call's patient and reasons; the answers given so far are carried over."""
    old = call.triage_session
    call.carried_answers = [list(a) for a in (old.answers if old else [])] + list(call.carried_answers or [])
    if not protocol_ids:
        call.triage_session = None
        call.save(update_fields=["triage_session", "carried_answers"])
        return None
    if call.patient_age_days is None or not call.patient_sex:
        raise TelephonyError("telephony.identify_first", _("Identify the patient (age and sex) first."), 409)
    req = intake.StartRequest(
        sex=call.patient_sex, language=_lang(), age_years=call.patient_age_days / DAYS_PER_YEAR + 0.001,
        pregnant=call.pregnant, protocol_ids=tuple(protocol_ids), channel=TriageSession.Channel.PHONE,
    )
    try:
        session, _step = intake.do_start_session(req, resident=call.resident)
    except intake.IntakeError as err:
        raise TelephonyError(err.key, err.message(_lang()), err.status) from err
    call.triage_session = session
    call.save(update_fields=["triage_session", "carried_answers"])
    session = _auto_answer(call, session)
    call.triage_session = session
    return session


def do_add_reason(staff: StaffUser, call: Call, protocol_id: str) -> Call:
    """Add a contact reason; the most urgent result over every reason wins (the engine's rule)."""
    check_call(staff, call)
    check_open(call)
    content = get_content()
    if protocol_id not in content.protocols:
        raise TelephonyError("telephony.unknown_protocol", _("Unknown contact reason."))
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        current = list(call.triage_session.protocol_ids) if call.triage_session else []
        if protocol_id not in current:
            _restart(call, [*current, protocol_id])
    return call


def do_remove_reason(staff: StaffUser, call: Call, protocol_id: str) -> Call:
    check_call(staff, call)
    check_open(call)
    check_not_training(call)
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        current = list(call.triage_session.protocol_ids) if call.triage_session else []
        if protocol_id in current:
            _restart(call, [p for p in current if p != protocol_id])
    return call


def profile_findings(call: Call) -> list[str]:
    """The yes/no risk factors of the profile (content/risk_factors.yaml) that can apply to the
    patient's age and sex."""
    from vardlots.triage.engine import all_questions
    from vardlots.triage.model import QuestionType, Sex

    content = get_content()
    questions = all_questions(content)
    sex = Sex(call.patient_sex) if call.patient_sex in ("female", "male") else None
    out = []
    for fid in content.risk_factors:
        q = questions.get(fid)
        if q is None or q.type is not QuestionType.YES_NO:
            continue
        if call.patient_age_days is not None and q.ruled_out_for(call.patient_age_days, sex):
            continue
        out.append(fid)
    return out


def do_set_profile(staff: StaffUser, call: Call, profile: dict[str, str | None]) -> Call:
    """Record the risk factors the caller knows ("yes"/"no"); each answers its question when the
    engine asks it, in any protocol, so the caller is not asked again."""
    check_call(staff, call)
    check_open(call)
    allowed = set(profile_findings(call))
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        known = {k: v for k, v in (call.known_vitals or {}).items() if k not in allowed}
        known.update({k: v for k, v in profile.items() if k in allowed and v in ("yes", "no")})
        call.known_vitals = known
        call.save(update_fields=["known_vitals"])
        if call.triage_session is not None and call.triage_session.state == TriageSession.State.IN_PROGRESS:
            call.triage_session = _auto_answer(call, call.triage_session)
    return call


def do_set_vitals(staff: StaffUser, call: Call, vitals: dict[str, float | None]) -> Call:
    """Record vital signs the caller knows; each answers its number question when the engine asks it."""
    check_call(staff, call)
    check_open(call)
    known = {k: float(v) for k, v in vitals.items() if k in VITAL_FINDINGS and v is not None}
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        # keep the risk-factor profile, which is stored beside the vital signs
        known.update({k: v for k, v in (call.known_vitals or {}).items() if k not in VITAL_FINDINGS})
        call.known_vitals = known
        call.save(update_fields=["known_vitals"])
        if call.triage_session is not None and call.triage_session.state == TriageSession.State.IN_PROGRESS:
            call.triage_session = _auto_answer(call, call.triage_session)
    return call


def do_answer(staff: StaffUser, call: Call, finding: str, value: Any, position: int | None) -> Call:
    check_call(staff, call)
    check_open(call)
    if call.triage_session is None:
        raise TelephonyError("telephony.no_reason", _("Choose a contact reason first."), 409)
    try:
        session, _step = intake.do_answer(call.triage_session.pk, finding, value, position)
    except intake.IntakeError as err:
        raise TelephonyError(err.key, err.message(_lang()), err.status) from err
    call.refresh_from_db(fields=["carried_answers", "known_vitals"])
    call.triage_session = _auto_answer(call, session)
    return call


def do_go_back(staff: StaffUser, call: Call) -> Call:
    check_call(staff, call)
    check_open(call)
    if call.triage_session is None:
        raise TelephonyError("telephony.no_reason", _("Choose a contact reason first."), 409)
    try:
        session, _step = intake.do_go_back(call.triage_session.pk)
    except intake.IntakeError as err:
        raise TelephonyError(err.key, err.message(_lang()), err.status) from err
    call.triage_session = session
    return call


def current_step(call: Call) -> QuestionStep | Result | None:
    if call.triage_session is None:
        return None
    return intake.current_step(call.triage_session)


def check_override(call: Call, urgency: str, care_need: str, reason_code: str, note: str) -> None:
    if call.triage_session is None or call.triage_session.state != TriageSession.State.COMPLETED:
        raise TelephonyError("telephony.not_assessed", _("Finish the questions before changing the result."), 409)
    if not urgency and not care_need:
        raise TelephonyError("telephony.override_empty", _("Choose an urgency or a care need to set."))
    if urgency and urgency not in URGENCIES:
        raise TelephonyError("telephony.bad_urgency", _("Unknown urgency."))
    if care_need and care_need not in CARE_NEEDS:
        raise TelephonyError("telephony.bad_care_need", _("Unknown care need."))
    if reason_code not in OverrideReason.values:
        raise TelephonyError("telephony.override_reason", _("Choose a reason for the change."))
    if not note.strip():
        raise TelephonyError("telephony.override_note", _("Describe the reason for the change in words."))


def do_override(staff: StaffUser, call: Call, *, urgency: str, care_need: str, reason_code: str, note: str,
                now: dt.datetime | None = None) -> Call:
    """The nurse's own urgency and/or care need, stored beside the computed result (never over it)."""
    check_call(staff, call)
    check_open(call)
    check_override(call, urgency, care_need, reason_code, note)
    with transaction.atomic():
        Call.objects.filter(pk=call.pk).update(
            override_urgency=urgency if urgency != call.computed_urgency else "",
            override_care_need=care_need if care_need != call.computed_care_need else "",
            override_reason_code=reason_code, override_note=note.strip()[:2000], override_at=now or timezone.now())
        call.refresh_from_db()
        if not call.override_urgency and not call.override_care_need:
            Call.objects.filter(pk=call.pk).update(override_reason_code="", override_note="", override_at=None)
            call.refresh_from_db()
    return call


def do_clear_override(staff: StaffUser, call: Call) -> Call:
    check_call(staff, call)
    check_open(call)
    Call.objects.filter(pk=call.pk).update(override_urgency="", override_care_need="", override_reason_code="",
                                           override_note="", override_at=None)
    call.refresh_from_db()
    return call


def age_years(call: Call) -> int:
    return int((call.patient_age_days or 0) // DAYS_PER_YEAR)


def proposal(call: Call, at: dt.datetime | None = None) -> RoutingResult | None:
    """The care forms and open units routing gives for the call's effective urgency and care need."""
    from vardlots.directory.routing import route

    urgency = call.effective_urgency
    if not urgency or call.triage_session is None or call.triage_session.state != TriageSession.State.COMPLETED:
        return None
    listed = call.resident.listed_unit if call.resident is not None else None
    return route(urgency, call.effective_care_need, age_years(call), at or timezone.now(),
                 resident_listed_unit=listed, region=call.unit.region)


# --- outcomes ---------------------------------------------------------------------------------------

def _result(call: Call) -> dict[str, Any]:
    session = call.triage_session
    return dict(session.result or {}) if session is not None else {}


def advice_text(call: Call) -> str:
    """The self-care advice and safety net of the computed result, in the nurse's language."""
    lang = _lang()
    result = _result(call)
    parts = []
    for key in ("advice", "self_care", "safety_net"):
        text = result.get(key)
        if isinstance(text, dict) and text.get(lang):
            parts.append(str(text[lang]))
    return "\n\n".join(parts)


def _close(call: Call, outcome: str, detail: dict[str, Any], now: dt.datetime) -> Call:
    call.outcome = outcome
    call.outcome_detail = detail
    call.closed_at = now
    if call.source != CallSource.TELEPHONY and call.state != CallState.TRANSFERRED:
        call.state = CallState.ENDED
        call.ended_at = call.ended_at or now
    call.documentation = documentation_text(call)
    call.save()
    _ring(call.unit_id, "call_closed", call_id=call.pk)
    return call


def check_finish(call: Call, outcome: str) -> None:
    if outcome not in CallOutcome.values or outcome == CallOutcome.TRAINING:
        raise TelephonyError("telephony.bad_outcome", _("Choose an outcome."))
    if call.is_training:
        raise TelephonyError("telephony.training", _("A practice call ends with a scored assessment."), 409)
    if call.caller_kind == "" or call.patient_age_days is None:
        raise TelephonyError("telephony.identify_first", _("Identify the patient (age and sex) first."), 409)
    needs_result = outcome not in (CallOutcome.AMBULANCE,)
    if needs_result and (call.triage_session is None or call.triage_session.state != TriageSession.State.COMPLETED):
        raise TelephonyError("telephony.not_assessed", _("Finish the questions first."), 409)
    if call.effective_urgency == "EMERGENCY_112" and outcome not in (CallOutcome.AMBULANCE,):
        raise TelephonyError("telephony.emergency", _("The result is 112: forward the call to the ambulance desk."),
                             409)


def do_finish_call(staff: StaffUser, call: Call, outcome: str, *, note: str = "", slot_id: int | None = None,
                   callback_minutes: int = 120, handover_location: str = "", district_unit_id: int | None = None,
                   now: dt.datetime | None = None) -> Call:
    """End the call with an outcome; the documentation text is built and stored with it."""
    check_call(staff, call)
    check_open(call)
    check_finish(call, outcome)
    now = now or timezone.now()
    note = note.strip()[:2000]
    with transaction.atomic():
        call = (Call.objects.select_for_update(of=("self",)).select_related("triage_session", "resident", "unit")
                .get(pk=call.pk))
        check_open(call)
        detail: dict[str, Any] = {"note": note}
        if outcome == CallOutcome.SELF_CARE:
            detail.update(_send_self_care(call, note, now))
        elif outcome == CallOutcome.VISIT_BOOKED:
            detail.update(_book_visit(staff, call, slot_id, note))
        elif outcome == CallOutcome.MEDICAL_CALLBACK:
            cb = do_schedule_medical_callback(staff, call, minutes=callback_minutes, note=note, now=now)
            detail.update({"callback_id": cb.pk, "due_at": cb.due_at.isoformat()})
        elif outcome == CallOutcome.AMBULANCE:
            if handover_location.strip():
                call.location_note = handover_location.strip()[:200]
            detail["handover"] = ambulance_handover(call)
            call.state = CallState.TRANSFERRED
            call.transferred_to = "ambulance"
        elif outcome == CallOutcome.DISTRICT_NURSE:
            unit = Unit.objects.filter(pk=district_unit_id or 0, active=True).first()
            detail["unit"] = unit.name if unit else ""
            call.state = CallState.TRANSFERRED
            call.transferred_to = "district_nurse"
        elif outcome == CallOutcome.DIGITAL_CHAT:
            detail.update(_refer_to_chat(call))
        elif outcome == CallOutcome.REFERRED:
            routed = proposal(call, now)
            best = routed.best_unit if routed is not None else None
            detail["unit"] = best.unit.name if best else ""
        return _close(call, outcome, detail, now)


def _send_self_care(call: Call, note: str, now: dt.datetime) -> dict[str, Any]:
    body = "\n\n".join(p for p in (note, advice_text(call)) if p)
    subject = _("Advice from your call to 1177")
    phone = call.resident.phone if call.resident is not None and call.resident.phone else call.caller_number
    message_id = None
    if call.resident is not None:
        message = ResidentMessage.objects.create(resident=call.resident, call=call, subject=subject, body=body,
                                                 created_at=now)
        message_id = message.pk
    if phone:
        enqueue("telephony.sms", {"phone": phone, "subject": subject,
                                  "body": _("You have advice from 1177 on My pages.") if message_id else body})
    return {"message_id": message_id, "sms": bool(phone)}


def _book_visit(staff: StaffUser, call: Call, slot_id: int | None, note: str) -> dict[str, Any]:
    from vardlots.booking.actions import BookingError, do_book
    from vardlots.booking.models import Slot

    if call.resident is None:
        raise TelephonyError("telephony.visit_needs_resident", _("Only an identified resident can be booked."), 409)
    slot = Slot.objects.select_related("schedule__unit").filter(pk=slot_id or 0).first()
    if slot is None:
        raise TelephonyError("telephony.no_slot", _("Choose a time."))
    # A 1177 nurse books in the units of the region routing offers; booking.book in the unit also works.
    if not (can(staff, "booking.book", slot.schedule.unit) or slot.schedule.unit.region_id == call.unit.region_id):
        raise PermissionDenied(_("You cannot book in this unit."))
    try:
        appointment = do_book(slot, call.resident, by_staff=staff, reason=(reasons_text(call) or note)[:300])
    except BookingError as err:
        raise TelephonyError(f"telephony.booking_{err.code}", str(err.message), 409) from err
    return {"appointment_id": appointment.pk, "unit": slot.schedule.unit.name,
            "starts_at": slot.starts_at.isoformat()}


def _refer_to_chat(call: Call) -> dict[str, Any]:
    from vardlots.cases.actions import (
        CaseError,
        do_create_case_from_triage,
        do_override_urgency,
        queue_of,
        regional_pool_unit,
    )
    from vardlots.cases.models import CaseKind

    session = call.triage_session
    if call.resident is None or session is None:
        return {"case_id": None}
    pool = regional_pool_unit(call.unit.region)
    try:
        with transaction.atomic():
            case = do_create_case_from_triage(session, resident=call.resident,
                                              queue=queue_of(pool, CaseKind.CARE) if pool else None,
                                              contact_reason=reasons_text(call))
            # The nurse's decision travels with the case: the chat queue ranks it by the urgency the
            # nurse set, kept beside the computed one (never over it).
            if call.override_urgency and call.override_urgency != case.effective_urgency:
                if call.nurse is None:
                    raise TelephonyError("telephony.override_without_nurse",
                                         _("The changed urgency has no nurse recorded."), 409)
                reason = call.override_note or call.get_override_reason_code_display()
                case = do_override_urgency(call.nurse, case, call.override_urgency,
                                           _("Set on the phone: %(reason)s") % {"reason": reason})
    except CaseError as err:
        raise TelephonyError(err.key, err.message, 409) from err
    return {"case_id": case.pk}


def ambulance_handover(call: Call) -> str:
    """A structured hand-over to the ambulance desk (SBAR: situation, background, assessment, request)."""
    patient = _patient_line(call)
    lines = [
        _("HAND-OVER TO THE AMBULANCE DESK"),
        _("Situation: %(reasons)s. Urgency %(urgency)s.") % {
            "reasons": reasons_text(call) or _("not assessed"), "urgency": call.effective_urgency or "–"},
        _("Patient: %(patient)s") % {"patient": patient},
        _("Location: %(where)s") % {"where": call.location_note or _("not given")},
        _("Call-back number: %(number)s") % {"number": call.caller_number or "–"},
        _("Background: %(findings)s") % {"findings": "; ".join(_positive_findings(call)) or "–"},
        _("Assessment: %(explanation)s") % {"explanation": _explanation(call) or "–"},
        _("Request: ambulance assessment and transport."),
    ]
    return "\n".join(lines)


# --- documentation ------------------------------------------------------------------------------

def _patient_line(call: Call) -> str:
    sex = {"female": _("female"), "male": _("male")}.get(call.patient_sex, "–")
    age = age_years(call) if call.patient_age_days is not None else "–"
    if call.resident is not None:
        return f"{call.resident.get_full_name()}, {call.resident.formatted_personal_number}, {age} {_('years')}, {sex}"
    return _("Unidentified, %(age)s years, %(sex)s") % {"age": age, "sex": sex}


def answered(call: Call) -> list[dict[str, Any]]:
    """The answers so far with the nurse wording of each question."""
    session = call.triage_session
    if session is None:
        return []
    lang = _lang()
    out = []
    for i, (finding, value) in enumerate(session.answer_pairs()):
        q = question_of(finding, session.protocol_ids)
        out.append({"index": i, "finding": finding, "question": q.nurse.get(lang) if q else finding,
                    "answer": answer_label(finding, value, session.protocol_ids)})
    return out


def _positive_findings(call: Call) -> list[str]:
    out = []
    for a in answered(call):
        if a["answer"] not in (_("No"), _("None of these")):
            out.append(f"{a['question']} {a['answer']}")
    return out


def _explanation(call: Call) -> str:
    text = _result(call).get("explanation")
    return str(text.get(_lang(), "")) if isinstance(text, dict) else ""


def pertinent_negatives(call: Call) -> list[str]:
    from vardlots.triage.engine import pertinent_negatives as negatives

    session = call.triage_session
    if session is None:
        return []
    lang = _lang()
    return [n.label.get(lang) for n in negatives(get_content(), intake.engine_input(session))]


def _urgency_label(code: str) -> str:
    try:
        u = Urgency(code)
    except ValueError:
        return code or "–"
    return f"{u.label(_lang())} ({code})"


def documentation_text(call: Call) -> str:
    """The structured note of the call for the medical record (plain text, ready to paste)."""
    from vardlots.intake.care import CARE_NEED_PLAIN

    session = call.triage_session
    when = timezone.localtime(call.answered_at or call.offered_at)
    nurse = call.nurse
    lines = [
        _("TELEPHONE ADVICE %(when)s") % {"when": f"{when:%Y-%m-%d %H:%M}"},
        _("Nurse: %(name)s (%(hsa)s), %(unit)s") % {
            "name": nurse.get_full_name() if nurse else "–", "hsa": nurse.hsa_id if nurse else "–",
            "unit": call.unit.name},
        _("Patient: %(patient)s") % {"patient": _patient_line(call)},
    ]
    if call.caller_kind == CallerKind.ON_BEHALF:
        lines.append(_("Caller: %(name)s (%(relation)s), calling for the patient") % {
            "name": call.caller_name, "relation": call.caller_relation or "–"})
    elif call.caller_kind == CallerKind.UNIDENTIFIED:
        lines.append(_("Caller: unidentified"))
    if call.caller_number:
        lines.append(_("Phone: %(number)s") % {"number": call.caller_number})
    lines.append(_("Contact reason: %(reasons)s") % {"reasons": reasons_text(call) or "–"})
    numbers = {k: v for k, v in (call.known_vitals or {}).items() if k in VITAL_FINDINGS}
    if numbers:
        vitals = ", ".join(f"{k}: {v:g}" for k, v in numbers.items())
        lines.append(_("Vital signs given: %(vitals)s") % {"vitals": vitals})
    items = answered(call)
    if items:
        lines.append("")
        lines.append(_("Answers:"))
        lines += [f"- {a['question']} {a['answer']}" for a in items]
    negatives = pertinent_negatives(call)
    if negatives:
        lines.append("")
        lines.append(_("Pertinent negatives (denies): %(items)s") % {"items": "; ".join(negatives)})
    if session is not None and session.state == TriageSession.State.COMPLETED:
        lines.append("")
        lines.append(_("Decision support: %(urgency)s, care need %(need)s. %(why)s") % {
            "urgency": _urgency_label(call.computed_urgency),
            "need": CARE_NEED_PLAIN.get(call.computed_care_need, call.computed_care_need),
            "why": _explanation(call)})
        lines.append(_("Rule: %(rule)s; content version %(version)s") % {
            "rule": _result(call).get("deciding_rule", "–"), "version": session.content_version})
    if call.override_reason_code:
        lines.append(_("Nurse's assessment: %(urgency)s, care need %(need)s. Reason: %(code)s – %(note)s") % {
            "urgency": _urgency_label(call.effective_urgency),
            "need": CARE_NEED_PLAIN.get(call.effective_care_need, call.effective_care_need),
            "code": call.get_override_reason_code_display(), "note": call.override_note})
    if call.outcome:
        lines.append("")
        lines.append(_("Action: %(outcome)s") % {"outcome": call.get_outcome_display()})
        detail = call.outcome_detail or {}
        if detail.get("unit"):
            lines.append(_("Unit: %(unit)s") % {"unit": detail["unit"]})
        if detail.get("starts_at"):
            starts = timezone.localtime(dt.datetime.fromisoformat(detail["starts_at"]))
            lines.append(_("Time: %(when)s") % {"when": f"{starts:%Y-%m-%d %H:%M}"})
        if detail.get("due_at"):
            due = timezone.localtime(dt.datetime.fromisoformat(detail["due_at"]))
            lines.append(_("Callback due by: %(when)s") % {"when": f"{due:%Y-%m-%d %H:%M}"})
        if detail.get("note"):
            lines.append(_("Note: %(note)s") % {"note": detail["note"]})
        if call.outcome == CallOutcome.SELF_CARE and advice_text(call):
            lines.append(_("Advice given, including when to seek care again."))
    return "\n".join(lines)


# --- callbacks ------------------------------------------------------------------------------------

def do_publish_callback_capacity(unit: Unit, day: dt.date, starts: dt.time, ends: dt.time, *, minutes: int = 15,
                                 capacity: int = 2) -> int:
    """Publish callback times on ``day``: every ``minutes`` from ``starts`` to ``ends``. Idempotent."""
    from vardlots.directory.hours import local_datetime

    if minutes < 5 or capacity < 1 or ends <= starts:
        raise TelephonyError("telephony.bad_capacity", _("Give a valid time range, length and capacity."))
    rows = []
    cursor = dt.datetime.combine(day, starts)
    end = dt.datetime.combine(day, ends)
    step = dt.timedelta(minutes=minutes)
    while cursor + step <= end:
        a, b = local_datetime(day, cursor.time()), local_datetime(day, (cursor + step).time())
        if b > a:
            rows.append(CallbackSlot(unit=unit, starts_at=a, ends_at=b, capacity=capacity))
        cursor += step
    with transaction.atomic():
        before = CallbackSlot.objects.filter(unit=unit).count()
        CallbackSlot.objects.bulk_create(rows, ignore_conflicts=True)
        return CallbackSlot.objects.filter(unit=unit).count() - before


def free_callback_slots(unit: Unit, *, after: dt.datetime | None = None,
                        days: int = 2) -> QuerySet[CallbackSlot]:
    after = after or timezone.now()
    return (CallbackSlot.objects.filter(unit=unit, booked__lt=F("capacity"), starts_at__gt=after,
                                        starts_at__lt=after + dt.timedelta(days=days)).order_by("starts_at", "pk"))


def callback_unit_for(resident: Resident | None, region_code: str = "") -> Unit | None:
    """The 1177 unit whose callback times a resident books: their listed unit's region."""
    from vardlots.cases.actions import regional_pool_unit
    from vardlots.directory.models import Region

    region = None
    if resident is not None and resident.listed_unit is not None:
        region = resident.listed_unit.region
    elif region_code:
        region = Region.objects.filter(code=region_code).first()
    if region is None:
        return Unit.objects.filter(kind=UnitKind.NURSE_ADVICE, active=True).order_by("pk").first()
    return regional_pool_unit(region)


def _clean_phone(phone: str) -> str:
    cleaned = "".join(ch for ch in phone if ch in "0123456789+ -")
    digits = sum(ch in "0123456789" for ch in cleaned)
    if digits < 5 or digits > 15:
        raise TelephonyError("telephony.bad_phone", _("Give a phone number we can call."))
    return cleaned.strip()[:30]


def do_book_callback(slot: CallbackSlot, *, phone: str, resident: Resident | None = None, reason: str = "",
                     source: str = CallbackSource.WEB, now: dt.datetime | None = None) -> CallbackRow:
    """Take one place in a published callback time. Raises ``TelephonyError("…full")`` when none is left."""
    now = now or timezone.now()
    phone = _clean_phone(phone)
    with transaction.atomic():
        same = CallbackRow.objects.filter(unit=slot.unit_id, status=CallbackStatus.WAITING, kind=CallbackKind.BOOKED)
        if (resident is not None and same.filter(resident=resident).exists()) or same.filter(phone=phone).exists():
            raise TelephonyError("telephony.callback_exists", _("You already have a callback booked."), 409)
        taken = CallbackSlot.objects.filter(pk=slot.pk, starts_at__gt=now,
                                            booked__lt=F("capacity")).update(booked=F("booked") + 1)
        if taken != 1 and slot.starts_at <= now:
            raise TelephonyError("telephony.callback_past", _("That time has already passed. Please choose another."),
                                 409)
        if taken != 1:
            raise TelephonyError("telephony.callback_full",
                                 _("Sorry, that time was just taken. Please choose another."), 409)
        callback = CallbackRow.objects.create(
            unit_id=slot.unit_id, kind=CallbackKind.BOOKED, source=source, slot=slot, due_at=slot.starts_at,
            phone=phone, resident=resident, reason=reason.strip()[:300], created_at=now)
        _ring(slot.unit_id, "callback_booked", callback_id=callback.pk)
    return callback


def do_cancel_callback(callback: CallbackRow, *, resident: Resident | None = None) -> CallbackRow:
    if resident is not None and callback.resident_id != resident.pk:
        raise PermissionDenied(_("This is not your callback."))
    with transaction.atomic():
        locked = CallbackRow.objects.select_for_update().get(pk=callback.pk)
        if locked.status != CallbackStatus.WAITING:
            raise TelephonyError("telephony.callback_not_waiting", _("This callback is no longer waiting."), 409)
        locked.status = CallbackStatus.CANCELLED
        locked.finished_at = timezone.now()
        locked.save(update_fields=["status", "finished_at"])
        if locked.slot_id is not None:
            CallbackSlot.objects.filter(pk=locked.slot_id, booked__gt=0).update(booked=F("booked") - 1)
        _ring(locked.unit_id, "callback_cancelled", callback_id=locked.pk)
    return locked


def do_schedule_medical_callback(staff: StaffUser, call: Call, *, minutes: int = 120, note: str = "",
                                 now: dt.datetime | None = None) -> CallbackRow:
    """A medical callback (medicinsk återuppringning) to the call's nurse pool, due within 2 hours.

    It does not take published capacity: it is a clinical decision and always fits."""
    check_call(staff, call)
    now = now or timezone.now()
    if not 5 <= minutes <= MEDICAL_CALLBACK_WITHIN.total_seconds() // 60:
        raise TelephonyError("telephony.callback_window", _("A medical callback is due within 2 hours."))
    phone = call.caller_number or (call.resident.phone if call.resident is not None else "")
    if not phone:
        raise TelephonyError("telephony.callback_phone", _("Record the caller's phone number first."))
    cb = CallbackRow.objects.create(
        unit=call.unit, kind=CallbackKind.MEDICAL, source=CallbackSource.NURSE,
        due_at=now + dt.timedelta(minutes=minutes),
        phone=phone[:30], resident=call.resident, reason=(note or reasons_text(call))[:300], from_call=call,
        scheduled_by=staff, created_at=now)
    _ring(call.unit_id, "callback_scheduled", callback_id=cb.pk)
    return cb


def callback_list(unit: Unit) -> QuerySet[CallbackRow]:
    """Waiting callbacks of a unit in time order (due first)."""
    return (CallbackRow.objects.filter(unit=unit, status=CallbackStatus.WAITING)
            .select_related("resident", "slot").prefetch_related("attempt_log").order_by("due_at", "pk"))


def do_record_attempt(staff: StaffUser, callback: CallbackRow, result: str, note: str = "",
                      now: dt.datetime | None = None) -> CallbackRow:
    """Record one attempt to call back. Reached: done. After the 3rd unanswered attempt: not reached."""
    check_advise(staff, callback.unit)
    if result not in AttemptResult.values:
        raise TelephonyError("telephony.bad_attempt", _("Choose how the attempt went."))
    now = now or timezone.now()
    with transaction.atomic():
        locked = CallbackRow.objects.select_for_update().get(pk=callback.pk)
        if locked.status != CallbackStatus.WAITING or locked.attempts >= MAX_CALLBACK_ATTEMPTS:
            raise TelephonyError("telephony.callback_not_waiting", _("This callback is no longer waiting."), 409)
        locked.attempts += 1
        CallbackAttempt.objects.create(callback=locked, number=locked.attempts, staff=staff, result=result,
                                       note=note.strip()[:300], at=now)
        if result == AttemptResult.REACHED:
            locked.status = CallbackStatus.DONE
            locked.finished_at = now
        elif locked.attempts >= MAX_CALLBACK_ATTEMPTS:
            locked.status = CallbackStatus.UNREACHED
            locked.finished_at = now
        locked.save(update_fields=["attempts", "status", "finished_at"])
        _ring(locked.unit_id, "callback_attempt", callback_id=locked.pk)
    return locked


# --- training -------------------------------------------------------------------------------------

def vignettes() -> tuple[Vignette, ...]:
    return get_content().vignettes


def vignette(vignette_id: str) -> Vignette:
    for v in vignettes():
        if v.id == vignette_id:
            return v
    raise TelephonyError("telephony.unknown_vignette", _("Unknown practice case."), 404)


def do_start_training(staff: StaffUser, unit: Unit, vignette_id: str) -> Call:
    """A practice call from a written vignette: same workspace, no real patient, scored at the end."""
    check_advise(staff, unit)
    v = vignette(vignette_id)
    now = timezone.now()
    with transaction.atomic():
        call = Call.objects.create(
            unit=unit, nurse=staff, source=CallSource.TRAINING, state=CallState.ANSWERED, offered_at=now,
            answered_at=now, is_training=True, vignette_id=v.id, caller_kind=CallerKind.UNIDENTIFIED,
            patient_age_days=v.age_days, patient_sex=v.sex.value, pregnant=v.pregnant)
        _restart(call, list(v.protocols))
    return call


def score(expected: str, chosen: str) -> int:
    """100 for the expected urgency, 50 one step away, 0 otherwise."""
    try:
        distance = abs(Urgency(expected).rank - Urgency(chosen).rank)
    except ValueError:
        return 0
    return 100 if distance == 0 else 50 if distance == 1 else 0


def do_submit_training(staff: StaffUser, call: Call) -> TrainingAttempt:
    check_call(staff, call)
    check_open(call)
    if not call.is_training:
        raise TelephonyError("telephony.not_training", _("This is not a practice call."), 409)
    if call.triage_session is None or call.triage_session.state != TriageSession.State.COMPLETED:
        raise TelephonyError("telephony.not_assessed", _("Finish the questions first."), 409)
    v = vignette(call.vignette_id)
    chosen = call.effective_urgency
    now = timezone.now()
    with transaction.atomic():
        attempt = TrainingAttempt.objects.create(
            nurse=staff, unit=call.unit, call=call, vignette_id=v.id, expected_urgency=v.expected.value,
            computed_urgency=call.computed_urgency, chosen_urgency=chosen, score=score(v.expected.value, chosen),
            created_at=now)
        _close(call, CallOutcome.TRAINING, {"score": attempt.score}, now)
    return attempt


def manageable_units(staff: StaffUser) -> list[Unit]:
    roles = roles_granting("stats.view")
    return [m.unit for m in Membership.objects.filter(staff=staff, active=True, role__in=roles).select_related("unit")]


def training_scores(manager: StaffUser) -> QuerySet[TrainingAttempt]:
    """Practice results of the nurses working in the units ``manager`` sees statistics for."""
    units = manageable_units(manager)
    if not units:
        raise PermissionDenied(_("Only a unit manager sees the practice results."))
    nurses = Membership.objects.filter(unit__in=units, active=True).values("staff_id")
    return (TrainingAttempt.objects.filter(Q(nurse__in=nurses) | Q(unit__in=units))
            .select_related("nurse", "unit").order_by("-created_at"))


def with_language(lang: str) -> Any:
    return translation.override(lang)
