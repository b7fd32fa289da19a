"""Domain types of the triage core: urgency, care need, findings, questions, rules, protocols.

These are plain frozen dataclasses and enums. They are not API schemas or database models; the
web layer converts to and from them.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from vardlots.triage.expressions import Expression

LANGUAGES: Final = ("sv", "en")


class Urgency(enum.Enum):
    """The fixed urgency scale. `rank` 0 is the most urgent."""

    EMERGENCY_112 = "EMERGENCY_112"
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"
    P5 = "P5"

    @property
    def rank(self) -> int:
        return _URGENCY_ORDER.index(self)

    @property
    def label_sv(self) -> str:
        return _URGENCY_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _URGENCY_LABELS[self][1]

    def label(self, lang: str) -> str:
        return self.label_sv if lang == "sv" else self.label_en

    @property
    def max_delay(self) -> timedelta | None:
        """Longest acceptable delay; `None` for days–weeks (P4) and self-care (P5)."""
        return _URGENCY_DELAY[self]

    def is_more_urgent_than(self, other: Urgency) -> bool:
        return self.rank < other.rank

    def raised(self, levels: int, cap: Urgency) -> Urgency:
        """`levels` steps more urgent but never beyond `cap`; never lowers."""
        target = max(self.rank - levels, cap.rank)
        return _URGENCY_ORDER[min(target, self.rank)]

    @classmethod
    def most_urgent(cls, *items: Urgency) -> Urgency:
        return min(items, key=lambda u: u.rank)

    @classmethod
    def least_urgent(cls, *items: Urgency) -> Urgency:
        return max(items, key=lambda u: u.rank)

    @classmethod
    def ordered(cls) -> tuple[Urgency, ...]:
        return _URGENCY_ORDER


_URGENCY_ORDER: Final = (
    Urgency.EMERGENCY_112,
    Urgency.P1,
    Urgency.P2,
    Urgency.P3,
    Urgency.P4,
    Urgency.P5,
)
_URGENCY_LABELS: Final = {
    Urgency.EMERGENCY_112: ("Ring 112 nu", "Call 112 now"),
    Urgency.P1: ("Omgående", "Immediately"),
    Urgency.P2: ("Skyndsamt", "Within a few hours"),
    Urgency.P3: ("Närmaste dygnet", "Within 24 hours"),
    Urgency.P4: ("Vardag närmaste tiden", "On a weekday in the coming days"),
    Urgency.P5: ("Egenvård", "Self-care"),
}
_URGENCY_DELAY: Final[dict[Urgency, timedelta | None]] = {
    Urgency.EMERGENCY_112: timedelta(0),
    Urgency.P1: timedelta(hours=1),
    Urgency.P2: timedelta(hours=6),
    Urgency.P3: timedelta(hours=24),
    Urgency.P4: None,
    Urgency.P5: None,
}


class CareNeed(enum.Enum):
    """The capability a person needs; routing chooses the unit later."""

    AMBULANCE = "ambulance"
    EMERGENCY_DEPARTMENT = "emergency_department"
    PAEDIATRIC_EMERGENCY = "paediatric_emergency"
    OBSTETRIC_EMERGENCY = "obstetric_emergency"
    EYE_EMERGENCY = "eye_emergency"
    PSYCHIATRIC_EMERGENCY = "psychiatric_emergency"
    URGENT_CARE = "urgent_care"
    HEALTH_CENTRE = "health_centre"
    MATERNITY_CLINIC = "maternity_clinic"
    DENTAL_EMERGENCY = "dental_emergency"
    DENTAL = "dental"
    PHARMACY = "pharmacy"
    POISON_INFORMATION = "poison_information"
    NURSE_ADVICE = "nurse_advice"
    SELF_CARE = "self_care"


# Care needs that do not fit a more urgent level; used when a modifier raises the urgency.
_LOW_ACUITY_NEEDS: Final = frozenset(
    {CareNeed.SELF_CARE, CareNeed.PHARMACY, CareNeed.NURSE_ADVICE, CareNeed.HEALTH_CENTRE,
     CareNeed.MATERNITY_CLINIC, CareNeed.DENTAL, CareNeed.URGENT_CARE}
)


def care_need_after_raise(need: CareNeed, urgency: Urgency) -> CareNeed:
    """The care need to use when a modifier has raised the urgency of a result.

    Specialised needs (eye, obstetric, psychiatric, dental emergency, poison information, ...) are
    kept unless they cannot meet the new urgency; generic low-acuity needs move up to a unit that
    can see the person in time.
    """
    if urgency is Urgency.P1:
        if need in _LOW_ACUITY_NEEDS or need is CareNeed.POISON_INFORMATION:
            return CareNeed.EMERGENCY_DEPARTMENT
        if need is CareNeed.DENTAL:
            return CareNeed.DENTAL_EMERGENCY
        return need
    if urgency is Urgency.P2:
        if need is CareNeed.DENTAL:
            return CareNeed.DENTAL_EMERGENCY
        if need in _LOW_ACUITY_NEEDS and need is not CareNeed.MATERNITY_CLINIC:
            return CareNeed.URGENT_CARE
        return need
    if urgency in (Urgency.P3, Urgency.P4) and need in (
        CareNeed.SELF_CARE, CareNeed.PHARMACY, CareNeed.NURSE_ADVICE
    ):
        return CareNeed.HEALTH_CENTRE
    return need


class Sex(enum.Enum):
    FEMALE = "female"
    MALE = "male"


class ReviewState(enum.Enum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"


class QuestionType(enum.Enum):
    YES_NO = "yes_no"
    SINGLE_CHOICE = "single_choice"
    MULTI_CHOICE = "multi_choice"
    NUMBER = "number"
    DURATION = "duration"


class FindingKind(enum.Enum):
    SYMPTOM = "symptom"
    SIGN = "sign"
    RISK_FACTOR = "risk_factor"
    VITAL_SIGN = "vital_sign"
    HISTORY = "history"


@dataclass(frozen=True, slots=True)
class Text:
    """A human-readable text in Swedish and English."""

    sv: str
    en: str

    def get(self, lang: str) -> str:
        return self.sv if lang == "sv" else self.en

    def to_dict(self) -> dict[str, str]:
        return {"sv": self.sv, "en": self.en}

    @classmethod
    def join(cls, parts: list[Text], sep: str = " ") -> Text:
        return cls(sep.join(p.sv for p in parts if p.sv), sep.join(p.en for p in parts if p.en))


# ----------------------------------------------------------------------------------------------
# Answers
# ----------------------------------------------------------------------------------------------


class _Unknown:
    """The "don't know" answer (Vet inte)."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()

# A validated answer: yes_no -> bool, single_choice -> option id, multi_choice -> frozenset of
# option ids, number -> float, duration -> float hours, or UNKNOWN.
AnswerValue = bool | str | float | frozenset[str] | _Unknown


def answer_to_json(value: AnswerValue) -> Any:
    if value is UNKNOWN:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, frozenset):
        return sorted(value)
    return value


# ----------------------------------------------------------------------------------------------
# Durations and ages
# ----------------------------------------------------------------------------------------------

DAYS_PER_YEAR: Final = 365.25
DAYS_PER_MONTH: Final = 30.4375
_AGE_RE: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(d|w|m|y)\s*$")
_DURATION_RE: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(min|h|d|w)\s*$")
DURATION_UNIT_HOURS: Final = {"min": 1 / 60, "h": 1.0, "d": 24.0, "w": 168.0}


def parse_age(value: object) -> int:
    """`16y`, `3m`, `6w`, `10d` (or an integer number of years) -> whole days.

    Years and months are converted with the mean lengths (365.25 and 30.4375 days), rounded, so
    that `age_years` derived from the days gives back the same whole number.
    """
    if isinstance(value, bool):
        raise ValueError(f"not an age: {value!r}")
    if isinstance(value, int):
        return round(value * DAYS_PER_YEAR)
    if not isinstance(value, str):
        raise ValueError(f"not an age: {value!r}")
    m = _AGE_RE.match(value)
    if not m:
        raise ValueError(f"not an age (use e.g. 16y, 3m, 10d): {value!r}")
    n = float(m.group(1))
    unit = m.group(2)
    factor = {"d": 1.0, "w": 7.0, "m": DAYS_PER_MONTH, "y": DAYS_PER_YEAR}[unit]
    return round(n * factor)


def age_context(age_days: int) -> tuple[int, int, int]:
    """(age_years, age_months, age_days) as whole numbers."""
    years = math.floor((age_days + 0.5) / DAYS_PER_YEAR)
    months = math.floor((age_days + 0.5) / DAYS_PER_MONTH)
    return years, months, age_days


def parse_duration(value: object) -> float:
    """`30min`, `6h`, `2d`, `3w` or a number of hours -> hours."""
    if isinstance(value, bool):
        raise ValueError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"not a duration: {value!r}")
    m = _DURATION_RE.match(value)
    if not m:
        raise ValueError(f"not a duration (use e.g. 30min, 6h, 2d, 3w): {value!r}")
    return float(m.group(1)) * DURATION_UNIT_HOURS[m.group(2)]


def format_age(days: int) -> str:
    years, months, _ = age_context(days)
    if years >= 2:
        return f"{years}y"
    if months >= 1:
        return f"{months}m"
    return f"{days}d"


# ----------------------------------------------------------------------------------------------
# Content
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Location:
    """Where a content item was defined (for error messages)."""

    file: str
    path: str = ""

    def __str__(self) -> str:
        return f"{self.file}: {self.path}" if self.path else self.file


@dataclass(frozen=True, slots=True)
class Code:
    system: str
    code: str


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    title: str
    publisher: str
    url: str
    version: str
    location: Location


@dataclass(frozen=True, slots=True)
class Finding:
    id: str
    kind: FindingKind
    label: Text
    codes: tuple[Code, ...]
    synonyms_sv: tuple[str, ...]
    synonyms_en: tuple[str, ...]
    location: Location


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    label: Text


@dataclass(frozen=True, slots=True)
class Question:
    finding: str
    type: QuestionType
    resident: Text
    nurse: Text
    help: Text | None
    show_if: Expression | None
    options: tuple[Option, ...]
    unit: str | None
    min: float | None
    max: float | None
    step: float | None
    owner: str  # protocol id, or "shared"
    location: Location
    resident_child: Text | None = None  # asked of a guardian about the child
    resident_other: Text | None = None  # asked about another adult
    unknown_policy: str | None = None  # None: the default (ask again then present, for red flags)
    simpler: str | None = None  # the finding to ask instead after "don't know" (ask_simpler)
    # for a choice question with a yes/no `simpler`: the option a "yes" to the simpler question
    # means; a "no" means none of the options can be counted on (every comparison is false)
    simpler_yes: str | None = None
    # why a yes/no question that names several signs is one finding (a clinical pattern whose parts
    # mean the same here), when the checker would otherwise call it compound
    compound_reason: str | None = None

    def option(self, option_id: str) -> Option | None:
        for o in self.options:
            if o.id == option_id:
                return o
        return None

    @property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)

    def ruled_out_for(self, age_days: int, sex: Sex | None) -> bool:
        """True when the person's age (and sex, when known) alone make `show_if` false
        ("sex == 'female' and age_years >= 12"): the question is never asked of them."""
        if self.show_if is None:
            return False
        years, months, days = age_context(age_days)
        env: dict[str, Any] = {"age_years": years, "age_months": months, "age_days": days}
        if sex is not None:
            env["sex"] = sex.value
        return self.show_if(env) is False

    def text(self, audience: str = "resident") -> Text:
        """The wording for `audience`: nurse, self (du), child (asked of the guardian: barnet) or
        other (another adult: personen); a missing form falls back to the resident wording."""
        if audience == "nurse":
            return self.nurse
        if audience == "child" and self.resident_child is not None:
            return self.resident_child
        if audience == "other" and self.resident_other is not None:
            return self.resident_other
        return self.resident


@dataclass(frozen=True, slots=True)
class OutcomeForm:
    """A result's texts for another audience: "child" (read by a guardian: "barnet") or "other"
    (read by someone helping another adult: "personen"). A text left out is the same as the
    resident's own."""

    reason: Text | None = None
    advice: Text | None = None
    safety_net: Text | None = None


AUDIENCES: Final = ("self", "child", "other")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a rule (or a protocol default) gives."""

    urgency: Urgency
    care_need: CareNeed
    reason: Text
    advice: Text | None
    safety_net: Text | None
    sources: tuple[str, ...]
    # ("child" | "other", texts in that audience's words)
    forms: tuple[tuple[str, OutcomeForm], ...] = ()
    # (condition, texts) added to the advice and safety net when the condition is true: advice that
    # fits only some of the people the rule covers (nappies under 4, breastfeeding for infants)
    also: tuple[tuple[Expression, OutcomeForm], ...] = ()

    def form(self, audience: str) -> OutcomeForm | None:
        for a, f in self.forms:
            if a == audience:
                return f
        return None

    def texts(self, audience: str = "self") -> tuple[Text, Text | None, Text | None]:
        """(reason, advice, safety net) in the words for `audience`."""
        f = self.form(audience)
        if f is None:
            return self.reason, self.advice, self.safety_net
        return (f.reason or self.reason, f.advice or self.advice, f.safety_net or self.safety_net)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str  # qualified: "<protocol id>.<rule id>"
    local_id: str
    protocol_id: str
    index: int
    when: Expression
    outcome: Outcome
    red_flag: bool
    location: Location

    @property
    def urgency(self) -> Urgency:
        return self.outcome.urgency


@dataclass(frozen=True, slots=True)
class AgeBand:
    from_days: int
    to_days: int | None  # exclusive

    def contains(self, age_days: int) -> bool:
        return age_days >= self.from_days and (self.to_days is None or age_days < self.to_days)

    def __str__(self) -> str:
        upper = format_age(self.to_days) if self.to_days is not None else ""
        return f"{format_age(self.from_days) if self.from_days else '0d'}–{upper}"


@dataclass(frozen=True, slots=True)
class Protocol:
    id: str
    version: int
    review_state: ReviewState
    title: Text
    description: Text | None
    family: str | None
    ages: AgeBand
    sexes: frozenset[Sex]
    search_terms_sv: tuple[str, ...]
    search_terms_en: tuple[str, ...]
    questions: Mapping[str, Question]
    rules: tuple[Rule, ...]
    default: Outcome | None  # None only for the global screen
    self_care: Text | None
    is_screen: bool
    location: Location
    self_care_forms: tuple[tuple[str, Text], ...] = ()  # ("child" | "other", text)

    def self_care_for(self, audience: str = "self") -> Text | None:
        for a, t in self.self_care_forms:
            if a == audience:
                return t
        return self.self_care

    def applies_to(self, age_days: int, sex: Sex) -> bool:
        return self.ages.contains(age_days) and sex in self.sexes


@dataclass(frozen=True, slots=True)
class Modifier:
    id: str
    when: Expression
    raise_by: int
    at_least: Urgency | None
    cap: Urgency
    applies_to: frozenset[str] | None  # None = all protocols
    reason: Text
    sources: tuple[str, ...]
    location: Location

    def applies(self, protocol_ids: tuple[str, ...]) -> bool:
        return self.applies_to is None or any(p in self.applies_to for p in protocol_ids)

    def apply(self, urgency: Urgency) -> Urgency:
        """The urgency after this modifier; never lower, never EMERGENCY_112."""
        if urgency is Urgency.EMERGENCY_112:
            return urgency
        result: Urgency = urgency
        if self.raise_by:
            result = result.raised(self.raise_by, self.cap)
        if self.at_least is not None:
            target = Urgency.least_urgent(self.at_least, self.cap)
            result = Urgency.most_urgent(result, target)
        if result is Urgency.EMERGENCY_112:
            result = Urgency.P1
        return Urgency.most_urgent(result, urgency)


@dataclass(frozen=True, slots=True)
class Vignette:
    id: str
    protocols: tuple[str, ...]
    age_days: int
    sex: Sex
    pregnant: bool | None
    case: str
    answers: Mapping[str, Any]
    expected: Urgency
    why: str
    location: Location
    text: str = ""  # what the person would type (free text)
    author: str = ""
    source: str = ""


@dataclass(frozen=True, slots=True)
class SearchPhrasing:
    text: str
    expected: str
    age_days: int | None
    sex: Sex | None
    location: Location


@dataclass(frozen=True)
class ContentSet:
    """All loaded clinical content. Immutable; engine caches live in `_cache`."""

    version: str
    review_state: ReviewState
    name: Text | None
    findings: Mapping[str, Finding]
    shared_questions: Mapping[str, Question]
    sources: Mapping[str, Source]
    screen: Protocol | None
    protocols: Mapping[str, Protocol]
    modifiers: tuple[Modifier, ...]
    vignettes: tuple[Vignette, ...]
    search_phrasings: tuple[SearchPhrasing, ...]
    root: str
    # (condition, protocol id): when the known answers make the condition true, that protocol (or
    # the member of its family for the person's age and sex) joins the assessment.
    associations: tuple[tuple[Expression, str], ...] = ()
    # the "Har du också …" step: a multi_choice finding whose option ids are findings
    checklist: str | None = None
    # (protocol id, finding): picking the protocol means the person has that complaint
    implied: tuple[tuple[str, str], ...] = ()
    # declared differences (content/consistency.yaml): rule ids with the same condition in
    # different protocols that give different urgency, and the clinical reason
    declared_differences: tuple[tuple[frozenset[str], str], ...] = ()
    # the risk-factor profile (content/risk_factors.yaml): finding ids in display order
    risk_factors: tuple[str, ...] = ()
    # urgency -> (advice, safety net) that a result at that level shows when its rule has none
    level_texts: Mapping[Urgency, tuple[Text, Text]] = field(default_factory=dict)
    # (urgency, "child" | "other") -> (advice, safety net) in that audience's words
    level_forms: Mapping[tuple[Urgency, str], tuple[Text | None, Text | None]] = field(
        default_factory=dict)
    # finding id -> words people write for it (content/lexicon), for the free-text reader
    lexicon: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    _cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def family_members(self, family: str) -> list[Protocol]:
        return sorted(
            (p for p in self.protocols.values() if p.family == family),
            key=lambda p: p.ages.from_days,
        )

    def resolve_protocol(self, protocol_id: str, age_days: int, sex: Sex) -> Protocol | None:
        """The protocol to use for this person: the protocol itself if it applies, else the member
        of its family that applies; None if nothing applies."""
        p = self.protocols.get(protocol_id)
        if p is None:
            return None
        if p.applies_to(age_days, sex):
            return p
        if p.family:
            for m in self.family_members(p.family):
                if m.applies_to(age_days, sex):
                    return m
        return None

    def implied_by(self, protocol: Protocol) -> tuple[str, ...]:
        """The complaint findings that picking `protocol` means the person has (the `implied`
        associations of the protocol or of another member of its family)."""
        out: list[str] = []
        for pid, fid in self.implied:
            p = self.protocols.get(pid)
            if p is not None and (p.id == protocol.id
                                  or (protocol.family is not None and p.family == protocol.family)):
                out.append(fid)
        return tuple(out)
