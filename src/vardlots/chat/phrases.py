"""Phrase templates: which ones a member of staff may use in a case, and filling in placeholders.

Placeholders (the same in Swedish and English templates)::

    {first_name}  the resident's first name
    {unit}        the name of the unit whose queue the case is in
    {hours}       that unit's chat hours today (or its visiting hours when it has no chat hours)
    {date}        today's date in Swedish time

An unknown placeholder is left as written, so a typo shows instead of vanishing.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from vardlots.chat.models import PhraseTemplate, TemplateScope

if TYPE_CHECKING:
    from vardlots.accounts.models import StaffUser
    from vardlots.cases.models import Case

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
PLACEHOLDERS = ("first_name", "unit", "hours", "date")


def templates_for(staff: StaffUser, case: Case, *, language: str | None = None) -> QuerySet[PhraseTemplate]:
    """Templates usable in ``case``: the staff member's own, the case unit's and the case region's,
    of the case's kind (care, or the administrative staff's own)."""
    unit = case.queue.unit
    qs = PhraseTemplate.objects.filter(
        Q(scope=TemplateScope.PERSONAL, owner=staff) | Q(scope=TemplateScope.UNIT, unit=unit)
        | Q(scope=TemplateScope.REGION, region_id=unit.region_id), kind=case.kind)
    if language:
        qs = qs.filter(language=language)
    return qs.order_by("code", "scope", "pk")


def values_for(case: Case, now: dt.datetime | None = None) -> dict[str, str]:
    from vardlots.directory import hours
    from vardlots.directory.models import Channel

    now = now or timezone.now()
    unit = case.queue.unit
    today = hours.local(now).date()
    channel = Channel.CHAT if hours.has_hours(unit, Channel.CHAT) else Channel.VISIT
    opening = hours.hours_text(unit, today, channel)
    return {
        "first_name": case.resident.given_name,
        "unit": unit.name,
        "hours": ", ".join(opening) if opening else _("closed today"),
        "date": formats.date_format(today, "j F Y"),
    }


def fill(body: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def rendered_for(staff: StaffUser, case: Case, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The templates for ``case`` with placeholders filled, as the page and the script use them."""
    values = values_for(case, now)
    return [{"id": t.pk, "code": t.code, "title": t.title, "language": t.language, "scope": t.scope,
             "text": fill(t.body, values)} for t in templates_for(staff, case)]
