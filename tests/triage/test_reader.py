"""The free-text reader: findings, negation, past and time; confirmation before it counts."""

from __future__ import annotations

from vardlots.triage.engine import QuestionStep, Result, TriageInput, next_step
from vardlots.triage.model import ContentSet, Sex, Urgency, parse_age
from vardlots.triage.reader import TextReader, fold


def test_fold_lets_missing_swedish_letters_match() -> None:
    assert fold("Bröstsmärta ÅÄÖ") == "brostsmarta aao"


def test_reads_findings_negation_past_and_time() -> None:
    r = TextReader({"fever": ["feber"], "cough": ["hosta"], "chemo": ["cellgiftsbehandling"],
                    "cant_breathe": ["kan inte andas"]})
    found = {m.finding: m for m in r.read(
        "Har haft feber sen i förrgår och hostar, går på cellgiftsbehandling")}
    assert found["fever"].present and found["fever"].hours == 48.0
    assert found["cough"].present  # "hosta" matches "hostar"
    assert found["chemo"].present
    neg = {m.finding: m for m in r.read("ingen feber, men hostar")}
    assert neg["fever"].negated and not neg["cough"].negated
    past = r.read("hade feber i två dagar, nu feberfri")[0]
    assert past.finding == "fever" and not past.present
    assert r.read("kan inte andas")[0].present  # the negation belongs to the symptom
    assert r.read("") == []


def test_a_mention_is_confirmed_before_it_counts(real_content: ContentSet) -> None:
    reader = TextReader.for_content(real_content)
    mentioned = tuple(m.finding for m in reader.read("ont i halsen, går på cellgiftsbehandling "
                                                     "och har feber") if m.present)
    assert "immunosuppressed" in mentioned and "fever" in mentioned
    inp = TriageInput(parse_age("40y"), Sex.FEMALE, ("sore_throat",), (), None, mentioned)
    asked: list[str] = []
    confirmed: list[str] = []
    for _ in range(40):
        step = next_step(real_content, inp)
        if isinstance(step, Result):
            break
        assert isinstance(step, QuestionStep)
        asked.append(step.finding)
        if step.confirm:
            confirmed.append(step.finding)
        value = "yes" if step.finding in ("fever", "immunosuppressed") else (
            [] if step.question.type.value == "multi_choice" else
            "no" if step.question.type.value == "yes_no" else "unknown")
        inp = inp.with_answer(step.finding, value)
    assert isinstance(step, Result)
    assert asked[0] == "emergency_signs"  # the global screen comes first
    assert set(confirmed) >= {"fever", "immunosuppressed"}
    assert step.urgency is Urgency.P1
    assert {"finding": "immunosuppressed", "confirmed": "yes"} in step.trace["mentioned"]
    assert step.trace["profile"].get("immunosuppressed") == "yes"


def test_an_unconfirmed_mention_never_counts(real_content: ContentSet) -> None:
    inp = TriageInput(parse_age("40y"), Sex.FEMALE, ("sore_throat",), (), None,
                      ("immunosuppressed", "fever"))
    for _ in range(40):
        step = next_step(real_content, inp)
        if isinstance(step, Result):
            break
        value = [] if step.question.type.value == "multi_choice" else (
            "no" if step.question.type.value == "yes_no" else "unknown")
        inp = inp.with_answer(step.finding, value)
    assert isinstance(step, Result) and step.urgency is Urgency.P5


def test_a_negation_inside_a_phrase_negates_it() -> None:
    r = TextReader({"cancer": ["har cancer"]})
    assert r.read("jag har ingen cancer")[0].negated
    assert r.read("jag har cancer")[0].present


def test_mentions_and_other_complaints_are_asked_before_any_result_but_112(
        real_content: ContentSet) -> None:
    """Even when the picked reason has nothing more to ask, what the person wrote is confirmed and
    "Har du också …" offered before the result; a 112 result ends at once."""
    inp = TriageInput(parse_age("40y"), Sex.MALE, ("hay_fever",), (), None, ("cp_now",))
    asked: list[str] = []
    for _ in range(40):
        step = next_step(real_content, inp)
        if isinstance(step, Result):
            break
        asked.append(step.finding)
        value = [] if step.question.type.value == "multi_choice" else (
            "yes" if step.finding == "cp_now" else
            "no" if step.question.type.value == "yes_no" else "unknown")
        inp = inp.with_answer(step.finding, value)
    assert "cp_now" in asked and real_content.checklist in asked
    assert isinstance(step, Result)
    assert any(a["protocol"] == "chest_pain" for a in step.trace["activated"])
    screen_112 = TriageInput(parse_age("40y"), Sex.MALE, ("hay_fever",),
                             (("emergency_signs", ["cannot_breathe"]),), None, ("cp_now",))
    assert isinstance(next_step(real_content, screen_112), Result)
