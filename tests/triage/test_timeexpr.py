"""Durations as people write them (Swedish and English)."""

from __future__ import annotations

import pytest

from vardlots.triage.engine import AnswerError, validate_answer
from vardlots.triage.model import DAYS_PER_MONTH, Location, Question, QuestionType
from vardlots.triage.timeexpr import find_time_expressions, parse_time_expression


@pytest.mark.parametrize(("text", "hours"), [
    ("2 mån", 2 * DAYS_PER_MONTH * 24), ("2 månader", 2 * DAYS_PER_MONTH * 24),
    ("sedan igår", 24), ("sen igår", 24), ("igår", 24), ("sedan i förrgår", 48),
    ("en halvtimme", 0.5), ("i tre dagar", 72), ("en vecka", 168), ("3 weeks", 504),
    ("för två veckor sedan", 336), ("2 days ago", 48), ("ungefär 4 timmar", 4),
    ("1,5 dygn", 36), ("en halv dag", 12), ("45 min", 0.75), ("two hours", 2),
    ("yesterday", 24), ("sedan i morse", 3), ("i 3 v", 504),
])
def test_durations_as_people_write_them(text: str, hours: float) -> None:
    assert parse_time_expression(text) == pytest.approx(hours)


@pytest.mark.parametrize("text", ["", "hej", "5", "ont i magen", "igår och idag", "mycket"])
def test_not_a_single_duration(text: str) -> None:
    assert parse_time_expression(text) is None


def test_found_inside_a_description() -> None:
    found = find_time_expressions("har haft feber sen i förrgår och ont i halsen i tre dagar, "
                                  "hostat en vecka")
    assert [(t.text, t.hours) for t in found] == [
        ("sen i förrgår", 48.0), ("tre dagar", 72.0), ("en vecka", 168.0)]


def _duration_question() -> Question:
    return Question("cough_duration", QuestionType.DURATION, None, None, None, None, (),  # type: ignore[arg-type]
                    "h", None, 24 * 400, None, "shared", Location("x", "y"))


def test_a_duration_answer_accepts_written_durations_and_refuses_nonsense_in_words() -> None:
    q = _duration_question()
    assert validate_answer(q, "sedan i förrgår") == 48.0
    assert validate_answer(q, "2 mån") == pytest.approx(2 * DAYS_PER_MONTH * 24)
    assert validate_answer(q, "3d") == 72.0
    with pytest.raises(AnswerError) as e:
        validate_answer(q, "länge")
    assert e.value.key == "answer.not_a_duration"
    assert "sedan igår" in e.value.message_sv
