"""Plain-language words for a triage result on the resident side: urgency, care form, units.

Routing to a specific open unit belongs to the directory (opening hours, routing table). Until a
region's routing table exists, ``suggest_units`` lists active units of the kinds that can give the
care needed in the resident's region, most capable first; it never suggests a less urgent level.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from vardlots.directory.models import Unit, UnitKind

URGENCY_PLAIN = {
    "EMERGENCY_112": _("Call 112 now."),
    "P1": _("You need to be assessed immediately, within an hour."),
    "P2": _("You need to be assessed within a few hours."),
    "P3": _("You need to be assessed within a day."),
    "P4": _("You need to be assessed, but it can wait until a weekday in the coming days."),
    "P5": _("You can most likely take care of this yourself with the advice below."),
}

CARE_NEED_PLAIN = {
    "ambulance": _("Ambulance"),
    "emergency_department": _("An emergency department"),
    "paediatric_emergency": _("A children's emergency department"),
    "obstetric_emergency": _("A maternity or gynaecological emergency unit"),
    "eye_emergency": _("An eye emergency unit"),
    "psychiatric_emergency": _("A psychiatric emergency unit"),
    "urgent_care": _("An urgent care clinic"),
    "health_centre": _("Your health centre"),
    "maternity_clinic": _("A midwife clinic"),
    "dental_emergency": _("An emergency dentist"),
    "dental": _("Your dentist"),
    "pharmacy": _("A pharmacy"),
    "poison_information": pgettext_lazy("care need", "The Swedish Poisons Information Centre"),
    "nurse_advice": _("A nurse at 1177"),
    "self_care": _("Self-care"),
}

# Unit kinds that can give each care need, most capable first. A more capable unit is always allowed.
UNIT_KINDS: dict[str, list[str]] = {
    "emergency_department": [UnitKind.EMERGENCY],
    "paediatric_emergency": [UnitKind.CHILD_EMERGENCY, UnitKind.EMERGENCY],
    "obstetric_emergency": [UnitKind.EMERGENCY],
    "eye_emergency": [UnitKind.EMERGENCY],
    "psychiatric_emergency": [UnitKind.PSYCHIATRIC_EMERGENCY, UnitKind.EMERGENCY],
    "urgent_care": [UnitKind.URGENT_CARE, UnitKind.EMERGENCY],
    "health_centre": [UnitKind.HEALTH_CENTRE, UnitKind.URGENT_CARE],
    "maternity_clinic": [UnitKind.HEALTH_CENTRE],
    "dental_emergency": [UnitKind.DENTAL_EMERGENCY],
    "dental": [UnitKind.DENTAL_EMERGENCY],
    "pharmacy": [UnitKind.PHARMACY],
}
CHILD_AGE_YEARS = 16


@dataclass(frozen=True)
class UnitSuggestion:
    unit: Unit
    listed: bool


def suggest_units(care_need: str, region_id: int | None, listed_unit: Unit | None, age_years: int,
                  limit: int = 4) -> list[UnitSuggestion]:
    kinds = list(UNIT_KINDS.get(care_need, []))
    if care_need == "emergency_department" and age_years < CHILD_AGE_YEARS:
        kinds = [UnitKind.CHILD_EMERGENCY, *kinds]
    if not kinds:
        return []
    suggestions: list[UnitSuggestion] = []
    if listed_unit is not None and listed_unit.kind in kinds and listed_unit.active:
        suggestions.append(UnitSuggestion(listed_unit, True))
    units: QuerySet[Unit] = Unit.objects.filter(active=True, kind__in=kinds)
    if region_id is not None:
        units = units.filter(region_id=region_id)
    ranked = sorted(units, key=lambda u: (kinds.index(u.kind), u.name))
    for unit in ranked:
        if len(suggestions) >= limit:
            break
        if listed_unit is None or unit.pk != listed_unit.pk:
            suggestions.append(UnitSuggestion(unit, False))
    return suggestions


def _chat_hours() -> tuple[dt.time, dt.time]:
    opens, closes = settings.DIGITAL_CHAT_HOURS.split("-")
    return dt.time.fromisoformat(opens), dt.time.fromisoformat(closes)


def regional_chat_open(at: dt.datetime | None = None) -> bool:
    """The regional 1177 chat (the digital entry's staffed chat) is open 08–21 every day."""
    local = timezone.localtime(at or timezone.now())
    opens, closes = _chat_hours()
    return opens <= local.time() < closes


def next_regional_chat_opening(at: dt.datetime | None = None) -> dt.datetime:
    local = timezone.localtime(at or timezone.now())
    opens, _closes = _chat_hours()
    day = local.date() if local.time() < opens else local.date() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, opens), local.tzinfo)
