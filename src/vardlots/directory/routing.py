"""Routing: from a triage result to ordered care forms and open units, with an explanation.

    route(urgency, care_need, age_years, at, resident_listed_unit=..., postcode=..., region=...)

1. The region's published routing table (else the built-in default table, ``DEFAULT_RULES``) is
   searched for the first rule matching urgency, care need, age band, kind of day and time of
   day; it gives care forms in order of preference.
2. For every care form that is a kind of unit, the active units of that kind in the region that
   give the care to the resident's age and are open **within the urgency's maximum delay** are
   listed: the resident's listed unit first, then units open now by distance, then units opening
   later by their opening time.
3. There is always an answer: 1177 (advice round the clock) and 112 end every result, and a care
   form with no unit open in time is skipped with a sentence saying so.

Routing never lowers urgency: the result keeps the urgency it was given, a table can only name
care forms able to take that urgency (``check_rules`` refuses others), and a unit is only offered
when it opens within the urgency's maximum delay.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import dateformat, timezone, translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from vardlots.directory.holidays import is_working_day
from vardlots.directory.hours import HOURS_PREFETCH, closes_at, is_open, local, next_opening
from vardlots.directory.models import Region, RoutingRule, RoutingTable, Unit, UnitKind

# --- vocabularies ----------------------------------------------------------------------------
URGENCIES: tuple[str, ...] = ("EMERGENCY_112", "P1", "P2", "P3", "P4", "P5")  # most urgent first
URGENCY_RANK = {code: rank for rank, code in enumerate(URGENCIES)}
MAX_DELAY: dict[str, dt.timedelta] = {
    "EMERGENCY_112": dt.timedelta(0),
    "P1": dt.timedelta(hours=1),
    "P2": dt.timedelta(hours=6),
    "P3": dt.timedelta(hours=24),
    "P4": dt.timedelta(days=14),  # "days to weeks"
    "P5": dt.timedelta(days=14),  # no visit needed; a pharmacy or unit in the coming days at most
}
URGENCY_LABEL: dict[str, Promise] = {
    "EMERGENCY_112": _("call 112 now"),
    "P1": _("immediately, within an hour"),
    "P2": _("within a few hours"),
    "P3": _("within a day"),
    "P4": _("in the coming days"),
    "P5": _("self-care"),
}
CARE_NEEDS: tuple[str, ...] = (
    "ambulance", "emergency_department", "paediatric_emergency", "obstetric_emergency", "eye_emergency",
    "psychiatric_emergency", "urgent_care", "health_centre", "maternity_clinic", "dental_emergency", "dental",
    "pharmacy", "poison_information", "nurse_advice", "self_care",
)

CALL_112, NURSE_ADVICE, SELF_CARE = "call_112", "nurse_advice", "self_care"
CARE_FORM_LABEL: dict[str, Promise] = {
    CALL_112: _("Call 112"),
    UnitKind.EMERGENCY: _("Emergency department"),
    UnitKind.CHILD_EMERGENCY: _("Child emergency department"),
    UnitKind.PSYCHIATRIC_EMERGENCY: _("Psychiatric emergency"),
    UnitKind.DENTAL_EMERGENCY: _("Dental emergency"),
    UnitKind.URGENT_CARE: _("Urgent care clinic"),
    UnitKind.HEALTH_CENTRE: _("Health centre"),
    NURSE_ADVICE: _("1177 nurse advice by phone or chat"),
    UnitKind.PHARMACY: _("Pharmacy"),
    SELF_CARE: _("Self-care"),
}
CARE_FORMS: tuple[str, ...] = tuple(CARE_FORM_LABEL)
# The most urgent level each care form can take. A form may take this level or any less urgent one.
CAPABILITY: dict[str, str] = {
    CALL_112: "EMERGENCY_112",
    UnitKind.EMERGENCY: "P1",
    UnitKind.CHILD_EMERGENCY: "P1",
    UnitKind.PSYCHIATRIC_EMERGENCY: "P1",
    UnitKind.DENTAL_EMERGENCY: "P1",
    UnitKind.URGENT_CARE: "P2",
    UnitKind.HEALTH_CENTRE: "P2",
    NURSE_ADVICE: "P3",
    UnitKind.PHARMACY: "P5",
    SELF_CARE: "P5",
}
UNIT_FORMS = frozenset(k for k in CARE_FORMS if k in UnitKind.values and k != UnitKind.NURSE_ADVICE)
# Care by age a unit kind gives when the unit lists no care of its own (years; end exclusive).
KIND_AGE_BAND: dict[str, tuple[int, int | None]] = {UnitKind.CHILD_EMERGENCY: (0, 18)}
# A unit that closes sooner than this does not count as open now (nobody should be sent to a
# health centre that closes in five minutes); its next opening is used instead.
MIN_TIME_LEFT = dt.timedelta(minutes=30)
UNITS_PER_FORM = 3


def can_take(form: str, urgency: str) -> bool:
    """Can care form ``form`` take a resident of ``urgency`` without lowering it?"""
    return URGENCY_RANK[urgency] >= URGENCY_RANK[CAPABILITY[form]]


# --- rules -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    urgency: str
    forms: tuple[str, ...]
    care_need: str = ""  # "" = any
    age_from: int = 0
    age_to: int | None = None  # exclusive
    days: str = RoutingRule.Days.ANY
    time_from: dt.time = dt.time(0, 0)
    time_to: dt.time = dt.time(0, 0)  # 00:00 = midnight (end of day)

    def matches(self, urgency: str, care_need: str, age_years: int, at_local: dt.datetime) -> bool:
        if urgency != self.urgency or self.care_need not in ("", care_need):
            return False
        if age_years < self.age_from or (self.age_to is not None and age_years >= self.age_to):
            return False
        if self.days == RoutingRule.Days.WORKING and not is_working_day(at_local.date()):
            return False
        if self.days == RoutingRule.Days.OFF and is_working_day(at_local.date()):
            return False
        t = at_local.time().replace(tzinfo=None)
        end_of_day = self.time_to == dt.time(0, 0)
        return self.time_from <= t and (end_of_day or t < self.time_to)

    @property
    def catch_all(self) -> bool:
        return (self.care_need == "" and self.age_from == 0 and self.age_to is None
                and self.days == RoutingRule.Days.ANY and self.time_from == dt.time(0, 0)
                and self.time_to == dt.time(0, 0))

    def describe(self) -> str:
        age = f"{self.age_from}–{self.age_to if self.age_to is not None else ''}"
        until = "24:00" if self.time_to == dt.time(0, 0) else f"{self.time_to:%H:%M}"
        return (f"{self.urgency} {self.care_need or '*'} age {age} {self.days} "
                f"{self.time_from:%H:%M}–{until} → {', '.join(self.forms)}")

    @classmethod
    def from_model(cls, row: RoutingRule) -> Rule:
        return cls(urgency=row.urgency, forms=parse_forms(row.care_forms), care_need=row.care_need,
                   age_from=row.age_from, age_to=row.age_to, days=row.days,
                   time_from=_as_time(row.time_from), time_to=_as_time(row.time_to))


def _as_time(value: Any) -> dt.time:
    return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))


def parse_forms(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


W, OFF = RoutingRule.Days.WORKING, RoutingRule.Days.OFF
DAYTIME = {"days": W, "time_from": dt.time(8, 0), "time_to": dt.time(16, 0)}
HC, UC, ED, CED = UnitKind.HEALTH_CENTRE, UnitKind.URGENT_CARE, UnitKind.EMERGENCY, UnitKind.CHILD_EMERGENCY
PSY, DENT, PH = UnitKind.PSYCHIATRIC_EMERGENCY, UnitKind.DENTAL_EMERGENCY, UnitKind.PHARMACY

# The built-in default table: used for a region without a published table, and the first draft
# a region starts from. Order matters: the first matching rule wins.
DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("EMERGENCY_112", (CALL_112,)),
    # P1: an emergency department now (children to a child emergency department first).
    Rule("P1", (PSY, ED), care_need="psychiatric_emergency"),
    Rule("P1", (DENT, ED), care_need="dental_emergency"),
    Rule("P1", (CED, ED), age_to=18),
    Rule("P1", (ED,)),
    # P2: within hours.
    Rule("P2", (PSY, ED), care_need="psychiatric_emergency"),
    Rule("P2", (DENT, ED), care_need="dental_emergency"),
    Rule("P2", (DENT, ED), care_need="dental"),
    Rule("P2", (CED, ED), care_need="paediatric_emergency"),
    Rule("P2", (CED, ED), care_need="emergency_department", age_to=18),
    Rule("P2", (ED,), care_need="emergency_department"),
    Rule("P2", (ED,), care_need="obstetric_emergency"),
    Rule("P2", (ED,), care_need="eye_emergency"),
    Rule("P2", (HC, UC, ED), **DAYTIME),  # type: ignore[arg-type]
    Rule("P2", (UC, ED)),
    # P3: within a day.
    Rule("P3", (PSY, HC, UC), care_need="psychiatric_emergency"),
    Rule("P3", (DENT,), care_need="dental_emergency"),
    Rule("P3", (DENT,), care_need="dental"),
    Rule("P3", (ED,), care_need="emergency_department"),
    Rule("P3", (HC, UC, NURSE_ADVICE), **DAYTIME),  # type: ignore[arg-type]
    Rule("P3", (UC, HC, NURSE_ADVICE)),
    # P4: a working day in the coming days.
    Rule("P4", (DENT,), care_need="dental"),
    Rule("P4", (DENT,), care_need="dental_emergency"),
    Rule("P4", (HC, NURSE_ADVICE)),
    # P5: self-care, the pharmacy, advice from 1177.
    Rule("P5", (PH, SELF_CARE, NURSE_ADVICE), care_need="pharmacy"),
    Rule("P5", (SELF_CARE, PH, NURSE_ADVICE)),
)


def check_rules(rules: Sequence[Rule]) -> list[str]:
    """Problems with a routing table, as sentences; an empty list means it may be published."""
    errors: list[str] = []
    for n, rule in enumerate(rules, start=1):
        where = str(_("Rule %(n)s") % {"n": n})
        if rule.urgency not in URGENCY_RANK:
            errors.append(str(_("%(where)s: unknown urgency %(value)s.") % {"where": where, "value": rule.urgency}))
            continue
        if rule.care_need and rule.care_need not in CARE_NEEDS:
            errors.append(str(_("%(where)s: unknown care need %(value)s.")
                              % {"where": where, "value": rule.care_need}))
        if not rule.forms:
            errors.append(str(_("%(where)s: name at least one care form.") % {"where": where}))
        for form in rule.forms:
            if form not in CAPABILITY:
                errors.append(str(_("%(where)s: unknown care form %(value)s.") % {"where": where, "value": form}))
            elif not can_take(form, rule.urgency):
                errors.append(str(_("%(where)s: %(form)s cannot take urgency %(urgency)s; that would lower it.")
                                  % {"where": where, "form": form, "urgency": rule.urgency}))
        if len(set(rule.forms)) != len(rule.forms):
            errors.append(str(_("%(where)s: a care form is named twice.") % {"where": where}))
        if rule.urgency == "EMERGENCY_112" and rule.forms[:1] != (CALL_112,):
            errors.append(str(_("%(where)s: an emergency must be routed to 112 first.") % {"where": where}))
        if rule.age_to is not None and rule.age_to <= rule.age_from:
            errors.append(str(_("%(where)s: the age band is empty.") % {"where": where}))
        if rule.time_to != dt.time(0, 0) and rule.time_to <= rule.time_from:
            errors.append(str(_("%(where)s: the time of day ends before it starts.") % {"where": where}))
    for urgency in URGENCIES:
        if not any(r.urgency == urgency and r.catch_all for r in rules):
            errors.append(str(_("Urgency %(urgency)s needs a last rule for any care need, age, day and time, "
                                "so that routing always has an answer.") % {"urgency": urgency}))
    return errors


def published_table(region: Region | None) -> RoutingTable | None:
    if region is None:
        return None
    return RoutingTable.objects.filter(region=region, status=RoutingTable.Status.PUBLISHED).first()


def rules_of(table: RoutingTable) -> list[Rule]:
    return [Rule.from_model(r) for r in table.rules.order_by("position", "pk")]


# --- results ---------------------------------------------------------------------------------
Line = tuple[Promise, dict[str, Any]]


@dataclass(frozen=True)
class RoutedUnit:
    unit: Unit
    listed: bool
    open_now: bool
    opens_at: dt.datetime | None  # Swedish time; == at when open now
    closes_at: dt.datetime | None  # Swedish time; when open now
    distance_km: float | None


@dataclass(frozen=True)
class RoutedOption:
    care_form: str
    units: tuple[RoutedUnit, ...] = ()

    @property
    def label(self) -> Promise:
        return CARE_FORM_LABEL[self.care_form]

    @property
    def needs_unit(self) -> bool:
        return self.care_form in UNIT_FORMS


@dataclass(frozen=True)
class RoutingResult:
    urgency: str
    care_need: str
    at: dt.datetime
    table: str  # "01 v3" or "built-in"
    rule: str
    options: tuple[RoutedOption, ...]  # in order of preference; only forms with an answer
    last_resort: tuple[str, ...] = (NURSE_ADVICE, CALL_112)
    lines: tuple[Line, ...] = field(default=())

    @property
    def best_unit(self) -> RoutedUnit | None:
        for option in self.options:
            if option.units:
                return option.units[0]
        return None

    @property
    def care_forms(self) -> tuple[str, ...]:
        return tuple(o.care_form for o in self.options)

    def explanation(self, language: str | None = None) -> list[str]:
        """The explanation, sentence by sentence, in ``language`` (default: the active one)."""
        with translation.override(language or translation.get_language()):
            return [str(text) % {k: _render(v) for k, v in params.items()} for text, params in self.lines]

    @property
    def explanation_sv(self) -> list[str]:
        return self.explanation("sv")

    @property
    def explanation_en(self) -> list[str]:
        return self.explanation("en")


def _render(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return dateformat.format(local(value), "l j F H:i")
    if isinstance(value, Promise):
        return str(value)
    return str(value)


# --- geography -------------------------------------------------------------------------------
Point = tuple[float, float]


def distance_km(a: Point, b: Point) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def _digits(postcode: str) -> str:
    return "".join(c for c in postcode if c in "0123456789")


def postcode_point(postcode: str, units: Iterable[Unit]) -> Point | None:
    """An approximate position for a Swedish postcode: the mean position of the directory's units
    sharing the longest postcode prefix (5, 3 or 2 digits). No external register is needed."""
    code = _digits(postcode)
    placed = [u for u in units if u.latitude is not None and u.longitude is not None]
    for length in (5, 3, 2):
        if len(code) < length:
            continue
        near = [u for u in placed if _digits(u.postal_code)[:length] == code[:length]]
        if near:
            return (sum(u.latitude for u in near) / len(near),  # type: ignore[misc]
                    sum(u.longitude for u in near) / len(near))  # type: ignore[misc]
    return None


# --- the router --------------------------------------------------------------------------------
def _offers(unit: Unit, care_need: str, age_years: int) -> bool:
    offerings = list(unit.care_offerings.all())
    if offerings:
        return any(o.covers(care_need, age_years) for o in offerings)
    low, high = KIND_AGE_BAND.get(unit.kind, (0, None))
    return low <= age_years and (high is None or age_years < high)


def _place(unit: Unit, at: dt.datetime, deadline: dt.datetime, listed: Unit | None,
           origin: Point | None) -> RoutedUnit | None:
    open_now = is_open(unit, at)
    ends = closes_at(unit, at) if open_now else None
    if open_now and ends is not None and ends - at < MIN_TIME_LEFT:
        open_now, opens = False, next_opening(unit, ends)
    else:
        opens = local(at) if open_now else next_opening(unit, at)
    if opens is None or opens > deadline:
        return None
    distance = None
    if origin is not None and unit.latitude is not None and unit.longitude is not None:
        distance = distance_km(origin, (unit.latitude, unit.longitude))
    return RoutedUnit(unit=unit, listed=listed is not None and unit.pk == listed.pk, open_now=open_now,
                      opens_at=opens, closes_at=ends if open_now else None, distance_km=distance)


def _rank(r: RoutedUnit) -> tuple[int, int, float, dt.datetime, str]:
    assert r.opens_at is not None
    return (0 if r.listed else 1, 0 if r.open_now else 1,
            r.distance_km if r.distance_km is not None else math.inf, r.opens_at, r.unit.name)


def route(urgency: str, care_need: str, age_years: int, at: dt.datetime, resident_listed_unit: Unit | None = None,
          postcode: str = "", coordinates: Point | None = None, region: Region | None = None, *,
          rules: Sequence[Rule] | None = None, units_per_form: int = UNITS_PER_FORM) -> RoutingResult:
    """Route a triage result to care forms and open units. See the module docstring."""
    if urgency not in URGENCY_RANK:
        raise ValueError(f"unknown urgency {urgency!r}")
    if at.tzinfo is None:
        raise ValueError("route() needs a timezone-aware datetime")
    region = region or (resident_listed_unit.region if resident_listed_unit is not None else None)
    lines: list[Line] = []
    table_name, table_rules = "built-in", list(DEFAULT_RULES)
    if rules is not None:
        table_name, table_rules = "preview", list(rules)
    elif (table := published_table(region)) is not None:
        table_name, table_rules = f"{table.region.code} v{table.version}", rules_of(table)
    at_local = local(at)
    rule = next((r for r in table_rules if r.matches(urgency, care_need, age_years, at_local)), None)
    if rule is None:  # a published table always has a catch-all; this guards a broken preview
        rule = next(r for r in DEFAULT_RULES if r.matches(urgency, care_need, age_years, at_local))
        table_name = "built-in"
    lines.append((_("Your answers mean you need care %(level)s (%(code)s)."),
                  {"level": URGENCY_LABEL[urgency], "code": urgency}))
    if urgency == "EMERGENCY_112":
        lines.append((_("This may be life-threatening: call 112 now. Do not wait for an appointment."), {}))
        return RoutingResult(urgency, care_need, at_local, table_name, rule.describe(),
                             (RoutedOption(CALL_112),), (CALL_112,), tuple(lines))

    deadline = at_local + MAX_DELAY[urgency]
    candidates: list[Unit] = []
    kinds = [f for f in rule.forms if f in UNIT_FORMS]
    if kinds:
        qs = Unit.objects.filter(active=True, kind__in=kinds).select_related("region")
        if region is not None:
            qs = qs.filter(Q(region=region) | Q(pk=resident_listed_unit.pk if resident_listed_unit else None))
        candidates = list(qs.prefetch_related(*HOURS_PREFETCH, "care_offerings"))
    origin = coordinates
    if origin is None and postcode:
        origin = postcode_point(postcode, candidates)
    if origin is None and resident_listed_unit is not None and resident_listed_unit.latitude is not None:
        origin = (resident_listed_unit.latitude, resident_listed_unit.longitude)  # type: ignore[assignment]

    options: list[RoutedOption] = []
    for form in rule.forms:
        label = CARE_FORM_LABEL[form]
        if form not in UNIT_FORMS:
            options.append(RoutedOption(form))
            if form == NURSE_ADVICE:
                lines.append((_("You can get advice from a nurse at 1177 at any time, by phone or chat."), {}))
            elif form == SELF_CARE:
                lines.append((_("You can most likely take care of this yourself; read the advice."), {}))
            continue
        placed = [p for u in candidates if u.kind == form and _offers(u, care_need, age_years)
                  if (p := _place(u, at_local, deadline, resident_listed_unit, origin)) is not None]
        if not placed:
            lines.append((_("No %(form)s is open soon enough (%(level)s), so it is not suggested."),
                          {"form": _Lower(label), "level": URGENCY_LABEL[urgency]}))
            continue
        chosen = tuple(sorted(placed, key=_rank)[:units_per_form])
        options.append(RoutedOption(form, chosen))
        first = chosen[0]
        lines.append(_explain_unit(first))
    if not any(o.units for o in options) and not any(o.care_form in (NURSE_ADVICE, SELF_CARE) for o in options):
        lines.append((_("No suitable unit is open in time. Call 1177 for advice, or 112 if it is an emergency."), {}))
    lines.append((_("If you get worse, call 112. For advice at any time, call 1177."), {}))
    return RoutingResult(urgency, care_need, at_local, table_name, rule.describe(), tuple(options),
                         (NURSE_ADVICE, CALL_112), tuple(lines))


class _Lower:
    """Lower-cases a lazy label when rendered (for use inside a sentence)."""

    def __init__(self, label: Promise) -> None:
        self.label = label

    def __str__(self) -> str:
        text = str(self.label)
        return text[:1].lower() + text[1:]


def _local_time(at: dt.datetime | None, with_day: bool = False) -> str:
    """Swedish local time for explanations: "16:00", or "tisdag 08:00" when it is not today."""
    if at is None:
        return ""
    local = timezone.localtime(at)
    if with_day and local.date() != timezone.localdate():
        return date_format(local, "l H:i")
    return date_format(local, "H:i")


def _explain_unit(r: RoutedUnit) -> Line:
    params: dict[str, Any] = {"unit": r.unit.name, "closes": _local_time(r.closes_at),
                              "opens": _local_time(r.opens_at, with_day=True)}
    if r.closes_at is not None:
        if r.opens_at is not None and r.closes_at - r.opens_at >= dt.timedelta(hours=24):
            return _("%(unit)s is open now, round the clock."), params
    if r.listed and r.open_now:
        return _("%(unit)s is your listed unit and is open now, until %(closes)s."), params
    if r.listed:
        return _("%(unit)s is your listed unit; it opens %(opens)s, in time for your need."), params
    if r.open_now and r.distance_km is not None:
        params["km"] = f"{r.distance_km:.0f}"
        return _("%(unit)s is open now, until %(closes)s, about %(km)s km from you."), params
    if r.open_now:
        return _("%(unit)s is open now, until %(closes)s."), params
    return _("%(unit)s opens %(opens)s, in time for your need."), params

