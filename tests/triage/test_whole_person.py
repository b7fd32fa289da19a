"""Triage v2: one assessment of the whole person, whichever contact reason was picked."""

from __future__ import annotations

from typing import Any

from vardlots.triage.engine import QuestionStep, Result, TriageInput, next_step
from vardlots.triage.model import ContentSet, Sex, Urgency, parse_age


def run(content: ContentSet, protocols: tuple[str, ...], answers: dict[str, Any], *,
        age: str = "40y", sex: Sex = Sex.FEMALE) -> tuple[Result, list[str]]:
    """Answer from `answers`; unscripted yes/no "no", lists "none", anything else "don't know"."""
    given: list[tuple[str, Any]] = []
    asked: list[str] = []
    for _ in range(60):
        step = next_step(content, TriageInput(parse_age(age), sex, protocols, tuple(given)))
        if isinstance(step, Result):
            return step, asked
        assert isinstance(step, QuestionStep)
        asked.append(step.finding)
        if step.finding in answers:
            value = answers[step.finding]
        elif step.question.type.value == "yes_no":
            value = "no"
        elif step.question.type.value == "multi_choice":
            value = []
        else:
            value = "unknown"
        given.append((step.finding, value))
    raise AssertionError(f"no result after 60 questions: {asked}")


def test_fever_with_chemotherapy_counts_whichever_reason_was_picked(real_content: ContentSet) -> None:
    answers = {"fever": "yes", "immunosuppressed": "yes", "temperature": 38.4}
    via_fever, _ = run(real_content, ("fever_adult",), answers)
    via_throat, asked = run(real_content, ("sore_throat",), answers)
    assert via_fever.urgency is Urgency.P1
    assert via_throat.urgency is Urgency.P1, asked
    trace = via_throat.trace
    assert {"protocol": "fever_adult", "because": "fever"} in trace["activated"]
    assert trace["engine_version"] == "2"


def test_chest_pain_reported_under_another_reason_brings_the_chest_pain_questions_in(
        real_content: ContentSet) -> None:
    answers = {"cp_now": "yes", "cp_cardiac_character": "yes", "anx_physical_now": "yes"}
    res, asked = run(real_content, ("anxiety_low_mood",), answers, age="55y", sex=Sex.MALE)
    assert res.urgency is Urgency.EMERGENCY_112, asked
    assert any(a["protocol"] == "chest_pain" for a in res.trace["activated"])


def test_an_association_uses_the_family_member_for_the_age(real_content: ContentSet) -> None:
    res, _ = run(real_content, ("earache",), {"fever": "yes"}, age="2y")
    ids = [a["protocol"] for a in res.trace["activated"]]
    assert "fever_child_under_5" in ids and "fever_adult" not in ids


def test_no_association_without_a_positive_answer(real_content: ContentSet) -> None:
    res, _ = run(real_content, ("sore_throat",), {})
    assert res.trace["activated"] == []
    assert res.urgency is Urgency.P5


def test_picking_a_family_member_implies_its_complaint(real_content: ContentSet) -> None:
    adult = real_content.protocols["fever_adult"]
    child = real_content.protocols["fever_child_under_5"]
    assert "fever" in real_content.implied_by(adult)
    assert real_content.implied_by(child) == real_content.implied_by(adult)
    # a protocol outside a family without a complaint finding gets a generated one, asked in its
    # title's words when the search offers it for the person's text
    assert real_content.implied_by(real_content.protocols["sore_throat"]) == ("about_sore_throat",)
    q = real_content.shared_questions["about_sore_throat"]
    assert q.resident.sv == "Gäller det dig: Ont i halsen?"
    assert q.resident_child is not None and q.resident_child.sv == "Gäller det barnet: Ont i halsen?"
    assert q.unknown_policy == "absent"
    assert "about_fever_adult" not in real_content.findings  # a family with its own complaint


def test_a_question_is_ruled_out_by_age_and_sex_alone(real_content: ContentSet) -> None:
    pregnant = real_content.shared_questions["pregnant"]
    assert pregnant.ruled_out_for(parse_age("30y"), Sex.MALE)
    assert pregnant.ruled_out_for(parse_age("8y"), Sex.FEMALE)
    assert not pregnant.ruled_out_for(parse_age("30y"), Sex.FEMALE)
    assert not pregnant.ruled_out_for(parse_age("30y"), None)  # sex unknown: cannot rule out
