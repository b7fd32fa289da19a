"""Plain-language words for a triage result on the resident side, and the regional chat's hours.

Which care form and which open unit is the directory's routing (``vardlots.directory.routing``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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
