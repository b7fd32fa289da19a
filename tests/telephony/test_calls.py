"""A call through the actions: identify, reasons, questions, vital signs, override, outcomes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from tests.cases.helpers import World
from tests.telephony.helpers import answer_all
from vardlots.audit.models import AccessLogEntry
from vardlots.booking.notifications import MemoryBackend
from vardlots.cases.models import Case
from vardlots.core.jobs import run_due
from vardlots.intake.models import TriageSession
from vardlots.telephony import actions
from vardlots.telephony.actions import TelephonyError
from vardlots.telephony.models import (
    Call,
    CallbackKind,
    CallbackStatus,
    CallerKind,
    CallOutcome,
    CallState,
    ResidentMessage,
)
from vardlots.triage.engine import QuestionStep, Result


def identified_call(w: World) -> Call:
    call = actions.do_start_call(w.nurse_pool, w.pool, caller_number="070-123 45 67")
    return actions.do_identify(w.nurse_pool, call, caller_kind=CallerKind.SELF,
                               personal_number=w.resident.personal_number)


def test_start_and_identify_a_resident(w: World) -> None:
    call = identified_call(w)
    assert call.resident == w.resident and call.patient_sex in ("female", "male")
    assert call.state == CallState.ANSWERED and call.nurse == w.nurse_pool
    before = AccessLogEntry.objects.count()
    loaded = actions.access_call(w.nurse_pool, call.pk)
    assert loaded.pk == call.pk
    entry = AccessLogEntry.objects.order_by("-seq").first()
    assert AccessLogEntry.objects.count() == before + 1
    assert entry is not None and entry.resident == w.resident and entry.detail == {"what": "telephony_call"}


def test_unidentified_caller_and_caller_for_someone_else(w: World) -> None:
    call = actions.do_start_call(w.nurse_pool, w.pool)
    with pytest.raises(TelephonyError) as err:
        actions.do_identify(w.nurse_pool, call, caller_kind=CallerKind.UNIDENTIFIED, sex="male")
    assert err.value.key == "telephony.need_age"
    call = actions.do_identify(w.nurse_pool, call, caller_kind=CallerKind.UNIDENTIFIED, age_years=40, sex="male")
    assert call.resident is None and call.patient_age_days == int(40 * 365.25)
    with pytest.raises(TelephonyError) as err:
        actions.do_identify(w.nurse_pool, call, caller_kind=CallerKind.ON_BEHALF, age_years=3, sex="female")
    assert err.value.key == "telephony.need_caller_name"
    call = actions.do_identify(w.nurse_pool, call, caller_kind=CallerKind.ON_BEHALF, age_years=3, sex="female",
                               caller_name="Mamma Maria", caller_relation="mother")
    assert call.caller_name == "Mamma Maria" and call.patient_sex == "female"
    text = actions.documentation_text(call)
    assert "Mamma Maria (mother)" in text


def test_other_nurse_and_other_units_are_refused(w: World) -> None:
    call = identified_call(w)
    with pytest.raises(PermissionDenied):
        actions.do_add_reason(w.nurse_other_region, call, "chest_pain")
    with pytest.raises(PermissionDenied):
        actions.access_call(w.region_admin, call.pk)


def test_earlier_contacts_are_listed(w: World) -> None:
    first = identified_call(w)
    actions.do_add_reason(w.nurse_pool, first, "sore_throat")
    answer_all(w.nurse_pool, first)
    actions.do_finish_call(w.nurse_pool, first, CallOutcome.REFERRED)
    second = identified_call(w)
    before = AccessLogEntry.objects.count()
    earlier = actions.earlier_contacts(w.nurse_pool, second)
    assert [e.kind for e in earlier.shown] == ["Call"] and earlier.withheld == 0
    assert "Referred to a unit" in earlier.shown[0].summary
    assert AccessLogEntry.objects.count() == before  # the call page's one entry covers them


def test_questions_red_flags_first_and_result(w: World) -> None:
    call = identified_call(w)
    actions.do_add_reason(w.nurse_pool, call, "chest_pain")
    call.refresh_from_db()
    first = actions.current_step(call)
    assert isinstance(first, QuestionStep)
    assert call.triage_session.channel == TriageSession.Channel.PHONE
    call = answer_all(w.nurse_pool, call)
    assert isinstance(actions.current_step(call), Result)
    assert call.computed_urgency in actions.URGENCIES
    negatives = actions.pertinent_negatives(call)
    assert negatives, "no red flag was denied"
    text = actions.documentation_text(call)
    assert "Pertinent negatives (denies): " + "; ".join(negatives) in text


def test_several_reasons_keep_answers_and_most_urgent_wins(w: World) -> None:
    call = identified_call(w)
    actions.do_add_reason(w.nurse_pool, call, "sore_throat")
    call = answer_all(w.nurse_pool, call)
    one = call.computed_urgency
    answers_before = list(call.triage_session.answers)
    actions.do_add_reason(w.nurse_pool, call, "chest_pain")
    call.refresh_from_db()
    assert call.triage_session.protocol_ids == ["sore_throat", "chest_pain"]
    call = answer_all(w.nurse_pool, call)
    given = [tuple(a) for a in call.triage_session.answers]
    assert all(tuple(a) in given for a in answers_before)  # carried over, not asked again
    assert len({f for f, _v in given}) == len(given)
    from vardlots.triage.model import Urgency

    assert Urgency(call.computed_urgency).rank <= Urgency(one).rank
    actions.do_remove_reason(w.nurse_pool, call, "chest_pain")
    call.refresh_from_db()
    assert call.triage_session.protocol_ids == ["sore_throat"] and call.computed_urgency == one


def test_known_vital_signs_answer_their_question(w: World) -> None:
    call = actions.do_start_call(w.nurse_pool, w.pool, caller_number="070-123 45 67")
    call = actions.do_identify(w.nurse_pool, call, caller_kind=CallerKind.UNIDENTIFIED, age_years=40, sex="male")
    actions.do_set_vitals(w.nurse_pool, call, {"temperature": 39.6, "pain_score": None})
    call.refresh_from_db()
    assert call.known_vitals == {"temperature": 39.6}
    actions.do_add_reason(w.nurse_pool, call, "general")
    call = answer_all(w.nurse_pool, call, {"fever": "yes", "temperature": 99.0})  # the vital answers it
    call.refresh_from_db()
    assert ["temperature", 39.6] in call.triage_session.answers
    assert "Vital signs given: temperature: 39.6" in actions.documentation_text(call)


def test_go_back_changes_the_last_answer(w: World) -> None:
    call = identified_call(w)
    actions.do_add_reason(w.nurse_pool, call, "sore_throat")
    call = answer_all(w.nurse_pool, call)
    n = len(call.triage_session.answers)
    call = actions.do_go_back(w.nurse_pool, call)
    assert len(call.triage_session.answers) == n - 1
    assert isinstance(actions.current_step(call), QuestionStep)


def test_override_is_stored_beside_the_computed_result(w: World) -> None:
    call = identified_call(w)
    actions.do_add_reason(w.nurse_pool, call, "sore_throat")
    call = answer_all(w.nurse_pool, call)
    computed = call.computed_urgency
    with pytest.raises(TelephonyError) as err:
        actions.do_override(w.nurse_pool, call, urgency="P1", care_need="", reason_code="clinical_judgement", note="")
    assert err.value.key == "telephony.override_note"
    with pytest.raises(TelephonyError) as err:
        actions.do_override(w.nurse_pool, call, urgency="P1", care_need="", reason_code="", note="Sounds worse")
    assert err.value.key == "telephony.override_reason"
    call = actions.do_override(w.nurse_pool, call, urgency="P1", care_need="emergency_department",
                               reason_code="clinical_judgement", note="Sounds very unwell on the phone")
    session = TriageSession.objects.get(pk=call.triage_session_id)
    assert session.urgency == computed and session.result["urgency"] == computed  # never overwritten
    assert call.override_urgency == "P1" and call.effective_urgency == "P1"
    assert call.override_reason_code == "clinical_judgement"
    text = actions.documentation_text(call)
    assert "Clinical judgement – Sounds very unwell on the phone" in text
    routed = actions.proposal(call)
    assert routed is not None and routed.urgency == "P1"
    call = actions.do_clear_override(w.nurse_pool, call)
    assert call.effective_urgency == computed and not call.override_reason_code


def test_medical_callback_outcome(w: World) -> None:
    call = identified_call(w)
    actions.do_add_reason(w.nurse_pool, call, "sore_throat")
    call = answer_all(w.nurse_pool, call)
    call = actions.do_finish_call(w.nurse_pool, call, CallOutcome.MEDICAL_CALLBACK, note="Check fever tonight")
    cb = call.scheduled_callbacks.get()
    assert cb.kind == CallbackKind.MEDICAL and cb.unit == w.pool and cb.status == CallbackStatus.WAITING
    assert 119 <= (cb.due_at - call.closed_at).total_seconds() / 60 <= 120
    assert cb.phone == "070-123 45 67" and cb.reason == "Check fever tonight"
    assert call.outcome == CallOutcome.MEDICAL_CALLBACK and "Callback due by:" in call.documentation
    with pytest.raises(TelephonyError):
        actions.do_add_reason(w.nurse_pool, call, "chest_pain")  # closed


def test_self_care_advice_goes_to_the_resident_page_and_sms(w: World) -> None:
    MemoryBackend.outbox.clear()
    call = identified_call(w)
    actions.do_add_reason(w.nurse_pool, call, "sore_throat")
    call = answer_all(w.nurse_pool, call)
    if call.computed_urgency != "P5":
        call = actions.do_override(w.nurse_pool, call, urgency="P5", care_need="self_care",
                                   reason_code="clinical_judgement", note="Mild symptoms")
    call = actions.do_finish_call(w.nurse_pool, call, CallOutcome.SELF_CARE, note="Drink warm fluids.")
    message = ResidentMessage.objects.get(resident=w.resident)
    assert message.body.startswith("Drink warm fluids.")
    assert run_due() >= 1
    assert [m.to_phone for m in MemoryBackend.outbox] == [w.resident.phone]


def test_chat_referral_makes_a_case(w: World) -> None:
    call = identified_call(w)
    actions.do_add_reason(w.nurse_pool, call, "sore_throat")
    call = answer_all(w.nurse_pool, call)
    call = actions.do_finish_call(w.nurse_pool, call, CallOutcome.DIGITAL_CHAT)
    case = Case.objects.get(pk=call.outcome_detail["case_id"])
    assert case.resident == w.resident and case.queue.unit == w.pool


def test_a_raised_urgency_travels_with_the_chat_case(w: World) -> None:
    call = identified_call(w)
    actions.do_add_reason(w.nurse_pool, call, "sore_throat")
    call = answer_all(w.nurse_pool, call)
    computed = call.computed_urgency
    call = actions.do_override(w.nurse_pool, call, urgency="P1", care_need="emergency_department",
                               reason_code="clinical_judgement", note="Drools, muffled voice")
    call = actions.do_finish_call(w.nurse_pool, call, CallOutcome.DIGITAL_CHAT)
    case = Case.objects.get(pk=call.outcome_detail["case_id"])
    assert case.computed_urgency == computed  # the computed result is kept
    assert case.override_urgency == "P1"  # and the nurse's decision ranks the case
    assert case.effective_urgency == "P1"
    assert "Drools, muffled voice" in case.override_reason


def test_emergency_forwards_to_the_ambulance_desk_with_a_handover(w: World) -> None:
    call = identified_call(w)
    actions.do_add_reason(w.nurse_pool, call, "chest_pain")
    call.refresh_from_db()
    step = actions.current_step(call)
    assert isinstance(step, QuestionStep)
    first_value = "yes" if step.question.type.value == "yes_no" else [step.question.options[0].id]
    call = actions.do_answer(w.nurse_pool, call, step.finding, first_value, 0)
    call = answer_all(w.nurse_pool, call)
    if call.effective_urgency != "EMERGENCY_112":
        call = actions.do_override(w.nurse_pool, call, urgency="EMERGENCY_112", care_need="ambulance",
                                   reason_code="clinical_judgement", note="Collapsed")
    with pytest.raises(TelephonyError) as err:
        actions.do_finish_call(w.nurse_pool, call, CallOutcome.MEDICAL_CALLBACK)
    assert err.value.key == "telephony.emergency"
    call = actions.do_finish_call(w.nurse_pool, call, CallOutcome.AMBULANCE, handover_location="Ringvägen 1")
    handover = call.outcome_detail["handover"]
    assert handover.startswith("HAND-OVER TO THE AMBULANCE DESK")
    assert "Location: Ringvägen 1" in handover and "Call-back number: 070-123 45 67" in handover
    assert call.state == CallState.TRANSFERRED


def test_book_a_visit(w: World) -> None:
    import datetime as dt

    from django.utils import timezone

    from vardlots.booking.models import Appointment, Schedule, Slot

    schedule = Schedule.objects.create(unit=w.hc, name="Mottagning")
    start = timezone.now() + dt.timedelta(hours=3)
    slot = Slot.objects.create(schedule=schedule, starts_at=start, ends_at=start + dt.timedelta(minutes=20),
                               kind="physical")
    call = identified_call(w)
    actions.do_add_reason(w.nurse_pool, call, "sore_throat")
    call = answer_all(w.nurse_pool, call)
    call = actions.do_finish_call(w.nurse_pool, call, CallOutcome.VISIT_BOOKED, slot_id=slot.pk)
    appointment = Appointment.objects.get(pk=call.outcome_detail["appointment_id"])
    assert appointment.resident == w.resident and appointment.booked_by_staff == w.nurse_pool
    assert "Unit: Vårdcentral Test" in call.documentation
