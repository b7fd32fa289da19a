from __future__ import annotations

import itertools

import pytest

from vardlots.triage.expressions import ExpressionError, parse

V = [True, False, None]


def env_of(**kw: object) -> dict[str, object]:
    return {k: v for k, v in kw.items() if v is not None}


def kleene_and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    if a is None or b is None:
        return None
    return True


def kleene_or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    if a is None or b is None:
        return None
    return False


@pytest.mark.parametrize(("a", "b"), list(itertools.product(V, V)))
def test_and_or_truth_tables(a: bool | None, b: bool | None) -> None:
    env = env_of(a=a, b=b)
    assert parse("a and b")(env) is kleene_and(a, b)
    assert parse("a or b")(env) is kleene_or(a, b)


@pytest.mark.parametrize("a", V)
def test_not_truth_table(a: bool | None) -> None:
    assert parse("not a")(env_of(a=a)) is (None if a is None else not a)


def test_precedence_and_parentheses() -> None:
    env = {"a": True, "b": False, "c": False}
    assert parse("a or b and c")(env) is True  # and binds tighter
    assert parse("(a or b) and c")(env) is False
    assert parse("not b and a")(env) is True
    assert parse("not not a")(env) is True


def test_comparisons_numbers_and_durations() -> None:
    env = {"temperature": 38.5, "fever_duration": 120.0}
    assert parse("temperature >= 38.0")(env) is True
    assert parse("temperature < 38")(env) is False
    assert parse("fever_duration >= 5d")(env) is True
    assert parse("fever_duration > 5d")(env) is False
    assert parse("fever_duration >= 3w")(env) is False
    assert parse("fever_duration >= 30min")(env) is True
    assert parse("38.0 <= temperature")(env) is True
    assert parse("temperature >= 38")({}) is None


def test_choice_operators() -> None:
    env = {"vomit_colour": "green", "rash_where": frozenset({"face", "legs"})}
    assert parse("vomit_colour == 'green'")(env) is True
    assert parse("vomit_colour != 'green'")(env) is False
    assert parse("vomit_colour in ['green', 'blood']")(env) is True
    assert parse("vomit_colour in ['blood']")(env) is False
    assert parse("rash_where has 'face'")(env) is True
    assert parse("rash_where has 'arms'")(env) is False
    assert parse("rash_where has 'face'")({}) is None
    assert parse("rash_where has 'face'")({"rash_where": frozenset()}) is False


def test_context_variables() -> None:
    env = {"age_years": 80, "age_months": 960, "age_days": 29220, "sex": "female"}
    assert parse("age_years >= 75 and sex == 'female'")(env) is True
    assert parse("age_days < 90")(env) is False
    assert parse("sex == 'male'")(env) is False


def test_yes_no_compared_with_strings() -> None:
    assert parse("fever == 'yes'")({"fever": True}) is True
    assert parse("fever == 'no'")({"fever": True}) is False


def test_referenced_findings_left_to_right_unique() -> None:
    e = parse("b and (a or not c) and age_years > 3 and b and d >= 2d and e has 'x'")
    assert e.findings == ("b", "a", "c", "d", "e")


def test_pending_only_in_undecided_subtrees() -> None:
    e = parse("a and (b or c) and d")
    assert e.pending({}) == (None, ["a", "b", "c", "d"])
    assert e.pending({"b": True}) == (None, ["a", "d"])
    assert e.pending({"a": False}) == (False, [])
    assert e.pending({"a": True, "b": False}) == (None, ["c", "d"])


def test_escalation_counts_as_true_respecting_not() -> None:
    e = parse("not able_to_drink")
    assert e({}, {"able_to_drink"}) is True
    assert parse("temperature >= 39")({}, {"temperature"}) is True
    assert parse("a and b")({"b": False}, {"a"}) is False
    assert parse("a and b")({"b": True}, {"a"}) is True
    assert parse("a and b")({}, {"a"}) is None  # b still unanswered


@pytest.mark.parametrize(("source", "column"), [
    ("a and", 6), ("(a or b", 8), ("a b", 3), ("a == ", 6), ("a @ b", 3), ("", 1),
    ("a has b", 7), ("x in 'a'", 6), ("a AND b", 3), ("[1, 'a']", 1),
])
def test_parse_errors_have_location(source: str, column: int) -> None:
    with pytest.raises(ExpressionError) as exc:
        parse(source, "protocols/x.yaml rules[2]")
    assert exc.value.position + 1 == column
    assert "protocols/x.yaml rules[2]" in str(exc.value)
