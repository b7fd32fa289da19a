from __future__ import annotations

from typing import Any

from vardlots.accounts.models import StaffUser
from vardlots.telephony import actions
from vardlots.telephony.models import Call
from vardlots.triage.engine import QuestionStep
from vardlots.triage.model import QuestionType


def plain_answer(step: QuestionStep) -> Any:
    """A reassuring answer to any question: no, the first option, none, a normal number, a day."""
    q = step.question
    if q.type is QuestionType.YES_NO:
        return "no"
    if q.type is QuestionType.SINGLE_CHOICE:
        return q.options[0].id
    if q.type is QuestionType.MULTI_CHOICE:
        return []
    if q.type is QuestionType.NUMBER:
        return 37.0 if q.finding == "temperature" else (q.min if q.min is not None else 1.0)
    return 24.0


def answer_all(staff: StaffUser, call: Call, overrides: dict[str, Any] | None = None) -> Call:
    overrides = overrides or {}
    for _ in range(80):
        call.refresh_from_db()
        step = actions.current_step(call)
        if not isinstance(step, QuestionStep):
            return call
        value = overrides.get(step.finding, plain_answer(step))
        call = actions.do_answer(staff, call, step.finding, value, len(call.triage_session.answers))
    raise AssertionError("too many questions")
