"""Writes and authorised reads of cases: create, claim, release, transfer, escalate, override, close.

``check_…`` authorises and validates (``PermissionDenied`` for who-may, ``CaseError`` for a state
that does not allow the action); ``do_…`` writes inside one transaction, records ``CaseEvent`` rows
and rings the channel layer after commit; ``access_…`` authorises a staff read and writes the
access log. Every write that touches a case first locks its row, so the case's events get
increasing ids in commit order (the resume cursor depends on it).

Exactly one owner is enforced by the database: the claim is a conditional
``UPDATE … WHERE status = 'waiting' AND owner IS NULL`` whose row count is checked, inside a
transaction that on PostgreSQL picked the row with ``SELECT … FOR UPDATE SKIP LOCKED`` and on
SQLite began ``IMMEDIATE`` (the write lock is held from BEGIN). A check constraint ties the owner
to the status.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vardlots.accounts.models import Resident, StaffUser
from vardlots.accounts.permissions import can
from vardlots.audit.actions import access_resident
from vardlots.audit.models import Purpose
from vardlots.cases import events
from vardlots.cases.models import (
    ADMIN_RANK,
    ADMIN_RESPONSE_TARGET,
    EMERGENCY_112,
    RESPONSE_TARGETS,
    URGENCY_RANK,
    Case,
    CaseDocument,
    CaseKind,
    CaseNote,
    CaseStatus,
    Outcome,
    Queue,
    UnitCaseSettings,
    Urgency,
)
from vardlots.directory.models import Channel, Region, Unit, UnitKind

if TYPE_CHECKING:
    from django.http import HttpRequest

    from vardlots.intake.models import TriageSession

# The SQL order of a queue. Equal to "urgency, then fraction of the response target elapsed, then
# longest waiting" because the target length depends on the urgency alone (see priority_key).
QUEUE_ORDER = ("urgency_rank", "response_target_at", "waiting_since", "id")
REOPEN_WINDOW = dt.timedelta(days=14)  # a resident may reopen a closed case this long after closing
DEFAULT_MINUTES_PER_PLACE = 8  # estimated wait per place in the queue when there is no recent history
MAX_BODY = 4000

# What a health centre's own chat handles; everything else goes to the regional 1177 pool.
HEALTH_CENTRE_CARE_NEEDS = frozenset({"health_centre", "nurse_advice", "self_care", "pharmacy",
                                      "maternity_clinic", ""})
HEALTH_CENTRE_URGENCIES = frozenset({Urgency.P3, Urgency.P4, Urgency.P5})


class CaseError(Exception):
    """The case's state does not allow the action. ``key`` is stable; the message is translated."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


# --- queues and routing ---------------------------------------------------------------------------

def queue_of(unit: Unit, kind: str) -> Queue:
    queue, _created = Queue.objects.get_or_create(unit=unit, kind=kind)
    return queue


def unit_settings(unit: Unit) -> UnitCaseSettings:
    found = UnitCaseSettings.objects.filter(unit=unit).first()
    return found or UnitCaseSettings(unit=unit)


def do_set_unit_settings(unit: Unit, *, chat_open: bool | None = None,
                         max_parallel_cases: int | None = None) -> UnitCaseSettings:
    found, _created = UnitCaseSettings.objects.get_or_create(unit=unit)
    if chat_open is not None:
        found.chat_open = chat_open
    if max_parallel_cases is not None:
        found.max_parallel_cases = max_parallel_cases
    found.save()
    return found


def chat_is_open(unit: Unit, now: dt.datetime | None = None) -> bool:
    """Does ``unit`` staff its chat at ``now``?

    The unit's chat hours (``vardlots.directory.hours.chat_open``: weekly rows, exceptions and
    public holidays) decide; ``UnitCaseSettings.chat_open`` is a switch that can close the chat
    on top of them. A unit with no chat hours at all falls back to the switch alone (units made
    before hours existed, and test units).
    """
    from vardlots.directory import hours

    if not unit.active or not unit_settings(unit).chat_open:
        return False
    if not hours.has_hours(unit, Channel.CHAT):
        return True
    return hours.chat_open(unit, now or timezone.now())


def regional_pool_unit(region: Region) -> Unit | None:
    """The region's 1177 nurse advice unit, whose care queue is the regional pool."""
    return Unit.objects.filter(region=region, kind=UnitKind.NURSE_ADVICE, active=True).order_by("pk").first()


def handles_care(unit: Unit, urgency: str, care_need: str) -> bool:
    return (unit.kind == UnitKind.HEALTH_CENTRE and urgency in HEALTH_CENTRE_URGENCIES
            and care_need in HEALTH_CENTRE_CARE_NEEDS)


def queue_for(resident: Resident, kind: str, *, urgency: str = "", care_need: str = "",
              region: Region | None = None, now: dt.datetime | None = None) -> Queue:
    """The queue a new case goes to.

    Care: the resident's listed health centre when it handles that urgency and need and its chat
    is open now; otherwise the regional 1177 pool. Administrative: the listed unit's
    administrative queue, else the 1177 unit's administrative queue.
    """
    listed = resident.listed_unit
    if listed is not None and listed.active and chat_is_open(listed, now):
        if kind == CaseKind.ADMIN or handles_care(listed, urgency, care_need):
            return queue_of(listed, kind)
    region = region or (listed.region if listed is not None else None)
    pool = regional_pool_unit(region) if region is not None else None
    if pool is None:
        raise CaseError("case.no_queue", _("There is no queue that can take this case right now. "
                                           "Call 1177 for advice."))
    return queue_of(pool, kind)


def target_for(kind: str, urgency: str) -> dt.timedelta:
    return ADMIN_RESPONSE_TARGET if kind == CaseKind.ADMIN else RESPONSE_TARGETS[urgency]


def rank_for(kind: str, urgency: str) -> int:
    return ADMIN_RANK if kind == CaseKind.ADMIN else URGENCY_RANK[urgency]


# --- permissions ------------------------------------------------------------------------------------

def _perm(kind: str, what: str) -> str:
    if kind == CaseKind.ADMIN:
        return {"view": "case.view_administrative", "handle": "case.handle_administrative"}[what]
    return {"view": "case.view", "handle": "case.handle"}[what]


def can_view_queue(staff: StaffUser, queue: Queue) -> bool:
    return can(staff, _perm(queue.kind, "view"), queue.unit)


def can_handle_queue(staff: StaffUser, queue: Queue) -> bool:
    return can(staff, _perm(queue.kind, "handle"), queue.unit)


def is_doctor_in(staff: StaffUser, unit: Unit) -> bool:
    return can(staff, "case.close_medical", unit)


def visible_queues(staff: StaffUser) -> list[Queue]:
    """The queues ``staff`` may see: those of units where a role gives case access."""
    queues = Queue.objects.select_related("unit", "unit__region").order_by("unit__name", "kind")
    return [q for q in queues if can_view_queue(staff, q)]


def check_view_case(staff: StaffUser, case: Case) -> None:
    if not can_view_queue(staff, case.queue):
        raise PermissionDenied(_("Your roles do not give access to this case."))


def check_handle_case(staff: StaffUser, case: Case) -> None:
    if not can_handle_queue(staff, case.queue):
        raise PermissionDenied(_("Your roles do not let you work with cases in this queue."))


def check_owner(staff: StaffUser, case: Case) -> None:
    check_handle_case(staff, case)
    if case.status != CaseStatus.IN_PROGRESS or case.owner_id != staff.pk:
        raise CaseError("case.not_owner", _("Only the member of staff who has taken the case can do this."))


def check_resident_case(person: Resident, case: Case) -> None:
    """May the logged-in ``person`` (the resident, or the guardian who acted) follow ``case``?"""
    from vardlots.accounts.actions import check_act_for

    if case.resident_id == person.pk:
        return
    if case.acting_guardian_id is not None and case.acting_guardian_id == person.pk:
        check_act_for(person, case.resident)  # the relation must still hold (and the child be under 13)
        return
    raise PermissionDenied(_("This case belongs to someone else."))


def purpose_for(case: Case) -> str:
    return Purpose.ADMINISTRATION if case.kind == CaseKind.ADMIN else Purpose.CARE


def access_case(staff: StaffUser, case_id: int, *, request: HttpRequest | None = None,
                what: str = "case") -> Case:
    """Load a case for ``staff``: authorise and write the access log; PermissionDenied otherwise."""
    case = Case.objects.select_related("resident", "queue", "queue__unit", "owner").filter(pk=case_id).first()
    if case is None:
        raise PermissionDenied(_("Your roles do not give access to this case."))
    check_view_case(staff, case)
    access_resident(staff, case.resident, purpose_for(case), case.queue.unit, case=case, request=request,
                    what=what, permission=_perm(case.kind, "view"))
    return case


def access_resident_case(person: Resident, case_id: int) -> Case:
    case = Case.objects.select_related("resident", "queue", "queue__unit").filter(pk=case_id).first()
    if case is None:
        raise PermissionDenied(_("This case belongs to someone else."))
    check_resident_case(person, case)
    return case


# --- creating cases ---------------------------------------------------------------------------------

def _lock(case: Case | int) -> Case:
    """Lock the case row (not its queue or unit) for the rest of the transaction and reload it."""
    pk = case if isinstance(case, int) else case.pk
    return (Case.objects.select_for_update(of=("self",)).select_related("queue", "queue__unit")
            .get(pk=pk))


def _new_case(*, resident: Resident, acting_guardian: Resident | None, kind: str, contact_reason: str,
              urgency: str, care_need: str, queue: Queue, triage_session: TriageSession | None,
              actor: Resident | None, now: dt.datetime) -> Case:
    case = Case.objects.create(
        resident=resident, acting_guardian=acting_guardian, triage_session=triage_session, kind=kind,
        contact_reason=contact_reason[:300], computed_urgency=urgency, care_need=care_need, queue=queue,
        status=CaseStatus.WAITING, urgency_rank=rank_for(kind, urgency), waiting_since=now,
        response_target_at=now + target_for(kind, urgency), created_at=now,
    )
    events.record(case, "case_created", {"queue_id": queue.pk, "unit_name": queue.unit.name, "kind": kind,
                                         "urgency": urgency}, resident=actor)
    return case


def _check_guardian(resident: Resident, acting_guardian: Resident | None) -> None:
    from vardlots.accounts.actions import check_act_for

    if acting_guardian is not None:
        check_act_for(acting_guardian, resident)


def check_create_case_from_triage(session: TriageSession, resident: Resident,
                                  acting_guardian: Resident | None) -> str:
    """Validate; return the urgency the case gets."""
    if session.state != session.State.COMPLETED:
        raise CaseError("case.triage_incomplete", _("The assessment is not finished yet."))
    if session.urgency == EMERGENCY_112:
        raise CaseError("case.emergency", _("This is an emergency: call 112 now."))
    if session.urgency not in URGENCY_RANK:
        raise CaseError("case.no_urgency", _("The assessment has no result that can become a case."))
    if session.resident_id is not None and session.resident_id != resident.pk:
        raise PermissionDenied(_("This assessment belongs to someone else."))
    if session.acting_guardian_id is not None and (acting_guardian is None
                                                   or session.acting_guardian_id != acting_guardian.pk):
        raise PermissionDenied(_("This assessment was made by another guardian."))
    _check_guardian(resident, acting_guardian)
    return str(session.urgency)


def do_create_case_from_triage(session: TriageSession, *, resident: Resident | None = None,
                               acting_guardian: Resident | None = None, contact_reason: str = "",
                               queue: Queue | None = None, now: dt.datetime | None = None) -> Case:
    """Turn a completed triage session into a waiting care case in the right queue.

    Idempotent per session: while a case made from ``session`` is open, that case is returned.
    ``resident`` defaults to the session's resident; ``queue`` overrides ``queue_for`` (tests, staff).
    """
    subject = resident or session.resident
    if subject is None:
        raise CaseError("case.no_resident", _("Log in to contact the care."))
    if acting_guardian is None and session.acting_guardian_id is not None:
        acting_guardian = session.acting_guardian
    urgency = check_create_case_from_triage(session, subject, acting_guardian)
    now = now or timezone.now()
    with transaction.atomic():
        existing = Case.objects.filter(triage_session=session).exclude(status=CaseStatus.CLOSED).first()
        if existing is not None:
            return existing
        target_queue = queue or queue_for(subject, CaseKind.CARE, urgency=urgency,
                                          care_need=session.care_need, now=now)
        reason = contact_reason or session.complaint_text or ", ".join(str(p) for p in session.protocol_ids)
        return _new_case(resident=subject, acting_guardian=acting_guardian, kind=CaseKind.CARE,
                         contact_reason=reason or _("Care contact"), urgency=urgency,
                         care_need=session.care_need, queue=target_queue, triage_session=session,
                         actor=acting_guardian or subject, now=now)


def do_create_admin_case(resident: Resident, *, contact_reason: str, acting_guardian: Resident | None = None,
                         queue: Queue | None = None, now: dt.datetime | None = None) -> Case:
    """An administrative question (invoice, fee, certificate, ...) as a case in an administrative queue."""
    contact_reason = contact_reason.strip()
    if not contact_reason:
        raise CaseError("case.reason_required", _("Say briefly what your question is about."))
    _check_guardian(resident, acting_guardian)
    if queue is not None and queue.kind != CaseKind.ADMIN:
        raise CaseError("case.wrong_queue_kind", _("That queue does not take this kind of case."))
    now = now or timezone.now()
    with transaction.atomic():
        target_queue = queue or queue_for(resident, CaseKind.ADMIN, now=now)
        return _new_case(resident=resident, acting_guardian=acting_guardian, kind=CaseKind.ADMIN,
                         contact_reason=contact_reason, urgency="", care_need="", queue=target_queue,
                         triage_session=None, actor=acting_guardian or resident, now=now)


# --- claiming ---------------------------------------------------------------------------------------

def parallel_count(staff: StaffUser, unit: Unit) -> int:
    return Case.objects.filter(owner=staff, status=CaseStatus.IN_PROGRESS, queue__unit=unit).count()


def check_claim_queue(staff: StaffUser, queue: Queue) -> None:
    if not can_handle_queue(staff, queue):
        raise PermissionDenied(_("Your roles do not let you work with cases in this queue."))
    limit = unit_settings(queue.unit).max_parallel_cases
    if parallel_count(staff, queue.unit) >= limit:
        raise CaseError("case.limit", _("You already have %(n)d cases in progress here; close or release one "
                                        "first.") % {"n": limit})


def check_claim(staff: StaffUser, case: Case) -> None:
    check_claim_queue(staff, case.queue)
    if case.status != CaseStatus.WAITING:
        raise CaseError("case.taken", _("Someone else has already taken this case."))
    if case.needs_doctor and not is_doctor_in(staff, case.queue.unit):
        raise CaseError("case.needs_doctor", _("This case waits for a doctor."))


def _serialise_claims(staff: StaffUser) -> None:
    """Lock the staff row so that one person's claims run one at a time (the parallel limit holds)."""
    list(StaffUser.objects.select_for_update().filter(pk=staff.pk).values_list("pk", flat=True))


def _take(staff: StaffUser, case_id: int, now: dt.datetime) -> bool:
    """The conditional update that makes exactly one claimer win."""
    rows = Case.objects.filter(pk=case_id, status=CaseStatus.WAITING, owner__isnull=True).update(
        status=CaseStatus.IN_PROGRESS, owner=staff, claimed_at=now)
    return rows == 1


def _after_claim(staff: StaffUser, case_id: int) -> Case:
    case = _lock(case_id)
    if case.needs_doctor and is_doctor_in(staff, case.queue.unit):
        case.needs_doctor = False  # the escalation is answered once a doctor has the case
        case.save(update_fields=["needs_doctor"])
    events.record(case, "claimed", {"staff_name": staff.get_full_name(), "staff_title": staff.title},
                  staff=staff)
    return case


def do_claim(staff: StaffUser, case: Case, *, now: dt.datetime | None = None) -> Case:
    """Take a chosen waiting case. Raises CaseError("case.taken") when someone else was first."""
    now = now or timezone.now()
    with transaction.atomic():
        _serialise_claims(staff)
        current = _lock(case)
        check_claim(staff, current)
        if not _take(staff, current.pk, now):
            raise CaseError("case.taken", _("Someone else has already taken this case."))
        return _after_claim(staff, current.pk)


def claimable(staff: StaffUser, queue: Queue) -> QuerySet[Case]:
    qs = Case.objects.filter(queue=queue, status=CaseStatus.WAITING, owner__isnull=True)
    if not is_doctor_in(staff, queue.unit):
        qs = qs.filter(needs_doctor=False)
    return qs.order_by(*QUEUE_ORDER)


def do_claim_next(staff: StaffUser, queue: Queue, *, now: dt.datetime | None = None) -> Case | None:
    """Take the first case of ``queue`` in priority order; None when nothing is waiting.

    On PostgreSQL rows other claimers hold are skipped (``FOR UPDATE SKIP LOCKED``), so concurrent
    claimers get distinct cases without waiting for each other.
    """
    now = now or timezone.now()
    with transaction.atomic():
        _serialise_claims(staff)
        check_claim_queue(staff, queue)
        skipped: list[int] = []
        for _attempt in range(20):
            qs = claimable(staff, queue).exclude(pk__in=skipped)
            if connection.features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True, of=("self",))
            candidate = qs.values_list("pk", flat=True).first()
            if candidate is None:
                return None
            if _take(staff, candidate, now):
                return _after_claim(staff, candidate)
            skipped.append(candidate)
        return None


# --- working a case ---------------------------------------------------------------------------------

def _requeue(case: Case) -> None:
    case.status = CaseStatus.WAITING
    case.owner = None
    case.claimed_at = None


def do_release(staff: StaffUser, case: Case, *, note: str = "") -> Case:
    """Put a case one has taken back in its queue, keeping its place (priority and waiting time)."""
    with transaction.atomic():
        case = _lock(case)
        check_owner(staff, case)
        _requeue(case)
        case.save(update_fields=["status", "owner", "claimed_at"])
        events.record(case, "released", {"note": note.strip()}, staff=staff)
        events.record(case, "returned_to_queue", {"unit_name": case.queue.unit.name, "reason": "released"},
                      staff=staff)
        return case


def check_transfer(staff: StaffUser, case: Case, to_queue: Queue, note: str) -> None:
    check_handle_case(staff, case)
    if case.status == CaseStatus.CLOSED:
        raise CaseError("case.closed", _("The case is closed."))
    if case.status == CaseStatus.IN_PROGRESS and case.owner_id != staff.pk:
        raise CaseError("case.not_owner", _("Only the member of staff who has taken the case can do this."))
    if to_queue.kind != case.kind:
        raise CaseError("case.wrong_queue_kind", _("That queue does not take this kind of case."))
    if to_queue.pk == case.queue_id:
        raise CaseError("case.same_queue", _("The case is already in that queue."))
    if not note.strip():
        raise CaseError("case.note_required", _("Write a note for the receiving unit."))


def do_transfer(staff: StaffUser, case: Case, to_queue: Queue, note: str) -> Case:
    """Move a case to another unit's (or region's) queue with a note; it keeps its priority and history."""
    with transaction.atomic():
        case = _lock(case)
        check_transfer(staff, case, to_queue, note)
        from_queue_id = case.queue_id
        _requeue(case)
        case.queue = to_queue
        case.save(update_fields=["status", "owner", "claimed_at", "queue"])
        events.record(case, "transferred", {"from_queue_id": from_queue_id, "to_queue_id": to_queue.pk,
                                            "to_unit_name": to_queue.unit.name, "note": note.strip()},
                      staff=staff)
        event = events.record(case, "returned_to_queue", {"unit_name": to_queue.unit.name,
                                                          "reason": "transferred"}, staff=staff)
        events.publish_on_commit(case.pk, event.pk, queue_ids=[from_queue_id])
        return case


def do_escalate_to_doctor(staff: StaffUser, case: Case, *, note: str = "") -> Case:
    """Mark a care case as needing a doctor and put it back in its queue, where only doctors take it."""
    with transaction.atomic():
        case = _lock(case)
        check_handle_case(staff, case)
        if case.kind != CaseKind.CARE:
            raise CaseError("case.not_care", _("Only care cases can be escalated to a doctor."))
        if case.status == CaseStatus.CLOSED:
            raise CaseError("case.closed", _("The case is closed."))
        if case.needs_doctor:
            raise CaseError("case.already_escalated", _("The case already waits for a doctor."))
        if case.status == CaseStatus.IN_PROGRESS and case.owner_id != staff.pk:
            raise CaseError("case.not_owner", _("Only the member of staff who has taken the case can do this."))
        case.needs_doctor = True
        _requeue(case)
        case.save(update_fields=["needs_doctor", "status", "owner", "claimed_at"])
        events.record(case, "escalated", {"note": note.strip()}, staff=staff)
        events.record(case, "returned_to_queue", {"unit_name": case.queue.unit.name, "reason": "escalated"},
                      staff=staff)
        return case


def do_override_urgency(staff: StaffUser, case: Case, urgency: str, reason: str) -> Case:
    """Set the urgency by staff decision, with a reason; the computed urgency stays as it was."""
    with transaction.atomic():
        case = _lock(case)
        check_handle_case(staff, case)
        if case.kind != CaseKind.CARE:
            raise CaseError("case.not_care", _("Administrative cases have no urgency."))
        if case.status == CaseStatus.CLOSED:
            raise CaseError("case.closed", _("The case is closed."))
        if urgency == EMERGENCY_112:
            raise CaseError("case.emergency_override", _("For an emergency, tell the resident to call 112 and "
                                                         "close the case with that outcome."))
        if urgency not in URGENCY_RANK:
            raise CaseError("case.bad_urgency", _("Choose an urgency from P1 to P5."))
        if not reason.strip():
            raise CaseError("case.reason_required", _("Give a reason for changing the urgency."))
        if urgency == case.effective_urgency:
            raise CaseError("case.urgency_unchanged", _("The case already has this urgency."))
        previous = case.effective_urgency
        case.override_urgency = urgency
        case.override_reason = reason.strip()
        case.override_by = staff
        case.override_at = timezone.now()
        case.urgency_rank = rank_for(case.kind, urgency)
        case.response_target_at = case.waiting_since + target_for(case.kind, urgency)
        case.save(update_fields=["override_urgency", "override_reason", "override_by", "override_at",
                                 "urgency_rank", "response_target_at"])
        events.record(case, "urgency_overridden", {"computed": case.computed_urgency, "previous": previous,
                                                   "urgency": urgency, "reason": case.override_reason},
                      staff=staff)
        return case


def do_close(staff: StaffUser, case: Case, outcome: str, *, note: str = "") -> Case:
    """Close with an outcome: by the owner, or a waiting case by anyone who handles the queue."""
    with transaction.atomic():
        case = _lock(case)
        check_handle_case(staff, case)
        if case.status == CaseStatus.CLOSED:
            raise CaseError("case.closed", _("The case is closed."))
        if case.status == CaseStatus.IN_PROGRESS and case.owner_id != staff.pk:
            raise CaseError("case.not_owner", _("Only the member of staff who has taken the case can do this."))
        if outcome not in Outcome.values:
            raise CaseError("case.bad_outcome", _("Choose an outcome."))
        case.status = CaseStatus.CLOSED
        case.owner = case.owner or staff
        case.closed_at = timezone.now()
        case.outcome = outcome
        case.outcome_note = note.strip()
        case.save(update_fields=["status", "owner", "closed_at", "outcome", "outcome_note"])
        events.record(case, "closed", {"outcome": outcome}, staff=staff)
        return case


def do_reopen(actor: StaffUser | Resident, case: Case, *, now: dt.datetime | None = None) -> Case:
    """Open a closed case again; it waits in its queue with a fresh response target."""
    now = now or timezone.now()
    with transaction.atomic():
        case = _lock(case)
        if isinstance(actor, Resident):
            check_resident_case(actor, case)
            if case.closed_at is not None and now - case.closed_at > REOPEN_WINDOW:
                raise CaseError("case.reopen_too_late", _("This case was closed too long ago; start a new "
                                                          "contact instead."))
        else:
            check_handle_case(actor, case)
        if case.status != CaseStatus.CLOSED:
            raise CaseError("case.not_closed", _("The case is not closed."))
        case.status = CaseStatus.WAITING
        case.owner = None
        case.claimed_at = None
        case.closed_at = None
        case.outcome = ""
        case.outcome_note = ""
        case.waiting_since = now
        case.response_target_at = now + target_for(case.kind, case.effective_urgency)
        case.save(update_fields=["status", "owner", "claimed_at", "closed_at", "outcome", "outcome_note",
                                 "waiting_since", "response_target_at"])
        is_staff = isinstance(actor, StaffUser)
        events.record(case, "reopened", {"by": "staff" if is_staff else "resident"},
                      staff=actor if isinstance(actor, StaffUser) else None,
                      resident=actor if isinstance(actor, Resident) else None)
        return case


# --- reading queues ---------------------------------------------------------------------------------

def waiting_cases(queue: Queue) -> QuerySet[Case]:
    return (Case.objects.filter(queue=queue, status=CaseStatus.WAITING)
            .select_related("resident").order_by(*QUEUE_ORDER))


def priority_key(case: Case, now: dt.datetime) -> tuple[int, float, dt.datetime, int]:
    """The queue order stated as the rule: urgency, then share of target elapsed, then longest waiting."""
    return (case.urgency_rank, -case.target_fraction(now), case.waiting_since, case.pk)


def queue_position(case: Case) -> int | None:
    """1 for the next case to be taken; None unless the case is waiting."""
    if case.status != CaseStatus.WAITING:
        return None
    before = Case.objects.filter(queue_id=case.queue_id, status=CaseStatus.WAITING).filter(
        Q(urgency_rank__lt=case.urgency_rank)
        | Q(urgency_rank=case.urgency_rank, response_target_at__lt=case.response_target_at)
        | Q(urgency_rank=case.urgency_rank, response_target_at=case.response_target_at,
            waiting_since__lt=case.waiting_since)
        | Q(urgency_rank=case.urgency_rank, response_target_at=case.response_target_at,
            waiting_since=case.waiting_since, pk__lt=case.pk)
    ).count()
    return before + 1


def estimated_wait(case: Case, *, now: dt.datetime | None = None) -> dt.timedelta | None:
    """A rough estimate for the resident: place in queue ÷ the queue's claims per minute in the last hour."""
    place = queue_position(case)
    if place is None:
        return None
    now = now or timezone.now()
    recent = Case.objects.filter(queue_id=case.queue_id, claimed_at__gte=now - dt.timedelta(hours=1)).count()
    minutes = place * DEFAULT_MINUTES_PER_PLACE if recent == 0 else place / (recent / 60)
    return dt.timedelta(minutes=max(1, math.ceil(minutes)))


def resident_status(case: Case) -> dict[str, Any]:
    """What the resident's case page shows about waiting."""
    wait = estimated_wait(case)
    return {
        "status": case.status,
        "status_label": case.get_status_display(),
        "place": queue_position(case),
        "estimated_wait_minutes": None if wait is None else int(wait.total_seconds() // 60),
        "unit_name": case.queue.unit.name,
    }


# --- reassigning to a colleague ---------------------------------------------------------------------

def colleagues_for(staff: StaffUser, case: Case) -> list[StaffUser]:
    """Members of staff (other than ``staff``) who may take ``case`` in its queue, by name."""
    from vardlots.accounts.models import Membership
    from vardlots.accounts.permissions import roles_granting

    perm = _perm(case.kind, "handle")
    if case.needs_doctor:
        perm = "case.close_medical"
    ids = (Membership.objects.filter(unit=case.queue.unit, active=True, role__in=roles_granting(perm),
                                     staff__is_active=True)
           .exclude(staff=staff).values_list("staff_id", flat=True))
    return list(StaffUser.objects.filter(pk__in=ids).order_by("given_name", "family_name", "pk"))


def check_reassign(staff: StaffUser, case: Case, to_staff: StaffUser) -> None:
    check_handle_case(staff, case)
    if case.status == CaseStatus.CLOSED:
        raise CaseError("case.closed", _("The case is closed."))
    if case.status == CaseStatus.IN_PROGRESS and case.owner_id != staff.pk:
        raise CaseError("case.not_owner", _("Only the member of staff who has taken the case can do this."))
    if to_staff.pk == staff.pk or to_staff.pk == case.owner_id:
        raise CaseError("case.reassign_self", _("Choose a colleague."))
    if not can_handle_queue(to_staff, case.queue) or (case.needs_doctor and not is_doctor_in(to_staff,
                                                                                             case.queue.unit)):
        raise CaseError("case.reassign_not_allowed", _("That colleague cannot take cases in this queue."))
    if parallel_count(to_staff, case.queue.unit) >= unit_settings(case.queue.unit).max_parallel_cases:
        raise CaseError("case.reassign_limit", _("That colleague already has as many cases as allowed."))


def do_reassign(staff: StaffUser, case: Case, to_staff: StaffUser, *, note: str = "",
                now: dt.datetime | None = None) -> Case:
    """Hand a case one has taken (or a waiting case) to a named colleague, who becomes its owner."""
    now = now or timezone.now()
    with transaction.atomic():
        _serialise_claims(to_staff)
        case = _lock(case)
        check_reassign(staff, case, to_staff)
        previous = case.owner.get_full_name() if case.owner is not None else ""
        case.status = CaseStatus.IN_PROGRESS
        case.owner = to_staff
        case.claimed_at = now
        case.save(update_fields=["status", "owner", "claimed_at"])
        events.record(case, "reassigned", {"from_name": previous, "to_name": to_staff.get_full_name(),
                                           "note": note.strip()}, staff=staff)
        events.record(case, "claimed", {"staff_name": to_staff.get_full_name(), "staff_title": to_staff.title},
                      staff=to_staff)
        return case


# --- internal notes and documents -------------------------------------------------------------------

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
PDF_FORBIDDEN = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/OpenAction", b"/AA")
DOCUMENT_PREFIX = "case-documents/"


def do_add_note(staff: StaffUser, case: Case, body: str) -> CaseNote:
    """An internal note for colleagues; recorded as an event the resident never receives."""
    with transaction.atomic():
        case = _lock(case)
        check_handle_case(staff, case)
        cleaned = (body or "").strip()
        if not cleaned:
            raise CaseError("note.empty", _("Write the note first."))
        if len(cleaned) > MAX_BODY:
            raise CaseError("note.too_long", _("The note is too long (at most %(n)d characters).") % {"n": MAX_BODY})
        note = CaseNote.objects.create(case=case, author=staff, body=cleaned)
        events.record(case, "note_added", {"note_id": note.pk}, staff=staff)
        return note


def check_document(data: bytes) -> tuple[bytes, str]:
    """Check an upload by its content; return (bytes to store, content type).

    PDFs are kept as they are when they look like a plain PDF (no scripts, actions or embedded
    files); JPEG/PNG/HEIF images are decoded and re-encoded as JPEG by ``vardlots.intake.photos``.
    """
    from vardlots.intake.photos import PhotoError, process_upload

    if len(data) > MAX_DOCUMENT_BYTES:
        raise CaseError("document.too_large", _("The file is too large (at most 10 MB)."))
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-1024:] or any(token in data for token in PDF_FORBIDDEN):
            raise CaseError("document.bad_pdf", _("This PDF cannot be attached. Save it again as a plain PDF."))
        return data, "application/pdf"
    try:
        photo = process_upload(data)
    except PhotoError as error:
        raise CaseError("document.bad_type", _("Attach a PDF, JPEG or PNG file.")) from error
    return photo.data, "image/jpeg"


def do_attach_document(staff: StaffUser, case: Case, upload: Any, title: str = "") -> CaseDocument:
    """Store a document in Django storage and show it in the case's chat (the owner only)."""
    import hashlib
    import uuid as uuid_module

    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    check_owner(staff, Case.objects.select_related("queue", "queue__unit").get(pk=case.pk))
    raw = upload if isinstance(upload, bytes) else upload.read(MAX_DOCUMENT_BYTES + 1)
    data, content_type = check_document(raw)
    title = (title or getattr(upload, "name", "") or _("Document")).strip()[:200]
    storage = storages["default"]
    extension = "pdf" if content_type == "application/pdf" else "jpg"
    name = storage.save(f"{DOCUMENT_PREFIX}{uuid_module.uuid4().hex}.{extension}", ContentFile(data))
    try:
        with transaction.atomic():
            locked = _lock(case)
            check_owner(staff, locked)
            document = CaseDocument.objects.create(case=locked, uploaded_by=staff, title=title, storage_name=name,
                                                   content_type=content_type, size=len(data),
                                                   sha256=hashlib.sha256(data).hexdigest())
            events.record(locked, "document_added", {"document_id": document.pk, "title": title}, staff=staff)
            return document
    except BaseException:
        storage.delete(name)
        raise


def access_document(person: StaffUser | Resident, case_id: int, document_id: int, *,
                    request: HttpRequest | None = None) -> CaseDocument:
    """A case document for staff who may see the case (access-logged) or the case's resident."""
    if isinstance(person, StaffUser):
        case = access_case(person, case_id, request=request, what="case.document")
    else:
        case = access_resident_case(person, case_id)
    document = CaseDocument.objects.filter(case=case, pk=document_id).first()
    if document is None:
        raise PermissionDenied(_("Your roles do not give access to this case."))
    return document


def case_photos(case: Case) -> list[Any]:
    """The resident's photos from the assessment the case was made from (not removed ones)."""
    from vardlots.intake.models import AssessmentPhoto

    if case.triage_session_id is None:
        return []
    return list(AssessmentPhoto.objects.filter(triage_session_id=case.triage_session_id, deleted_at__isnull=True))


def access_case_photo(staff: StaffUser, case_id: int, photo_id: Any, *,
                      request: HttpRequest | None = None) -> Any:
    """One of the case's assessment photos, after authorising and writing the access log."""
    case = access_case(staff, case_id, request=request, what="case.photo")
    for photo in case_photos(case):
        if str(photo.pk) == str(photo_id):
            return photo
    raise PermissionDenied(_("Your roles do not give access to this case."))


def access_earlier_contacts(staff: StaffUser, case_id: int, *, request: HttpRequest | None = None) -> list[Case]:
    """The resident's other cases that ``staff`` may see, newest first; each look is access-logged."""
    case = access_case(staff, case_id, request=request, what="case.earlier_contacts")
    allowed: dict[int, bool] = {}
    found = []
    for other in (Case.objects.filter(resident=case.resident).exclude(pk=case.pk)
                  .select_related("queue", "queue__unit").order_by("-created_at")[:50]):
        if other.queue_id not in allowed:
            allowed[other.queue_id] = can_view_queue(staff, other.queue)
        if allowed[other.queue_id]:
            found.append(other)
    return found


# --- the text for the medical record ----------------------------------------------------------------

def documentation_text(case: Case, *, language: str = "sv") -> str:
    """A plain text summary ready to paste into the medical record.

    Contact reason, the triage answers (nurse wording), pertinent negatives (red flags answered
    "no"), the computed result and its explanation, a staff override with its reason, the outcome.
    """
    from django.utils import translation

    with translation.override(language):
        lines = [_("Contact via the digital entry, case %(id)s.") % {"id": case.pk},
                 _("Contact reason: %(reason)s") % {"reason": case.contact_reason}]
        session = case.triage_session
        if session is not None:
            labels, negatives = _triage_texts(session, language)
            if session.answers:
                lines.append(_("Answers:"))
                lines += [f"- {labels.get(str(finding), str(finding))}: {_answer_text(value)}"
                          for finding, value in session.answers]
            if negatives:
                lines.append(_("Pertinent negatives: %(list)s") % {"list": "; ".join(negatives)})
        if case.computed_urgency:
            lines.append(_("Computed urgency: %(urgency)s") % {"urgency": case.computed_urgency})
            explanation = ((session.result or {}).get("explanation") if session is not None else None) or {}
            if isinstance(explanation, dict) and explanation.get(language):
                lines.append(_("Explanation: %(text)s") % {"text": explanation[language]})
        if case.override_urgency:
            lines.append(_("Urgency changed by staff to %(urgency)s. Reason: %(reason)s") % {
                "urgency": case.override_urgency, "reason": case.override_reason})
        if case.outcome:
            lines.append(_("Outcome: %(outcome)s") % {"outcome": case.get_outcome_display()})
            if case.outcome_note:
                lines.append(_("Note: %(note)s") % {"note": case.outcome_note})
        return "\n".join(lines)


def _answer_text(value: Any) -> str:
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if value is None:
        return _("don't know")
    return str(value)


def _triage_texts(session: TriageSession, language: str) -> tuple[dict[str, str], list[str]]:
    """Finding labels and pertinent negatives from the current content (empty when it no longer fits)."""
    try:
        from vardlots.intake.actions import engine_input
        from vardlots.intake.content import get_content
        from vardlots.triage.engine import pertinent_negatives

        content = get_content()
        labels = {fid: f.label.get(language) for fid, f in content.findings.items()}
        negatives = [n.label.get(language) for n in pertinent_negatives(content, engine_input(session))]
    except Exception:  # content changed under an old session: answers still print with their ids
        return {}, []
    return labels, negatives


# --- hand-over when a health centre's chat closes ---------------------------------------------------

def do_hand_over(unit: Unit, *, now: dt.datetime | None = None) -> list[Case]:
    """Move the open care cases of ``unit``'s queue to the region's 1177 pool once its chat is closed.

    Cases keep their urgency, waiting time, response target (so their place) and history; one in
    progress goes back to waiting there. Nothing happens while the chat is open, or for the pool.
    """
    now = now or timezone.now()
    if chat_is_open(unit, now) or unit.kind == UnitKind.NURSE_ADVICE:
        return []
    pool_unit = regional_pool_unit(unit.region)
    if pool_unit is None:
        return []
    pool = queue_of(pool_unit, CaseKind.CARE)
    moved = []
    ids = list(Case.objects.filter(queue__unit=unit, kind=CaseKind.CARE).exclude(status=CaseStatus.CLOSED)
               .order_by(*QUEUE_ORDER).values_list("pk", flat=True))
    for case_id in ids:
        with transaction.atomic():
            case = _lock(case_id)
            if case.status == CaseStatus.CLOSED or case.queue.unit_id != unit.pk:
                continue
            from_queue_id = case.queue_id
            _requeue(case)
            case.queue = pool
            case.save(update_fields=["status", "owner", "claimed_at", "queue"])
            events.record(case, "handed_over", {"from_queue_id": from_queue_id, "to_queue_id": pool.pk,
                                                "to_unit_name": pool_unit.name})
            event = events.record(case, "returned_to_queue", {"unit_name": pool_unit.name,
                                                              "reason": "handed_over"})
            events.publish_on_commit(case.pk, event.pk, queue_ids=[from_queue_id])
            moved.append(case)
    return moved


def next_chat_closing(unit: Unit, now: dt.datetime) -> dt.datetime | None:
    """When ``unit``'s chat next closes after ``now`` (the end of the current or next chat interval)."""
    from vardlots.directory import hours

    if not hours.has_hours(unit, Channel.CHAT):
        return None
    closing = hours.closes_at(unit, now, Channel.CHAT)
    if closing is None:
        opening = hours.next_opening(unit, now, Channel.CHAT)
        closing = None if opening is None else hours.closes_at(unit, opening, Channel.CHAT)
    return closing


def schedule_hand_over(unit: Unit, now: dt.datetime | None = None) -> Any:
    """Queue the hand-over job at ``unit``'s next chat closing, unless one is queued already."""
    from vardlots.core.jobs import enqueue
    from vardlots.core.models import Job

    now = now or timezone.now()
    closing = next_chat_closing(unit, now)
    if closing is None:
        return None
    pending = Job.objects.filter(name=HAND_OVER_JOB, state=Job.State.QUEUED, payload__unit_id=unit.pk)
    if pending.filter(run_at=closing).exists():
        return None
    pending.delete()
    return enqueue(HAND_OVER_JOB, {"unit_id": unit.pk}, run_at=closing)


def schedule_hand_overs(now: dt.datetime | None = None) -> int:
    """Schedule the hand-over of every active health centre with chat hours; returns how many."""
    count = 0
    for unit in Unit.objects.filter(kind=UnitKind.HEALTH_CENTRE, active=True):
        if schedule_hand_over(unit, now) is not None:
            count += 1
    return count


HAND_OVER_JOB = "cases.hand_over"
