"""Case lifecycle through the real actions: creation and routing, claiming, queue order, history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from tests import factories
from tests.cases.helpers import World, care_case, triage_session
from vardlots.audit.models import AccessLogEntry
from vardlots.cases import actions
from vardlots.cases.actions import CaseError
from vardlots.cases.models import RESPONSE_TARGETS, Case, CaseEvent, CaseKind, CaseStatus, Outcome

pytestmark = pytest.mark.django_db


def kinds(case: Case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).order_by("id").values_list("kind", flat=True))


# --- creation and routing --------------------------------------------------------------------------

def test_triage_case_goes_to_listed_health_centre_with_target(w: World) -> None:
    now = timezone.now()
    case = care_case(w, "P3", now=now)
    assert case.queue == w.care_queue(w.hc)
    assert case.status == CaseStatus.WAITING and case.owner is None
    assert case.computed_urgency == "P3" and case.override_urgency == ""
    assert case.response_target_at == now + dt.timedelta(hours=24)
    assert case.contact_reason == "Halsont"
    assert kinds(case) == ["case_created"]


def test_urgent_case_goes_to_regional_pool(w: World) -> None:
    case = care_case(w, "P1")
    assert case.queue == w.care_queue(w.pool)
    assert case.queue.is_regional_pool
    assert case.response_target_at - case.waiting_since == RESPONSE_TARGETS["P1"]


def test_closed_chat_sends_case_to_regional_pool(w: World) -> None:
    actions.do_set_unit_settings(w.hc, chat_open=False)
    assert care_case(w, "P4").queue == w.care_queue(w.pool)


def test_resident_without_listing_needs_a_region(w: World) -> None:
    loner = factories.resident()
    with pytest.raises(CaseError) as caught:
        care_case(w, "P3", resident=loner)
    assert caught.value.key == "case.no_queue"
    assert actions.queue_for(loner, CaseKind.CARE, urgency="P3", region=w.pool.region).unit == w.pool


def test_emergency_never_becomes_a_case(w: World) -> None:
    session = triage_session(w.resident, "EMERGENCY_112", "ambulance")
    with pytest.raises(CaseError) as caught:
        actions.do_create_case_from_triage(session)
    assert caught.value.key == "case.emergency"
    assert Case.objects.count() == 0


def test_case_from_triage_is_idempotent_per_session(w: World) -> None:
    session = triage_session(w.resident, "P3")
    first = actions.do_create_case_from_triage(session)
    assert actions.do_create_case_from_triage(session) == first
    assert Case.objects.count() == 1


def test_someone_elses_session_is_refused(w: World) -> None:
    other = factories.resident(listed_unit=w.hc)
    with pytest.raises(PermissionDenied):
        actions.do_create_case_from_triage(triage_session(other), resident=w.resident)


def test_guardian_acts_for_young_child_only(w: World) -> None:
    family = factories.guardian_with_children()
    young = family.young_child
    young.listed_unit = w.hc
    young.save()
    case = actions.do_create_case_from_triage(triage_session(young, guardian=family.guardian),
                                              acting_guardian=family.guardian)
    assert case.acting_guardian == family.guardian
    with pytest.raises(PermissionDenied):
        actions.do_create_case_from_triage(triage_session(family.teenager, guardian=family.guardian),
                                           acting_guardian=family.guardian, queue=w.care_queue())


def test_admin_case_goes_to_admin_queue(w: World) -> None:
    case = actions.do_create_admin_case(w.resident, contact_reason="Faktura")
    assert case.queue == w.admin_queue(w.hc)
    assert case.kind == CaseKind.ADMIN and case.computed_urgency == ""
    with pytest.raises(CaseError):
        actions.do_create_admin_case(w.resident, contact_reason="  ")


# --- claiming -------------------------------------------------------------------------------------

def test_claim_and_claim_next(w: World) -> None:
    first = care_case(w, "P4")
    second = care_case(w, "P3")
    claimed = actions.do_claim_next(w.nurse, w.care_queue())
    assert claimed == second  # more urgent first
    assert claimed is not None and claimed.owner == w.nurse and claimed.status == CaseStatus.IN_PROGRESS
    taken = actions.do_claim(w.doctor, first)
    assert taken.owner == w.doctor
    assert actions.do_claim_next(w.nurse, w.care_queue()) is None
    with pytest.raises(CaseError) as caught:
        actions.do_claim(w.nurse, first)
    assert caught.value.key == "case.taken"
    assert kinds(second) == ["case_created", "claimed"]
    assert CaseEvent.objects.get(case=second, kind="claimed").payload == {
        "staff_name": "Nina Nurse", "staff_title": ""}


def test_parallel_limit_per_unit(w: World) -> None:
    actions.do_set_unit_settings(w.hc, max_parallel_cases=2)
    for _ in range(3):
        care_case(w, "P3")
    actions.do_claim_next(w.nurse, w.care_queue())
    actions.do_claim_next(w.nurse, w.care_queue())
    with pytest.raises(CaseError) as caught:
        actions.do_claim_next(w.nurse, w.care_queue())
    assert caught.value.key == "case.limit"
    assert Case.objects.filter(owner=w.nurse).count() == 2


def test_release_keeps_place(w: World) -> None:
    case = care_case(w, "P3")
    before = (case.waiting_since, case.response_target_at)
    actions.do_claim(w.nurse, case)
    released = actions.do_release(w.nurse, case, note="Lunch")
    assert released.status == CaseStatus.WAITING and released.owner is None
    assert (released.waiting_since, released.response_target_at) == before
    assert kinds(case)[-2:] == ["released", "returned_to_queue"]
    with pytest.raises(CaseError):
        actions.do_release(w.nurse, case)


def test_transfer_to_another_unit_keeps_priority_and_history(w: World) -> None:
    case = care_case(w, "P3")
    actions.do_claim(w.nurse, case)
    moved = actions.do_transfer(w.nurse, case, w.care_queue(w.hc2), "Listad där sedan i går")
    assert moved.queue == w.care_queue(w.hc2) and moved.status == CaseStatus.WAITING
    assert moved.response_target_at == case.response_target_at
    event = CaseEvent.objects.get(case=case, kind="transferred")
    assert event.payload["note"] == "Listad där sedan i går" and not event.visible_to_resident
    # now the other unit's nurse can work it, and the first nurse cannot
    assert actions.do_claim(w.nurse_hc2, moved).owner == w.nurse_hc2
    with pytest.raises(PermissionDenied):
        actions.do_close(w.nurse, moved, Outcome.SELF_CARE_ADVICE)
    with pytest.raises(CaseError):
        actions.do_transfer(w.nurse_hc2, moved, w.admin_queue(w.hc2), "fel kö")


def test_escalate_to_doctor(w: World) -> None:
    case = care_case(w, "P3")
    actions.do_claim(w.nurse, case)
    actions.do_escalate_to_doctor(w.nurse, case, note="Behöver recept")
    assert actions.do_claim_next(w.nurse, w.care_queue()) is None  # nurses do not take it
    with pytest.raises(CaseError) as caught:
        actions.do_claim(w.nurse, case)
    assert caught.value.key == "case.needs_doctor"
    assert actions.do_claim_next(w.doctor, w.care_queue()) == case


def test_override_urgency_keeps_computed(w: World) -> None:
    case = care_case(w, "P4")
    with pytest.raises(CaseError):
        actions.do_override_urgency(w.nurse, case, "P2", "  ")
    with pytest.raises(CaseError):
        actions.do_override_urgency(w.nurse, case, "EMERGENCY_112", "andnöd")
    changed = actions.do_override_urgency(w.nurse, case, "P2", "Hög feber hos äldre")
    assert (changed.computed_urgency, changed.override_urgency, changed.effective_urgency) == ("P4", "P2", "P2")
    assert changed.response_target_at == changed.waiting_since + RESPONSE_TARGETS["P2"]
    again = actions.do_override_urgency(w.doctor, case, "P3", "Bedömd av läkare")
    assert again.computed_urgency == "P4"
    history = [e.payload for e in CaseEvent.objects.filter(case=case, kind="urgency_overridden").order_by("id")]
    assert history == [
        {"computed": "P4", "previous": "P4", "urgency": "P2", "reason": "Hög feber hos äldre"},
        {"computed": "P4", "previous": "P2", "urgency": "P3", "reason": "Bedömd av läkare"},
    ]


def test_close_and_reopen(w: World) -> None:
    case = care_case(w, "P3")
    actions.do_claim(w.nurse, case)
    with pytest.raises(CaseError):
        actions.do_close(w.nurse, case, "nonsense")
    closed = actions.do_close(w.nurse, case, Outcome.SELF_CARE_ADVICE, note="Råd om vila")
    assert closed.status == CaseStatus.CLOSED and closed.closed_at is not None and closed.owner == w.nurse
    reopened = actions.do_reopen(w.resident, case)
    assert reopened.status == CaseStatus.WAITING and reopened.owner is None and reopened.outcome == ""
    assert kinds(case)[-2:] == ["closed", "reopened"]
    with pytest.raises(CaseError):
        actions.do_reopen(w.resident, case)


def test_resident_cannot_reopen_old_case(w: World) -> None:
    case = care_case(w, "P3")
    actions.do_claim(w.nurse, case)
    actions.do_close(w.nurse, case, Outcome.SELF_CARE_ADVICE)
    with pytest.raises(CaseError) as caught:
        actions.do_reopen(w.resident, case, now=timezone.now() + dt.timedelta(days=15))
    assert caught.value.key == "case.reopen_too_late"
    assert actions.do_reopen(w.nurse, case).status == CaseStatus.WAITING


def test_owner_constraint_in_database(w: World) -> None:
    from django.db import IntegrityError, transaction

    case = care_case(w, "P3")
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.IN_PROGRESS)


# --- queue order, place and wait --------------------------------------------------------------------

def test_queue_order_urgency_then_target_fraction_then_waiting(w: World) -> None:
    now = timezone.now()
    old_p4 = care_case(w, "P4", now=now - dt.timedelta(hours=60), complaint="old P4")
    new_p3 = care_case(w, "P3", now=now - dt.timedelta(minutes=5), complaint="new P3")
    old_p3 = care_case(w, "P3", now=now - dt.timedelta(hours=20), complaint="old P3")
    mid_p3 = care_case(w, "P3", now=now - dt.timedelta(hours=2), complaint="mid P3")
    reopened = care_case(w, "P3", now=now - dt.timedelta(hours=30), complaint="reopened P3")
    actions.do_claim(w.nurse, reopened)
    actions.do_close(w.nurse, reopened, Outcome.OTHER)
    reopened = actions.do_reopen(w.nurse, reopened, now=now - dt.timedelta(hours=1))
    expected = [old_p3, mid_p3, reopened, new_p3, old_p4]
    in_sql = list(actions.waiting_cases(w.care_queue()))
    assert in_sql == expected
    assert sorted(in_sql, key=lambda c: actions.priority_key(c, now)) == expected
    assert [actions.queue_position(c) for c in expected] == [1, 2, 3, 4, 5]
    claimed = actions.do_claim_next(w.nurse, w.care_queue())
    assert claimed == old_p3
    assert actions.queue_position(claimed) is None
    mid_p3.refresh_from_db()
    assert actions.queue_position(mid_p3) == 1


def test_override_moves_case_up(w: World) -> None:
    a = care_case(w, "P3")
    b = care_case(w, "P4")
    actions.do_override_urgency(w.nurse, b, "P2", "Försämrats")
    assert list(actions.waiting_cases(w.care_queue())) == [b, a]


def test_estimated_wait(w: World) -> None:
    cases = [care_case(w, "P3") for _ in range(3)]
    assert actions.estimated_wait(cases[2]) == dt.timedelta(minutes=3 * actions.DEFAULT_MINUTES_PER_PLACE)
    for _ in range(2):
        actions.do_claim_next(w.nurse, w.care_queue())
    cases[2].refresh_from_db()
    assert actions.queue_position(cases[2]) == 1
    assert actions.estimated_wait(cases[2]) == dt.timedelta(minutes=30)  # 2 claims in the last hour
    status = actions.resident_status(cases[2])
    assert status["place"] == 1 and status["estimated_wait_minutes"] == 30


def test_target_warning(w: World) -> None:
    now = timezone.now()
    case = care_case(w, "P1", now=now - dt.timedelta(minutes=50))
    assert case.target_warning(now) and not case.target_breached(now)
    assert case.target_breached(now + dt.timedelta(minutes=11))


# --- access log -------------------------------------------------------------------------------------

def test_access_case_writes_access_log(w: World) -> None:
    case = care_case(w, "P3")
    before = AccessLogEntry.objects.count()
    assert actions.access_case(w.nurse, case.pk, what="case.view") == case
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert AccessLogEntry.objects.count() == before + 1
    assert entry is not None
    assert (entry.staff, entry.resident, entry.case_id, entry.unit, entry.purpose) == (
        w.nurse, w.resident, str(case.pk), w.hc, "care")
    with pytest.raises(PermissionDenied):
        actions.access_case(w.nurse_hc2, case.pk)
    assert AccessLogEntry.objects.count() == before + 1
