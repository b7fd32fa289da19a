"""The same answers give the same urgency whichever fitting contact reason was picked.

Every vignette, self-written and independent, is run through its own contact reason and through
every other that the search offers for its words and that fits the person (`entry_protocols`); the
urgency must be the same through every door.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from vardlots.triage.engine import QuestionStep, TriageInput, next_step
from vardlots.triage.loader import load_independent_vignettes
from vardlots.triage.model import ContentSet, Sex, Urgency, parse_age
from vardlots.triage.search import offered_for_words
from vardlots.triage.vignettes import entry_differences, entry_protocols, lay_answer, run_vignette


# Every vignette through every fitting door: about 50 s of CPU with 138 protocols and 1,363 author
# vignettes, growing with each; on a shared machine (load 6 on 2 cores) the wall time passed the
# default 120 s while the same run found no difference.
@pytest.mark.timeout(300)
def test_urgency_does_not_depend_on_the_entry_point(real_content: ContentSet) -> None:
    own = entry_differences(real_content, real_content.vignettes)
    independent, problems = load_independent_vignettes()
    assert not problems
    ind = entry_differences(real_content, independent)
    assert not own, [d.to_dict() for d in own[:5]]
    assert not ind, [d.to_dict() for d in ind[:5]]


def test_a_reason_offered_for_the_words_is_asked_about_and_joins(real_content: ContentSet) -> None:
    """An adder bite described under "Kräkningar": the search offers "Bett" for the words, the
    engine asks whether it applies, and a yes brings the bite rules in (an emergency)."""
    text = "blev biten av en huggorm i foten för en halvtimme sen, benet svullnar och jag har kräkts"
    age, sex = parse_age("35y"), Sex.FEMALE
    offered = offered_for_words(real_content, text, age, sex)
    assert "bites" in offered
    inp = TriageInput(age, sex, ("vomiting_diarrhoea_adult",), offered=offered)
    seen: list[str] = []
    facts = {"about_bites": "yes", "bite_animal": "snake", "snake_bite_systemic": "yes",
             "vomiting": "yes"}
    for _ in range(40):
        step = next_step(real_content, inp)
        if not isinstance(step, QuestionStep):
            break
        seen.append(step.finding)
        if step.finding == "about_bites":
            assert step.confirm and step.rule_id == "offered.bites"
            assert step.question.resident.sv.startswith("Gäller det dig:")
        ans = lay_answer(real_content, step, facts)
        inp = inp.with_answer(step.finding, ans)
    assert "about_bites" in seen
    assert step.urgency in (Urgency.EMERGENCY_112, Urgency.P1), step.trace["deciding_rule"]
    assert {"protocol": "bites", "because": "about_bites"} in step.trace["activated"]
    assert step.trace["offered"] == list(offered)
    # without the words, nothing asks about the bite: the result rests on the vomiting alone
    plain = TriageInput(age, sex, ("vomiting_diarrhoea_adult",))
    for _ in range(40):
        step = next_step(real_content, plain)
        if not isinstance(step, QuestionStep):
            break
        assert step.finding != "about_bites"
        ans = lay_answer(real_content, step, facts)
        plain = plain.with_answer(step.finding, ans)


def test_an_emergency_stays_an_emergency_through_its_complaints_other_doors(
        real_content: ContentSet) -> None:
    """Fever with chemotherapy: through sore throat, cough or fever the result is the same."""
    independent, _ = load_independent_vignettes()
    base = next(v for v in independent if v.id == "ind_d_001")
    person = replace(base, answers={**base.answers, "fever": "yes", "immunosuppressed": "yes"})
    got = {pid: run_vignette(real_content, person, (pid,)).got
           for pid in ("sore_throat", "cough", "fever_adult")}
    assert set(got.values()) == {Urgency.P1}, got


def test_entry_protocols_fit_the_person(real_content: ContentSet) -> None:
    """A protocol that stands for a complaint the person does not have is not offered as an entry
    (nobody without fever picks "Feber")."""
    independent, _ = load_independent_vignettes()
    no_fever = next(v for v in independent if "fever" not in v.answers and v.age_days > parse_age("18y")
                    and v.sex is Sex.FEMALE and v.text)
    assert "fever_adult" not in entry_protocols(real_content, replace(no_fever, text="feber"))


def test_a_joined_protocols_rule_is_not_silenced_by_the_picked_protocols_wording(
        real_content: ContentSet) -> None:
    """Breathless lying flat is asked under "Ben" only when both legs are swollen; once "Hosta"
    has joined, its heart-failure rule asks it anyway (its own wording decides)."""
    age, sex = parse_age("70y"), Sex.MALE
    facts = {"about_cough": "yes", "has_cough_or_cold": "yes", "breathless_lying_flat": "yes",
             "cough_duration": "1w"}
    inp = TriageInput(age, sex, ("leg_pain_swelling",), offered=("cough",))
    seen: list[str] = []
    for _ in range(60):
        step = next_step(real_content, inp)
        if not isinstance(step, QuestionStep):
            break
        seen.append(step.finding)
        inp = inp.with_answer(step.finding, lay_answer(real_content, step, facts))
    assert "leg_both_swollen" not in facts and "breathless_lying_flat" in seen
    assert step.trace["deciding_rule"] == "cough.heart_failure_signs", step.trace["deciding_rule"]
