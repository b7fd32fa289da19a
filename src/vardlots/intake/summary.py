"""Readable answers of an assessment, for the resident's pages and for staff: the finding's label
and the answer in words, in the active language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from vardlots.intake.content import get_content
from vardlots.intake.models import TriageSession
from vardlots.triage.model import Question, QuestionType, Text


def _t(text: Text | None) -> str:
    lang = "en" if (get_language() or "sv").startswith("en") else "sv"
    return text.get(lang) if text is not None else ""


def question_of(finding: str, protocol_ids: Iterable[str]) -> Question | None:
    """The question this session asked about ``finding`` (protocol's own, the screen's, shared)."""
    content = get_content()
    for pid in protocol_ids:
        protocol = content.protocols.get(pid)
        if protocol is not None and finding in protocol.questions:
            return protocol.questions[finding]
    if content.screen is not None and finding in content.screen.questions:
        return content.screen.questions[finding]
    return content.shared_questions.get(finding)


def finding_label(finding: str) -> str:
    f = get_content().findings.get(finding)
    return _t(f.label) if f is not None else finding


def answer_label(finding: str, value: Any, protocol_ids: Iterable[str]) -> str:
    if value == "unknown":
        return _("Don't know")
    if value == "yes":
        return _("Yes")
    if value == "no":
        return _("No")
    question = question_of(finding, protocol_ids)
    if question is not None and question.options:
        labels = {o.id: _t(o.label) for o in question.options}
        if isinstance(value, list):
            return ", ".join(labels.get(str(v), str(v)) for v in value) or _("None of these")
        return labels.get(value, str(value))
    if question is not None and question.type is QuestionType.DURATION and isinstance(value, int | float):
        return format_hours(float(value))
    if question is not None and question.unit:
        return f"{value:g} {question.unit}" if isinstance(value, float | int) else f"{value} {question.unit}"
    return str(value)


def format_hours(hours: float) -> str:
    if hours >= 168 and hours % 168 == 0:
        n = int(hours // 168)
        return ngettext("%(n)s week", "%(n)s weeks", n) % {"n": n}
    if hours >= 24 and hours % 24 == 0:
        n = int(hours // 24)
        return ngettext("%(n)s day", "%(n)s days", n) % {"n": n}
    if hours >= 1:
        return ngettext("%(n)s hour", "%(n)s hours", 1 if hours == 1 else 2) % {"n": f"{hours:g}"}
    minutes = hours * 60
    return ngettext("%(n)s minute", "%(n)s minutes", 1 if minutes == 1 else 2) % {"n": f"{minutes:g}"}


def answer_rows(session: TriageSession) -> list[dict[str, str]]:
    """Every answer of the session in order: ``{"finding", "label", "value"}``."""
    return [{"finding": str(f), "label": finding_label(str(f)), "value": answer_label(str(f), v, session.protocol_ids)}
            for f, v in session.answers]
