from __future__ import annotations

import json
from typing import Any

import pytest

from vardlots.triage.engine import (
    ESCALATION_NOTE,
    AnswerError,
    QuestionStep,
    Result,
    TriageError,
    TriageInput,
    next_step,
    pertinent_negatives,
    progress,
)
from vardlots.triage.model import CareNeed, ContentSet, Sex, Urgency, parse_age

from .conftest import Builder, protocol, rule, yes_no

ADULT = parse_age("40y")

SCREEN = {
    "id": "global_red_flags", "version": 1, "title": {"sv": "Skärm", "en": "Screen"},
    "questions": [yes_no("collapse")],
    "rules": [rule("collapse", "collapse", "EMERGENCY_112")],
}


def chest(**extra: Any) -> dict[str, Any]:
    return protocol(
        "chest",
        [yes_no("pain_now"), yes_no("pressure", show_if="pain_now"), yes_no("sweat"),
         yes_no("exertion"), yes_no("cough")],
        [
            rule("mi", "pain_now and pressure and sweat", "EMERGENCY_112"),
            rule("exertional", "exertion", "P2"),
            rule("cough_only", "cough", "P5"),
        ],
        default="P4", **extra)


def drive(content: ContentSet, answers: dict[str, Any], *, protocols: tuple[str, ...] = ("chest",),
          age: int = ADULT, sex: Sex = Sex.MALE, pregnant: bool | None = None,
          default: Any = "no") -> tuple[Result, list[str]]:
    inp = TriageInput(age, sex, protocols, (), pregnant)
    asked: list[str] = []
    for _ in range(100):
        step = next_step(content, inp)
        if isinstance(step, Result):
            return step, asked
        asked.append(step.finding)
        value = answers.get(step.finding, default)
        if isinstance(value, list) and value and isinstance(value[0], tuple):
            value = value.pop(0)[1]
        inp = inp.with_answer(step.finding, value)
    raise AssertionError("no result")


def test_screen_first_then_most_urgent_rule_left_to_right(build: Builder) -> None:
    c = build([chest()], red_flags=SCREEN)
    result, asked = drive(c, {"pain_now": "yes", "pressure": "yes", "sweat": "yes"})
    assert asked == ["collapse", "pain_now", "pressure", "sweat"]
    assert result.urgency is Urgency.EMERGENCY_112
    assert result.care_need is CareNeed.AMBULANCE
    assert result.deciding_rule == "chest.mi"


def test_stops_as_soon_as_result_cannot_change(build: Builder) -> None:
    c = build([chest()], red_flags=SCREEN)
    result, asked = drive(c, {"collapse": "yes"})
    assert asked == ["collapse"]
    assert result.urgency is Urgency.EMERGENCY_112
    assert result.trace["questions_asked"] == 1


def test_show_if_false_skips_question_and_false_and_short_circuits(build: Builder) -> None:
    c = build([chest()], red_flags=SCREEN)
    result, asked = drive(c, {"pain_now": "no", "exertion": "no", "cough": "no"})
    assert "pressure" not in asked and "sweat" not in asked
    assert result.urgency is Urgency.P4
    assert result.deciding_rule == "chest.default"


def test_show_if_unknown_asks_its_finding_first(build: Builder) -> None:
    p = protocol("chest", [yes_no("pain_now"), yes_no("pressure", show_if="pain_now")],
                 [rule("pressure", "pressure", "P2")], default="P4")
    c = build([p])
    step = next_step(c, TriageInput(ADULT, Sex.MALE, ("chest",)))
    assert isinstance(step, QuestionStep) and step.finding == "pain_now"


def test_less_urgent_rule_than_default_is_asked(build: Builder) -> None:
    c = build([chest()], red_flags=SCREEN)
    result, asked = drive(c, {"cough": "yes"})
    assert asked[-1] == "cough"
    assert result.urgency is Urgency.P5 and result.care_need is CareNeed.SELF_CARE


def test_red_flag_unknown_asked_again_then_escalates(build: Builder) -> None:
    c = build([chest()], red_flags=SCREEN)
    inp = TriageInput(ADULT, Sex.MALE, ("chest",))
    step = next_step(c, inp)
    assert isinstance(step, QuestionStep) and step.finding == "collapse" and not step.repeat
    inp = inp.with_answer("collapse", "unknown")
    step = next_step(c, inp)
    assert isinstance(step, QuestionStep) and step.finding == "collapse" and step.repeat
    inp = inp.with_answer("collapse", "unknown")
    result = next_step(c, inp)
    assert isinstance(result, Result)
    assert result.urgency is Urgency.EMERGENCY_112
    entry = next(r for r in result.trace["rules"] if r["id"] == "global_red_flags.collapse")
    assert entry["value"] == "true" and ESCALATION_NOTE in entry["note"]
    # The explanation says what was not known; it never states the sign as present.
    assert "inte kunde svara på frågan om" in result.explanation.sv
    assert "reason collapse" not in result.explanation.sv
    assert "could not answer the question about" in result.explanation.en


def test_unknown_policy_absent_counts_the_finding_as_not_there(build: Builder) -> None:
    q = yes_no("cough")
    q["unknown_policy"] = "absent"
    p = protocol("chest", [yes_no("exertion"), q],
                 [rule("exertional", "exertion", "P2"), rule("no_cough", "not cough", "P4")])
    c = build([p], red_flags=SCREEN)
    result, asked = drive(c, {"cough": "unknown"})
    assert asked.count("cough") == 1
    assert result.urgency is Urgency.P4 and result.deciding_rule == "chest.no_cough"


def test_unknown_policy_ask_simpler_asks_the_simpler_question_instead(build: Builder) -> None:
    hard = yes_no("sat_low")
    hard["unknown_policy"] = "ask_simpler"
    hard["simpler"] = "blue_lips"
    p = protocol("chest", [hard, yes_no("blue_lips")],
                 [rule("hypoxia", "sat_low", "EMERGENCY_112")])
    c = build([p], red_flags=SCREEN)
    result, asked = drive(c, {"sat_low": "unknown", "blue_lips": "yes"})
    assert asked == ["collapse", "sat_low", "blue_lips"]
    assert result.urgency is Urgency.EMERGENCY_112
    result, asked = drive(c, {"sat_low": "unknown", "blue_lips": "no"})
    assert asked == ["collapse", "sat_low", "blue_lips"]
    assert result.urgency is Urgency.P5


def test_unknown_then_yes_no_escalation(build: Builder) -> None:
    c = build([chest()], red_flags=SCREEN)
    inp = TriageInput(ADULT, Sex.MALE, ("chest",), (("collapse", "unknown"), ("collapse", "no")))
    step = next_step(c, inp)
    assert isinstance(step, QuestionStep) and step.finding == "pain_now"


def test_non_red_flag_unknown_is_not_met_and_not_asked_again(build: Builder) -> None:
    c = build([chest()], red_flags=SCREEN)
    result, asked = drive(c, {"exertion": "unknown", "cough": "no"})
    assert asked.count("exertion") == 1
    assert result.urgency is Urgency.P4
    entry = next(r for r in result.trace["rules"] if r["id"] == "chest.exertional")
    assert entry["value"] == "unknown"


def test_several_protocols_most_urgent_wins(build: Builder) -> None:
    other = protocol("headache", [yes_no("worst_ever")], [rule("thunder", "worst_ever", "P1")],
                     default="P3")
    c = build([chest(), other], red_flags=SCREEN)
    result, _ = drive(c, {"worst_ever": "yes", "exertion": "yes"}, protocols=("chest", "headache"))
    assert result.urgency is Urgency.P1
    assert result.deciding_rule == "headache.thunder"
    result, _ = drive(c, {}, protocols=("chest", "headache"))
    assert result.urgency is Urgency.P3  # headache default beats chest default P4
    assert [p["id"] for p in result.trace["protocols"]] == ["global_red_flags", "chest", "headache"]


MODS = [
    {"id": "old", "when": "age_years >= 75", "raise_by": 1, "cap": "P3", "applies_to": "all",
     "reason": {"sv": "Ålder", "en": "Age"}, "sources": ["src"]},
    {"id": "anticoag", "when": "on_anticoag", "at_least": "P1", "applies_to": ["chest"],
     "reason": {"sv": "Blodförtunnande", "en": "Anticoagulants"}, "sources": ["src"]},
]


def test_modifiers_raise_with_cap_and_never_lower(build: Builder) -> None:
    c = build([chest()], red_flags=SCREEN, modifiers=MODS,
              shared_questions=[yes_no("on_anticoag")])
    old = parse_age("80y")
    r, _asked = drive(c, {"cough": "yes"}, age=old)
    assert r.urgency is Urgency.P4 and r.modifiers_applied == ("old",)
    assert r.care_need is CareNeed.HEALTH_CENTRE  # self_care does not fit P4
    r, _ = drive(c, {"cough": "no"}, age=old)
    assert r.urgency is Urgency.P3  # P4 raised by one, capped at P3
    r, _ = drive(c, {"pain_now": "yes", "pressure": "yes", "sweat": "yes"}, age=old)
    assert r.urgency is Urgency.EMERGENCY_112  # never lowered
    r, _ = drive(c, {"on_anticoag": "yes"})
    assert r.urgency is Urgency.P1  # at_least P1, never EMERGENCY_112
    assert "Anticoagulants" in r.explanation.en


def test_modifier_question_only_when_it_could_change_result(build: Builder) -> None:
    c = build([chest()], red_flags=SCREEN, modifiers=MODS,
              shared_questions=[yes_no("on_anticoag")])
    _, asked = drive(c, {"collapse": "yes"})
    assert "on_anticoag" not in asked
    _, asked = drive(c, {})
    assert asked[-1] == "on_anticoag"


def test_pregnant_at_start_pre_answers_finding(build: Builder) -> None:
    mods = [{"id": "preg", "when": "pregnant", "raise_by": 1, "cap": "P4", "applies_to": "all",
             "reason": {"sv": "Gravid", "en": "Pregnant"}, "sources": ["src"]}]
    c = build([chest()], modifiers=mods, shared_questions=[yes_no("pregnant")])
    r, asked = drive(c, {"cough": "yes"}, sex=Sex.FEMALE, pregnant=True)
    assert "pregnant" not in asked and r.urgency is Urgency.P4
    r, asked = drive(c, {"cough": "yes"}, sex=Sex.FEMALE, pregnant=None)
    assert "pregnant" in asked


def test_not_applicable_protocol_is_a_clear_error(build: Builder) -> None:
    kid = chest(id="chest", applies={"age_from": "0d", "age_to": "16y"})
    c = build([kid])
    with pytest.raises(TriageError) as exc:
        next_step(c, TriageInput(ADULT, Sex.MALE, ("chest",)))
    assert exc.value.key == "triage.protocol_not_applicable"
    with pytest.raises(TriageError) as exc:
        next_step(c, TriageInput(ADULT, Sex.MALE, ("nope",)))
    assert exc.value.key == "triage.unknown_protocol"


@pytest.mark.parametrize(("finding", "value", "key"), [
    ("pain_now", "maybe", "answer.yes_no"),
    ("temp", "hot", "answer.not_a_number"),
    ("temp", 50, "answer.out_of_range"),
    ("colour", "purple", "answer.unknown_option"),
    ("where", ["face", "moon"], "answer.unknown_option"),
    ("how_long", "forever", "answer.not_a_duration"),
    ("how_long", "5w", "answer.out_of_range"),
    ("nonexistent", "yes", "answer.unknown_finding"),
])
def test_answer_validation(build: Builder, finding: str, value: Any, key: str) -> None:
    qs = [
        yes_no("pain_now"),
        {"finding": "temp", "type": "number", "unit": "°C", "min": 30, "max": 44,
         "text": {"resident": {"sv": "t", "en": "t"}, "nurse": {"sv": "t", "en": "t"}}},
        {"finding": "colour", "type": "single_choice",
         "options": [{"id": "red", "label": {"sv": "röd", "en": "red"}},
                     {"id": "green", "label": {"sv": "grön", "en": "green"}}],
         "text": {"resident": {"sv": "f", "en": "c"}, "nurse": {"sv": "f", "en": "c"}}},
        {"finding": "where", "type": "multi_choice",
         "options": [{"id": "face", "label": {"sv": "ansikte", "en": "face"}},
                     {"id": "legs", "label": {"sv": "ben", "en": "legs"}}],
         "text": {"resident": {"sv": "v", "en": "w"}, "nurse": {"sv": "v", "en": "w"}}},
        {"finding": "how_long", "type": "duration", "max": 336,
         "text": {"resident": {"sv": "h", "en": "h"}, "nurse": {"sv": "h", "en": "h"}}},
    ]
    p = protocol("chest", qs, [rule("r", "pain_now and temp > 39 and colour == 'red' and where has "
                                         "'face' and how_long > 2d", "P2")], default="P4")
    c = build([p])
    with pytest.raises(AnswerError) as exc:
        next_step(c, TriageInput(ADULT, Sex.MALE, ("chest",), ((finding, value),)))
    assert exc.value.key == key
    assert exc.value.message_sv and exc.value.message_en and exc.value.finding == finding


def test_result_is_json_and_deterministic(build: Builder) -> None:
    c = build([chest()], red_flags=SCREEN, modifiers=MODS, shared_questions=[yes_no("on_anticoag")])
    r1, _ = drive(c, {"exertion": "yes"})
    r2, _ = drive(c, {"exertion": "yes"})
    d1 = json.dumps(r1.to_dict(), sort_keys=True, ensure_ascii=False)
    d2 = json.dumps(r2.to_dict(), sort_keys=True, ensure_ascii=False)
    assert d1 == d2
    trace = r1.trace
    assert trace["content_version"] == "test.1"
    assert trace["deciding_rule"] == "chest.exertional"
    assert {r["value"] for r in trace["rules"]} <= {"true", "false", "unknown"}
    assert trace["answers"][0] == {"finding": "collapse", "value": "no"}
    assert r1.urgency is Urgency.P2


def test_progress_and_pertinent_negatives(build: Builder) -> None:
    c = build([chest()], red_flags=SCREEN)
    inp = TriageInput(ADULT, Sex.MALE, ("chest",))
    p0 = progress(c, inp)
    assert p0.answered == 0 and p0.remaining_max >= 4
    inp = inp.with_answer("collapse", "no").with_answer("pain_now", "no")
    p1 = progress(c, inp)
    assert p1.answered == 2 and p1.remaining_max < p0.remaining_max
    negs = pertinent_negatives(c, inp)
    assert [n.finding for n in negs] == ["collapse", "pain_now"]
    assert negs[0].label.en == "collapse"


def test_every_result_has_advice_and_a_safety_net_from_its_level(build: Builder) -> None:
    c = build([chest()], red_flags=SCREEN)
    result, _ = drive(c, {"exertion": "yes"})  # a P2 rule with no advice or safety net
    assert result.urgency is Urgency.P2
    assert result.advice is not None and result.advice.en == "level advice P2"
    assert result.safety_net is not None and result.safety_net.en == "level safety net P2"


def test_result_texts_are_in_the_words_of_who_answers(build: Builder) -> None:
    """A rule's `child:`/`other:` texts (and a level's) are shown to a guardian or to someone
    answering about another adult; what a form leaves out is the person's own text."""
    content = build([protocol(
        "chest", [yes_no("cough"), yes_no("exertion")],
        [rule("cough_only", "cough", "P5",
              child={"advice": {"sv": "Ge barnet varmt att dricka.", "en": "Give your child a warm drink."}},
              other={"advice": {"sv": "Ge personen varmt att dricka.", "en": "Give the person a warm drink."},
                     "safety_net": {"sv": "Om personen blir sämre.", "en": "If the person gets worse."}}),
         rule("exertional", "exertion", "P3")],
        default="P4")], level_forms={"P3": {"child": {"advice": {"sv": "Kontakta barnets vårdcentral.",
                                                               "en": "Contact your child's health centre."}}}})
    by: dict[str, Result] = {}
    for audience in ("self", "child", "other"):
        inp = TriageInput(ADULT, Sex.MALE, ("chest",), audience=audience)
        inp = inp.with_answer("cough", "yes").with_answer("exertion", "no")
        step = next_step(content, inp)
        assert isinstance(step, Result)
        by[audience] = step
    assert by["self"].advice is not None and by["self"].advice.en == "advice cough_only"
    assert by["child"].advice is not None and by["child"].advice.sv == "Ge barnet varmt att dricka."
    assert by["child"].safety_net == by["self"].safety_net  # left out: the person's own text
    assert by["other"].safety_net is not None and by["other"].safety_net.en == "If the person gets worse."
    # a rule without advice takes its level's, in the audience's words when the level has them
    for audience, want in (("self", "level advice P3"), ("child", "Contact your child's health centre."),
                           ("other", "level advice P3")):
        inp = TriageInput(ADULT, Sex.MALE, ("chest",), audience=audience)
        step = next_step(content, inp.with_answer("cough", "no").with_answer("exertion", "yes"))
        assert isinstance(step, Result) and step.advice is not None
        assert step.advice.en == want, audience


def test_advice_that_fits_only_some_is_added_when_its_condition_holds(build: Builder) -> None:
    content = build([protocol(
        "tummy", [yes_no("blood")],
        [rule("blood", "blood", "P1", advice={"sv": "Åk till akuten.", "en": "Go to the emergency department."},
              also=[{"when": "age_years < 4", "advice": {"sv": "Ta med blöjan.", "en": "Bring the nappy."}}])],
        default="P4", applies={"age_from": "0d", "age_to": "16y"})])
    for age, want in (("2y", "Go to the emergency department. Bring the nappy."),
                      ("6y", "Go to the emergency department.")):
        step = next_step(content, TriageInput(parse_age(age), Sex.FEMALE, ("tummy",),
                                              (("blood", "yes"),)))
        assert isinstance(step, Result) and step.advice is not None
        assert step.advice.en == want, age


def test_dont_know_on_a_choice_asks_the_simpler_yes_no_question(build: Builder) -> None:
    """"Hur mycket blod?" – "vet inte" – "Kommer det klumpar eller mest blod?": a yes is the large
    amount, a no counts no amount, and "vet inte" again on a red flag escalates."""
    amount = {"finding": "amount", "type": "single_choice",
              "text": {"resident": {"sv": "Hur mycket?", "en": "How much?"},
                       "resident_child": {"sv": "Hur mycket?", "en": "How much?"},
                       "resident_other": {"sv": "Hur mycket?", "en": "How much?"},
                       "nurse": {"sv": "Mängd?", "en": "Amount?"}},
              "options": [{"id": "little", "label": {"sv": "Lite", "en": "A little"}},
                          {"id": "large", "label": {"sv": "Mycket", "en": "A lot"}}],
              "unknown_policy": "ask_simpler", "simpler": "a_lot", "simpler_yes": "large"}
    content = build([protocol("bleed", [amount, yes_no("a_lot")],
                              [rule("large", "amount == 'large'", "P1"),
                               rule("little", "amount == 'little'", "P3")], default="P4")])
    for simple, want, escalated in (("yes", Urgency.P1, False), ("no", Urgency.P4, False),
                                    ("unknown", Urgency.P1, True)):
        result, asked = drive(content, {"amount": "unknown", "a_lot": simple}, protocols=("bleed",))
        assert asked[:2] == ["amount", "a_lot"], asked
        assert result.urgency is want, simple
        assert ("escalation" in result.trace) is escalated, simple


def test_a_red_flag_escalated_after_two_dont_knows_opens_its_follow_up_questions(build: Builder) -> None:
    """"Vet inte" twice on a red flag counts it as present, also for the questions shown only
    when it is there: a follow-up with a more urgent rule is asked, not hidden."""
    p = protocol("stomach", [yes_no("vomiting"), yes_no("vomit_blood", show_if="vomiting")],
                 [rule("vomits", "vomiting", "P2", red_flag=True),
                  rule("bleeding", "vomiting and vomit_blood", "EMERGENCY_112")])
    c = build([p], red_flags=SCREEN)
    result, asked = drive(c, {"vomiting": "unknown", "vomit_blood": "yes"}, protocols=("stomach",))
    assert asked == ["collapse", "vomiting", "vomiting", "vomit_blood"]
    assert result.urgency is Urgency.EMERGENCY_112
    result, asked = drive(c, {"vomiting": "unknown", "vomit_blood": "no"}, protocols=("stomach",))
    assert asked[-1] == "vomit_blood" and result.urgency is Urgency.P2
