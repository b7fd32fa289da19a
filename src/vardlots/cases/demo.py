"""Demo data of the staff workspace: queues, phrase templates and a few waiting cases. Idempotent.

Called from ``vardlots.directory.demo.seed_demo`` after units, staff and residents exist.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from vardlots.accounts.models import Resident, StaffUser
from vardlots.cases import actions
from vardlots.cases.models import Case, CaseKind
from vardlots.chat.models import PhraseTemplate
from vardlots.directory.models import Unit, UnitKind

DEMO_CONTENT_VERSION = "demo-cases"

# (scope, holder: unit HSA-id / region code / staff username, kind, language, code, title, body)
DEMO_TEMPLATES: list[tuple[str, str, str, str, str, str, str]] = [
    ("region", "01", "care", "sv", "hej", "Hälsning",
     "Hej {first_name}! Jag heter Sara och är sjuksköterska. Jag har läst det du skrivit och har några frågor."),
    ("region", "01", "care", "en", "hej", "Greeting",
     "Hello {first_name}! My name is Sara and I am a nurse. I have read what you wrote and have a few questions."),
    ("region", "01", "care", "sv", "forsamring", "Vid försämring",
     "Om du blir sämre, ring 1177. Vid livshotande tillstånd, ring 112."),
    ("region", "01", "care", "en", "forsamring", "If you get worse",
     "If you get worse, call 1177. If it is life-threatening, call 112."),
    ("unit", "SE2321000016-DEMO01", "care", "sv", "tid", "Boka tid",
     "Vi på {unit} vill träffa dig. Ring oss i dag ({date}) under våra öppettider {hours} så bokar vi en tid."),
    ("unit", "SE2321000016-DEMO01", "care", "en", "tid", "Book a visit",
     "We at {unit} would like to see you. Call us today ({date}) during our opening hours {hours} to book."),
    ("unit", "SE2321000016-DEMO01", "admin", "sv", "faktura", "Faktura",
     "Hej {first_name}! Fakturan skickas från regionen. Hör av dig till {unit} om något ser fel ut."),
    ("region", "03", "care", "sv", "hej", "Hälsning",
     "Hej {first_name}! Jag är sjuksköterska på {unit} och har läst dina svar."),
    ("personal", "sjukskoterska", "care", "sv", "avslut", "Avslut",
     "Tack för att du hörde av dig, {first_name}. Jag avslutar nu ärendet. Hör av dig igen om något ändras."),
]

# (resident personal number suffix key, urgency, complaint, minutes ago)
DEMO_CASES: list[tuple[str, str, str, int]] = [
    ("senior", "P2", "Yrsel och trötthet", 150),
    ("child_13_plus", "P3", "Halsont sedan tre dagar", 40),
    ("uppsala", "P3", "Hosta och feber", 25),
    ("senior", "P4", "Utslag på armen", 300),
]


def _resident(key: str) -> Resident | None:
    from vardlots.directory.demo import RESIDENTS

    found = next((r for r in RESIDENTS if r.key == key), None)
    return None if found is None else Resident.objects.filter(personal_number=found.personal_number).first()


def seed_cases_demo(units: dict[str, Unit]) -> None:
    """Queues of every health centre and 1177 unit, demo templates, demo waiting cases, hand-overs."""
    for unit in units.values():
        if unit.kind in (UnitKind.HEALTH_CENTRE, UnitKind.NURSE_ADVICE):
            actions.queue_of(unit, CaseKind.CARE)
            actions.queue_of(unit, CaseKind.ADMIN)
    _seed_templates(units)
    _seed_cases(units)
    actions.schedule_hand_overs()


def _seed_templates(units: dict[str, Unit]) -> None:
    from vardlots.directory.models import Region

    for scope, holder, kind, language, code, title, body in DEMO_TEMPLATES:
        filters: dict[str, object] = {"scope": scope, "code": code, "language": language, "kind": kind}
        if scope == "unit":
            filters["unit"] = units[holder]
        elif scope == "region":
            filters["region"] = Region.objects.get(code=holder)
        else:
            owner = StaffUser.objects.filter(username=holder).first()
            if owner is None:
                continue
            filters["owner"] = owner
        if not PhraseTemplate.objects.filter(**filters).exists():
            # Demo data is written directly: the seed acts as the region's administrator.
            PhraseTemplate.objects.create(title=title, body=body, **filters)


def _seed_cases(units: dict[str, Unit]) -> None:
    from vardlots.intake.models import TriageSession

    if TriageSession.objects.filter(content_version=DEMO_CONTENT_VERSION).exists():
        return
    now = timezone.now()
    for key, urgency, complaint, minutes in DEMO_CASES:
        resident = _resident(key)
        if resident is None or resident.listed_unit is None:
            continue
        pool = actions.regional_pool_unit(resident.listed_unit.region)
        if pool is None:
            continue
        when = now - dt.timedelta(minutes=minutes)
        session = TriageSession.objects.create(
            channel=TriageSession.Channel.WEB, resident=resident, age_days=resident.age() * 365 + 100,
            sex="male" if resident.sex == "M" else "female", protocol_ids=["general"], complaint_text=complaint,
            answers=[],
            content_version=DEMO_CONTENT_VERSION, state=TriageSession.State.COMPLETED, urgency=urgency,
            care_need="nurse_advice", result={"urgency": urgency}, completed_at=when,
        )
        actions.do_create_case_from_triage(session, queue=actions.queue_of(pool, CaseKind.CARE), now=when)


def demo_case_count() -> int:
    return Case.objects.filter(triage_session__content_version=DEMO_CONTENT_VERSION).count()
