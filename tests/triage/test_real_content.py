"""Tests on the real clinical content under content/.

These fail until the content authors have finished; that is expected. Do not weaken them.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vardlots.triage.check import check_content
from vardlots.triage.engine import QuestionStep, Result, TriageInput, next_step
from vardlots.triage.expressions import Node, Not, iter_nodes
from vardlots.triage.model import ContentSet, Protocol, QuestionType, Sex, Urgency
from vardlots.triage.search import search_report
from vardlots.triage.vignettes import run_vignettes

from .conftest import REAL_CONTENT_DIR


def test_content_check_passes() -> None:
    report = check_content(REAL_CONTENT_DIR)
    assert report.ok, report.format()


def test_every_rule_reachable() -> None:
    report = check_content(REAL_CONTENT_DIR)
    unreachable = [str(p) for p in report.errors if "can never be" in p.message]
    assert not unreachable, "\n".join(unreachable)


def test_vignettes_meet_acceptance_targets(real_content: ContentSet) -> None:
    report = run_vignettes(real_content)
    assert len(report.runs) >= 5 * len(real_content.protocols)
    assert not report.errors, report.format()
    assert not report.emergency_missed, report.format()
    assert report.exact >= 0.90, report.format()
    assert all(r.diff is not None and r.diff >= -1 for r in report.runs), report.format()
    assert report.median_questions <= 12, report.format()
    assert report.max_questions <= 20, report.format()


def test_search_top3_hit_rate(real_content: ContentSet) -> None:
    report = search_report(real_content)
    assert report.n > 0, "no search phrasings in content/search"
    assert report.top3_rate >= 0.95, report.format()


# ----------------------------------------------------------------------------------------------
# Property tests
# ----------------------------------------------------------------------------------------------


def _protocols(content: ContentSet) -> list[Protocol]:
    return sorted(content.protocols.values(), key=lambda p: p.id)


@st.composite
def person_and_protocol(draw: st.DrawFn, content: ContentSet) -> tuple[Protocol, int, Sex]:
    p = draw(st.sampled_from(_protocols(content)))
    hi = p.ages.to_days - 1 if p.ages.to_days is not None else 100 * 365
    age = draw(st.integers(p.ages.from_days, hi))
    sex = draw(st.sampled_from(sorted(p.sexes, key=lambda s: s.value)))
    return p, age, sex


def _value_for(step: QuestionStep, draw: st.DrawFn, allow_unknown: bool) -> Any:
    q = step.question
    choices: list[Any]
    if q.type is QuestionType.YES_NO:
        choices = ["yes", "no"]
    elif q.type is QuestionType.SINGLE_CHOICE:
        choices = list(q.option_ids)
    elif q.type is QuestionType.MULTI_CHOICE:
        return draw(st.lists(st.sampled_from(q.option_ids), unique=True, max_size=2))
    elif q.type is QuestionType.NUMBER:
        lo, hi = q.min or 0.0, q.max or 100.0
        choices = [lo, hi, round((lo + hi) / 2, 1)]
    else:
        choices = [0.5, 24.0, 24.0 * 7, min(q.max or 24.0 * 60, 24.0 * 60)]
    if allow_unknown:
        choices.append("unknown")
    return draw(st.sampled_from(choices))


def _run(content: ContentSet, p: Protocol, age: int, sex: Sex,
         answers: dict[str, Any]) -> Result:
    inp = TriageInput(age, sex, (p.id,))
    for _ in range(80):
        step = next_step(content, inp)
        if isinstance(step, Result):
            return step
        inp = inp.with_answer(step.finding, answers.get(step.finding, _default(step)))
    raise AssertionError("engine did not finish")


def _default(step: QuestionStep) -> Any:
    q = step.question
    if q.type is QuestionType.YES_NO:
        return "no"
    if q.type is QuestionType.MULTI_CHOICE:
        return []
    return "unknown"


_PROPS = settings(max_examples=60, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@_PROPS
@given(data=st.data())
def test_results_are_deterministic(real_content: ContentSet, data: st.DataObject) -> None:
    if not real_content.protocols:
        pytest.skip("no protocols yet")
    p, age, sex = data.draw(person_and_protocol(real_content))
    inp = TriageInput(age, sex, (p.id,))
    for _ in range(80):
        s1 = next_step(real_content, inp)
        s2 = next_step(real_content, inp)
        if isinstance(s1, Result):
            assert isinstance(s2, Result)
            assert json.dumps(s1.to_dict(), sort_keys=True) == json.dumps(s2.to_dict(), sort_keys=True)
            return
        assert isinstance(s2, QuestionStep) and s1.finding == s2.finding
        inp = inp.with_answer(s1.finding, _value_for(s1, data.draw, allow_unknown=True))
    raise AssertionError("engine did not finish")


def _negated_findings(node: Node) -> set[str]:
    out: set[str] = set()
    for n in iter_nodes(node):
        if isinstance(n, Not):
            from vardlots.triage.expressions import referenced_findings

            out.update(referenced_findings(n.operand))
    return out


@_PROPS
@given(data=st.data())
def test_positive_red_flag_never_lowers_urgency(real_content: ContentSet, data: st.DataObject) -> None:
    if not real_content.protocols:
        pytest.skip("no protocols yet")
    p, age, sex = data.draw(person_and_protocol(real_content))
    comps = [c for c in (real_content.screen, p) if c is not None]
    red_findings: list[str] = []
    negated: set[str] = set()
    for c in comps:
        for r in c.rules:
            negated |= _negated_findings(r.when.ast)
    for m in real_content.modifiers:
        negated |= _negated_findings(m.when.ast)
    for c in comps:
        for r in c.rules:
            if r.red_flag:
                for f in r.when.findings:
                    q = p.questions.get(f) or real_content.shared_questions.get(f) or (
                        real_content.screen.questions.get(f) if real_content.screen else None)
                    if q is not None and q.type is QuestionType.YES_NO and f not in negated \
                            and f not in red_findings:
                        red_findings.append(f)
    if not red_findings:
        return
    # a fixed answer sheet, drawn lazily as questions come up
    answers: dict[str, Any] = {}
    inp = TriageInput(age, sex, (p.id,))
    for _ in range(80):
        step = next_step(real_content, inp)
        if isinstance(step, Result):
            break
        v = answers.setdefault(step.finding, _value_for(step, data.draw, allow_unknown=False))
        inp = inp.with_answer(step.finding, v)
    before = _run(real_content, p, age, sex, answers)
    flag = data.draw(st.sampled_from(red_findings))
    answers[flag] = "yes"
    after = _run(real_content, p, age, sex, answers)
    assert after.urgency.rank <= before.urgency.rank, (
        f"{p.id}: setting {flag}=yes lowered {before.urgency.value} -> {after.urgency.value}")


def test_urgency_scale_is_ordered() -> None:
    order = Urgency.ordered()
    assert order[0] is Urgency.EMERGENCY_112 and order[-1] is Urgency.P5
    assert all(a.is_more_urgent_than(b) for a, b in itertools.pairwise(order))
