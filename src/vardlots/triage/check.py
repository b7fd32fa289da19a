"""`content check`: everything that can be verified about the content without a clinician."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from vardlots.triage.engine import AnswerError, all_questions, validate_answer, wordings
from vardlots.triage.expressions import (
    COMPARE_OPS,
    BoolOp,
    Compare,
    Expression,
    Lit,
    Node,
    Not,
    Ref,
    iter_nodes,
)
from vardlots.triage.loader import SCREEN_ID, Problem, load_content_with_problems
from vardlots.triage.model import (
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    CareNeed,
    ContentSet,
    Location,
    Outcome,
    Protocol,
    Question,
    QuestionType,
    Rule,
    Sex,
    Text,
    Urgency,
    parse_age,
)

MIN_VIGNETTES: Final = 5
_ADULT_DAYS: Final = round(18 * 365.25)
# Words that speak to the person reading a result ("du", "dig", "din"): such a text needs its
# guardian ("barnet") and other-adult ("personen") forms.
_ADDRESSES_SV: Final = re.compile(r"\b(du|dig|din|ditt|dina)\b", re.IGNORECASE)
_JOINED: Final = re.compile(r"\s(eller|och|tillsammans med)\s", re.IGNORECASE)
_PARTS: Final = re.compile(r",\s*(?:eller\s|och\s)?|\s(?:eller|och|tillsammans med)\s", re.IGNORECASE)
_NAPPY: Final = re.compile(r"blöj|\bnapp(y|ies)\b", re.IGNORECASE)
_BREASTFEEDING: Final = re.compile(r"\bamm(a|ar|as|ning|ningen|ande)\b|bröstmjölk|breastfe|breast milk",
                                   re.IGNORECASE)
_PREGNANCY: Final = re.compile(r"gravid|pregnan", re.IGNORECASE)
_ABOUT_PREGNANCY: Final = re.compile(r"\bpregnan(t|cy_stage)\b|sex\s*==\s*'female'")
_NAPPY_MAX_DAYS: Final = round(4 * 365.25)
_BREASTFEEDING_MAX_DAYS: Final = round(2 * 365.25)
_PREGNANCY_FROM_DAYS: Final = round(12 * 365.25)
_AGE_BOUND: Final = re.compile(r"\bage_(years|months|days)\s*(<=|<)\s*(\d+(?:\.\d+)?)")


_DAYS_PER: Final = {"years": DAYS_PER_YEAR, "months": DAYS_PER_MONTH, "days": 1.0}
_AGE_FLOOR: Final = re.compile(r"\bage_(years|months|days)\s*(>=|>)\s*(\d+(?:\.\d+)?)")


def _lower_age_days(when: str) -> int:
    """The youngest a person covered by a condition can be (days), from an `age_… >= N` bound of
    a condition that is a plain conjunction; 0 when unbounded."""
    out = 0
    if when and " or " not in when:
        for unit, op, n in _AGE_FLOOR.findall(when):
            out = max(out, round(float(n) * _DAYS_PER[unit]) + (1 if op == ">" else 0))
    return out


def _upper_age_days(when: str, p: Protocol) -> int | None:
    """The oldest a person covered by a rule can be (days), from the protocol's ages and any
    `age_… < N` bound of a condition that is a plain conjunction; None when unbounded."""
    out = p.ages.to_days
    if when and " or " not in when:
        for unit, op, n in _AGE_BOUND.findall(when):
            days = round(float(n) * _DAYS_PER[unit]) + (1 if op == "<=" else 0)
            out = days if out is None else min(out, days)
    return out


# Missing audience forms of result texts are errors (they were warnings while the content was written).
AUDIENCE_FORMS_REQUIRED: Final = True
_NUMERIC: Final = (QuestionType.NUMBER, QuestionType.DURATION)
_CHOICE: Final = (QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE)
_MAX_SEARCH_NODES: Final = 200_000


# "Går det inte att …?", "Kan du inte …?", "Have you not …?": a "No" to these is ambiguous.
_NEGATIVE_QUESTION_SV: Final = re.compile(
    r"^\s*(går|kan|är|har|vill|orkar|får|blir|klarar|äter|dricker|kissar)\s+"
    r"(det|du|barnet|personen|han|hon|den|ni)\s+(inte|aldrig)\b", re.IGNORECASE)
_NEGATIVE_QUESTION_EN: Final = re.compile(
    r"^\s*(can't|cannot|isn't|doesn't|don't|won't|haven't|hasn't|aren't|didn't|"
    r"(have|has|can|is|are|do|does|did) (you|they|he|she|it|your child|the child) not)\b",
    re.IGNORECASE)

def _canonical(source: str) -> str:
    """A condition in a canonical form: spaces normalised, the parts of a flat `and` sorted."""
    s = " ".join(source.split())
    if " or " not in s and "(" not in s:
        s = " and ".join(sorted(part.strip() for part in s.split(" and ")))
    return s


def _ages_overlap(a: Protocol, b: Protocol) -> bool:
    a_to = a.ages.to_days if a.ages.to_days is not None else 10**9
    b_to = b.ages.to_days if b.ages.to_days is not None else 10**9
    return a.ages.from_days < b_to and b.ages.from_days < a_to and bool(a.sexes & b.sexes)


# Phrases whose presence in a result's advice ("Gör så här") contradicts its level.
_SLOW: Final = ("nästa vardag", "boka en tid", "boka tid", "inom några dagar", "inom en vecka",
                "next working day", "book an appointment", "within a few days", "within a week")
_FAST: Final = ("ring 112 nu", "åk till akuten nu", "åk till en akutmottagning nu", "call 112 now",
                "go to an emergency department now")
_CONTRADICTIONS: Final = {
    Urgency.EMERGENCY_112: _SLOW, Urgency.P1: _SLOW, Urgency.P2: _SLOW,
    Urgency.P4: _FAST, Urgency.P5: _FAST,
}


@dataclass
class CheckReport:
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def format(self) -> str:
        lines = [str(p) for p in self.problems]
        lines.append(f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)")
        return "\n".join(lines)


class _Checker:
    def __init__(self, content: ContentSet, problems: list[Problem]) -> None:
        self.c = content
        self.problems = problems
        self.reported_unknown: set[tuple[str, str]] = set()

    def err(self, loc: Location | str, message: str, path: str = "") -> None:
        if isinstance(loc, Location):
            self.problems.append(Problem("error", loc.file, path or loc.path, message))
        else:
            self.problems.append(Problem("error", loc, path, message))

    def warn(self, loc: Location | str, message: str, path: str = "") -> None:
        if isinstance(loc, Location):
            self.problems.append(Problem("warning", loc.file, path or loc.path, message))
        else:
            self.problems.append(Problem("warning", loc, path, message))

    # --- helpers ---------------------------------------------------------------------------

    def components(self) -> Iterator[Protocol]:
        if self.c.screen is not None:
            yield self.c.screen
        yield from self.c.protocols.values()

    def questions_for(self, p: Protocol) -> dict[str, Question]:
        """Questions visible in a triage of protocol `p` (screen and shared included)."""
        qs: dict[str, Question] = dict(self.c.shared_questions)
        if self.c.screen is not None:
            qs.update(self.c.screen.questions)
        qs.update(p.questions)
        return qs

    def all_questions(self) -> Iterator[Question]:
        yield from self.c.shared_questions.values()
        for p in self.components():
            yield from p.questions.values()

    def finding_types(self) -> dict[str, QuestionType]:
        types: dict[str, QuestionType] = {}
        for q in self.all_questions():
            prev = types.get(q.finding)
            if prev is not None and prev is not q.type:
                self.err(q.location, f"finding {q.finding!r} is asked as {q.type.value} here but as "
                                     f"{prev.value} elsewhere; one finding has one answer type")
            types.setdefault(q.finding, q.type)
        return types

    # --- checks ----------------------------------------------------------------------------

    def run(self) -> None:
        self.types = self.finding_types()
        self.check_sources_registry()
        for q in self.all_questions():
            self.check_question(q)
        for p in self.components():
            self.check_protocol(p)
        self.check_modifiers()
        self.check_families()
        self.check_vignettes()
        self.check_search()
        self.check_levels()
        self.check_consistency()
        self.check_unknown_policies_agree()
        self.check_compound_questions()

    def check_compound_questions(self) -> None:
        """A yes/no question that names signs the content judges less urgently on their own
        ("Svullna läppar eller nässelutslag?") has no honest answer for someone with only the
        milder part: split it into separate findings, or say why the parts mean the same here
        (`compound_reason`)."""
        from vardlots.triage.reader import TextReader

        solo: dict[str, Urgency] = {}
        comps = ([self.c.screen] if self.c.screen else []) + list(self.c.protocols.values())
        for p in comps:
            for r in p.rules:
                src = r.when.source.strip()
                if src in self.c.findings and (src not in solo or r.urgency.is_more_urgent_than(solo[src])):
                    solo[src] = r.urgency
        reader = TextReader.for_content(self.c)
        for fid, qs in wordings(self.c).items():
            if fid not in solo:
                continue
            for q in qs:
                if q.type is not QuestionType.YES_NO or q.compound_reason:
                    continue
                text = q.resident.sv
                if not _JOINED.search(text):
                    continue
                milder = sorted({f for part in _PARTS.split(text) for f in reader.present(part)
                                 if f != fid and f in solo and solo[fid].is_more_urgent_than(solo[f])})
                if milder:
                    self.err(q.location, f"yes/no question for {fid!r} ({solo[fid].value}) also names "
                                         f"{', '.join(f'{f} ({solo[f].value})' for f in milder)}: "
                                         "split the parts into their own findings, or give "
                                         "`compound_reason`")

    def check_unknown_policies_agree(self) -> None:
        """"Vet inte" means the same whichever wording asks: wordings of one finding that declare
        an unknown policy declare the same one (a wording without one takes it)."""
        for fid, qs in wordings(self.c).items():
            declared = {(q.unknown_policy, q.simpler, q.simpler_yes) for q in qs if q.unknown_policy}
            if len(declared) > 1:
                self.err(qs[0].location, f"the wordings of {fid!r} declare different unknown "
                                         f"policies: {sorted(map(str, declared))}")

    def check_sources_registry(self) -> None:
        urls: dict[str, str] = {}
        for s in self.c.sources.values():
            if s.url in urls:
                self.warn(s.location, f"source {s.id!r} has the same url as {urls[s.url]!r}; reuse ids")
            urls.setdefault(s.url, s.id)

    def check_audience_forms(self, q: Question) -> None:
        """A question that can be asked about a child needs the guardian's wording ("Har barnet
        …"), and one that can be asked about an adult needs the wording about another adult
        ("Har personen …")."""
        owner = self.c.protocols.get(q.owner)
        child = owner is None or owner.ages.from_days < _ADULT_DAYS
        adult = owner is None or owner.ages.to_days is None or owner.ages.to_days > _ADULT_DAYS
        if child and q.resident_child is None:
            self.err(q.location, f"question {q.finding!r} needs text.resident_child (asked of a "
                                 "guardian about the child)")
        if adult and q.resident_other is None:
            self.err(q.location, f"question {q.finding!r} needs text.resident_other (asked "
                                 "about another adult)")

    def _red_flag_findings(self) -> frozenset[str]:
        cached = getattr(self, "_rf_cache", None)
        if cached is None:
            comps = ([self.c.screen] if self.c.screen else []) + list(self.c.protocols.values())
            cached = frozenset(f for p in comps for r in p.rules if r.red_flag
                               for f in r.when.findings)
            self._rf_cache = cached
        return cached

    def check_question(self, q: Question) -> None:
        if q.finding not in self.c.findings:
            self.err(q.location, f"question for unknown finding {q.finding!r} (add it to content/findings)")
        if q.type in _CHOICE and len(q.options) < 2:
            self.err(q.location, "a choice question needs at least two options")
        ids = [o.id for o in q.options]
        if len(set(ids)) != len(ids):
            self.err(q.location, "duplicate option ids")
        if "unknown" in ids:
            self.err(q.location, "'unknown' is reserved for Don't know; choose another option id")
        if q.type is QuestionType.NUMBER and (q.min is None or q.max is None or q.min >= q.max):
            self.err(q.location, "a number question needs min < max")
        if q.type is QuestionType.DURATION and (q.max is None or q.max <= 0):
            self.err(q.location, "a duration question needs max (hours) > 0")
        if q.type is QuestionType.YES_NO:
            for lang, text, pat in (("sv", q.resident.sv, _NEGATIVE_QUESTION_SV),
                                    ("en", q.resident.en, _NEGATIVE_QUESTION_EN)):
                if pat.search(text):
                    self.err(q.location, f"yes/no question for {q.finding!r} is phrased negatively "
                                         f"({lang}: {text[:60]!r}): a \"Nej\" would be ambiguous; "
                                         "phrase it positively")
        self.check_audience_forms(q)
        if q.simpler_yes is not None:
            if q.type is not QuestionType.SINGLE_CHOICE or q.option(q.simpler_yes) is None:
                self.err(q.location, "`simpler_yes` must be an option of a single_choice question")
            elif self.types.get(q.simpler or "") is not QuestionType.YES_NO:
                self.err(q.location, "`simpler_yes` needs a yes/no `simpler` question")
        elif q.type in _CHOICE and q.simpler and self.types.get(q.simpler) is QuestionType.YES_NO:
            self.err(q.location, "a choice question with a yes/no `simpler` needs `simpler_yes`: "
                                 "the option a yes means")
        if q.unknown_policy == "ask_simpler":
            if not q.simpler or q.simpler == q.finding:
                self.err(q.location, "unknown_policy ask_simpler needs `simpler`: another finding")
        elif q.simpler:
            self.err(q.location, "`simpler` is only used with unknown_policy ask_simpler")
        if q.unknown_policy == "absent" and q.finding in self._red_flag_findings():
            self.err(q.location, f"unknown_policy absent on {q.finding!r}, which a red-flag rule "
                     "uses: \"don't know\" on a red flag must be asked again and then escalate")
        if q.show_if is not None:
            self.check_expr(q.show_if, q.location, f"{q.location.path}.show_if",
                            self.c.protocols.get(q.owner) or self.c.screen)

    def check_consistency(self) -> None:
        """The same answers should give the same urgency whichever protocol asks: rules with the
        same condition in protocols that can apply to the same person must give the same urgency,
        or the difference is declared with its clinical reason in content/consistency.yaml."""
        groups: dict[str, list[tuple[Protocol, Rule]]] = {}
        for p in self.c.protocols.values():
            for r in p.rules:
                if r.when.findings:
                    groups.setdefault(_canonical(r.when.source), []).append((p, r))
        declared = {rid: ids for ids, _reason in self.c.declared_differences for rid in ids}
        all_ids = {r.id for p in self.c.protocols.values() for r in p.rules}
        for rid in sorted(declared.keys() - all_ids):
            self.err(Location("content/consistency.yaml", "differences"),
                     f"declared rule {rid!r} does not exist")
        for cond, members in sorted(groups.items()):
            for i, (pa, ra) in enumerate(members):
                for pb, rb in members[i + 1:]:
                    if pa.id == pb.id or ra.urgency is rb.urgency or not _ages_overlap(pa, pb):
                        continue
                    if rb.id in declared.get(ra.id, frozenset()):
                        continue
                    self.err(rb.location, f"same condition {cond!r} gives {ra.urgency.value} in "
                                          f"{ra.id} but {rb.urgency.value} in {rb.id}: align them "
                                          "or declare the difference with its clinical reason in "
                                          "content/consistency.yaml")

    def check_levels(self) -> None:
        """Every level has advice and a safety net to fall back on (content/levels.yaml), so every
        result at every level shows all three parts."""
        where = Location("content/levels.yaml", "levels")
        for u in Urgency.ordered():
            texts = self.c.level_texts.get(u)
            if texts is None:
                self.err(where, f"level {u.value} needs advice and safety_net (content/levels.yaml)")
                continue
            self.check_level_wording(u, texts[0], where, f"levels.{u.value}.advice")
            for aud in ("child", "other"):
                form = self.c.level_forms.get((u, aud))
                for i, key in enumerate(("advice", "safety_net")):
                    if _ADDRESSES_SV.search(texts[i].sv) and (form is None or form[i] is None):
                        self.report(where, f"levels.{u.value}.{key} speaks to the person and "
                                           f"needs {aud}.{key}")

    def check_level_wording(self, u: Urgency, advice: Text | None, loc: Location, what: str) -> None:
        """Advice must not contradict its level ("Omgående" with "boka tid nästa vardag")."""
        if advice is None:
            return
        words = _CONTRADICTIONS.get(u, ())
        for lang, text in (("sv", advice.sv), ("en", advice.en)):
            low = text.lower()
            for phrase in words:
                if phrase in low:
                    self.err(loc, f"{what}: the advice says {phrase!r} ({lang}), which contradicts "
                                  f"{u.value}")

    def check_outcome(self, o: Outcome, loc: Location, what: str) -> None:
        self.check_level_wording(o.urgency, o.advice, loc, what)
        u, n = o.urgency, o.care_need
        if u is Urgency.EMERGENCY_112 and n is not CareNeed.AMBULANCE:
            self.err(loc, f"{what}: EMERGENCY_112 needs care_need ambulance (got {n.value})")
        if n is CareNeed.AMBULANCE and u is not Urgency.EMERGENCY_112:
            self.err(loc, f"{what}: care_need ambulance needs urgency EMERGENCY_112 (got {u.value})")
        if u is Urgency.P5 and n not in (CareNeed.SELF_CARE, CareNeed.PHARMACY):
            self.err(loc, f"{what}: P5 needs care_need self_care or pharmacy (got {n.value})")
        if n is CareNeed.SELF_CARE and u is not Urgency.P5:
            self.err(loc, f"{what}: care_need self_care needs urgency P5 (got {u.value})")
        if u in (Urgency.EMERGENCY_112, Urgency.P4, Urgency.P5) and o.advice is None:
            self.err(loc, f"{what}: advice {{sv, en}} is required for {u.value}")
        if u in (Urgency.P3, Urgency.P4, Urgency.P5) and o.safety_net is None:
            self.err(loc, f"{what}: safety_net {{sv, en}} is required for {u.value}")
        if not o.sources:
            self.err(loc, f"{what}: at least one source is required")
        for s in o.sources:
            if s not in self.c.sources:
                self.err(loc, f"{what}: unknown source {s!r} (add it to content/sources)")

    def audiences(self, p: Protocol, when: str = "") -> tuple[str, ...]:
        """Who else may read a result of `p` (of a rule with condition `when`): a guardian
        ("child") when it can apply to someone under 18, someone helping another adult ("other")
        when it can apply to an adult."""
        out: list[str] = []
        upper = _upper_age_days(when, p)
        if max(p.ages.from_days, _lower_age_days(when)) < _ADULT_DAYS:
            out.append("child")
        if upper is None or upper > _ADULT_DAYS:
            out.append("other")
        return tuple(out)

    def check_outcome_audience(self, p: Protocol, o: Outcome, loc: Location, what: str,
                               when: str = "") -> None:
        """A result text that speaks to the person ("Ring 112 om du blir andfådd") needs the
        words for each other audience that can read it (`child:`/`other:` with the same keys)."""
        for aud in self.audiences(p, when):
            form = o.form(aud)
            for key in ("reason", "advice", "safety_net"):
                t = getattr(o, key)
                if t is None or not _ADDRESSES_SV.search(t.sv):
                    continue
                if form is None or getattr(form, key) is None:
                    reader = ("a guardian about the child" if aud == "child"
                              else "someone about another adult")
                    self.report(loc, f"{what}: {key} speaks to the person ({t.sv[:50]!r}…) and "
                                     f"needs {aud}.{key} (read by {reader})")

    def check_outcome_fits(self, p: Protocol, o: Outcome, when: str, loc: Location,
                           what: str) -> None:
        """Advice must fit everyone the rule covers: nappies only under 4, breastfeeding a child
        only under 2, pregnancy in the advice only where the rule is about a pregnancy. Put what
        fits some of them under `also:` with a condition that says whom."""
        upper = _upper_age_days(when, p)
        self._check_fits(p, o.reason, o.advice, o.safety_net, when, upper, loc, what, "self")
        for aud, f in o.forms:
            self._check_fits(p, f.reason, f.advice, f.safety_net, when, upper, loc,
                             f"{what} {aud}", aud)
        for i, (w, f) in enumerate(o.also):
            self.check_expr(w, loc, f"{loc.path}.also[{i}].when", p)
            own = _upper_age_days(w.source, p)
            both = own if upper is None else upper if own is None else min(upper, own)
            self._check_fits(p, None, f.advice, f.safety_net, f"({when}) and ({w.source})", both,
                             loc, f"{what} also[{i}]", "self")

    def _check_fits(self, p: Protocol, reason: Text | None, advice: Text | None,
                    safety_net: Text | None, when: str, upper: int | None, loc: Location,
                    what: str, audience: str) -> None:
        child_patient = audience == "child" or (p.ages.to_days is not None
                                                and p.ages.to_days <= _ADULT_DAYS)
        for key, t in (("advice", advice), ("safety_net", safety_net), ("reason", reason)):
            if t is None:
                continue
            both = f"{t.sv} {t.en}"
            if _NAPPY.search(both) and (upper is None or upper > _NAPPY_MAX_DAYS):
                self.err(loc, f"{what}: {key} mentions nappies but the rule covers children of 4 "
                              "and older: put it under `also:` with an age condition")
            if child_patient and _BREASTFEEDING.search(both) and (
                    upper is None or upper > _BREASTFEEDING_MAX_DAYS):
                self.err(loc, f"{what}: {key} mentions breastfeeding but the rule covers children "
                              "of 2 and older: put it under `also:` with an age condition")
            # (a reason may name pregnancy among the causes; self-care may name it among the
            # groups who should ask the pharmacy first)
            general = key == "reason" or what.startswith("self_care")
            if not general and _PREGNANCY.search(both) and not _ABOUT_PREGNANCY.search(when) \
                    and (Sex.MALE in p.sexes or p.ages.from_days < _PREGNANCY_FROM_DAYS):
                self.err(loc, f"{what}: {key} speaks of pregnancy but the rule also covers men or "
                              "children under 12: put it under `also:` with `pregnant` in the "
                              "condition")

    def report(self, loc: Location, message: str) -> None:
        (self.err if AUDIENCE_FORMS_REQUIRED else self.warn)(loc, message)

    def check_protocol(self, p: Protocol) -> None:
        qs = self.questions_for(p)
        for aud, t in (("self", p.self_care), *p.self_care_forms):
            if t is not None:
                self._check_fits(p, None, t, None, "", p.ages.to_days, p.location,
                                 "self_care" if aud == "self" else f"self_care_{aud}", aud)
        if p.self_care is not None and _ADDRESSES_SV.search(p.self_care.sv):
            have = {a for a, _t in p.self_care_forms}
            for aud in self.audiences(p):
                if aud not in have:
                    self.report(p.location, f"self_care speaks to the person and needs "
                                            f"self_care_{aud}")
        if not p.is_screen:
            if p.default is None:
                self.err(p.location, "a protocol needs a default outcome", "default")
            else:
                self.check_outcome(p.default, p.location, "default")
                self.check_outcome_audience(p, p.default, p.location, "default")
                self.check_outcome_fits(p, p.default, "", p.location, "default")
                if p.default.urgency is Urgency.EMERGENCY_112:
                    self.err(p.location, "the default must not be EMERGENCY_112", "default")
            if not p.rules:
                self.warn(p.location, "protocol has no rules (only its default)")
            if p.ages.to_days is not None and p.ages.to_days <= p.ages.from_days:
                self.err(p.location, "applies.age_to must be greater than age_from", "applies")
        for r in p.rules:
            self.check_outcome(r.outcome, r.location, f"rule {r.local_id}")
            self.check_outcome_audience(p, r.outcome, r.location, f"rule {r.local_id}",
                                        r.when.source)
            self.check_outcome_fits(p, r.outcome, r.when.source, r.location, f"rule {r.local_id}")
            self.check_expr(r.when, r.location, f"{r.location.path}.when", p)
            for f in r.when.findings:
                if f not in self.c.findings:
                    continue  # reported by check_expr
                if f not in qs and not (f == "pregnant"):
                    self.err(r.location, f"finding {f!r} has no question in this protocol, the "
                                         "red-flag screen or content/questions")
            if not self.satisfiable(r.when, p, qs):
                self.err(r.location, f"rule {r.local_id} can never be true for anyone this protocol "
                                     f"applies to ({p.ages}, {'/'.join(sorted(s.value for s in p.sexes))})")
        used: set[str] = set()
        for r in p.rules:
            used.update(r.when.findings)
        for m in self.c.modifiers:
            if p.is_screen or m.applies((p.id,)):
                used.update(m.when.findings)
        changed = True
        while changed:
            changed = False
            for f in list(used):
                q = qs.get(f)
                if q is not None and q.show_if is not None:
                    for g in q.show_if.findings:
                        if g not in used:
                            used.add(g)
                            changed = True
                if q is not None and q.simpler and q.simpler not in used:
                    used.add(q.simpler)  # asked instead after "don't know"
                    changed = True
        for q in p.questions.values():
            if q.finding not in used:
                self.warn(q.location, f"question {q.finding!r} is never asked: no rule, modifier "
                                      "or show_if of this protocol needs it")
            elif q.show_if is not None and not self.satisfiable(q.show_if, p, qs):
                self.err(q.location, f"question {q.finding!r} can never be asked: its show_if "
                                     "is never true for anyone this protocol applies to")

    def check_modifiers(self) -> None:
        for m in self.c.modifiers:
            self.check_expr(m.when, m.location, f"{m.location.path}.when", None)
            for s in m.sources:
                if s not in self.c.sources:
                    self.err(m.location, f"unknown source {s!r}")
            if not m.sources:
                self.err(m.location, "at least one source is required")
            if m.raise_by == 0 and m.at_least is None:
                self.err(m.location, "a modifier needs raise_by or at_least")
            if m.at_least is not None and m.at_least.is_more_urgent_than(m.cap):
                self.warn(m.location, f"at_least {m.at_least.value} is above the cap {m.cap.value}")
            if m.applies_to is not None:
                missing = sorted(pid for pid in m.applies_to if pid not in self.c.protocols)
                if missing:
                    self.warn(m.location, f"applies_to names protocols that do not exist (yet): "
                                          f"{', '.join(missing)}")
            shared = dict(self.c.shared_questions)
            if self.c.screen is not None:
                shared.update(self.c.screen.questions)
            for f in m.when.findings:
                if f in self.c.findings and f not in shared:
                    targets = [p for p in self.c.protocols.values() if m.applies((p.id,))]
                    missing = [p.id for p in targets if f not in p.questions]
                    if missing:
                        self.err(m.location, f"finding {f!r} has no shared question and is not "
                                             f"asked in: {', '.join(missing[:8])}")

    def check_families(self) -> None:
        fams: dict[str, list[Protocol]] = {}
        for p in self.c.protocols.values():
            if p.family:
                fams.setdefault(p.family, []).append(p)
        for fam, members in sorted(fams.items()):
            members.sort(key=lambda p: p.ages.from_days)
            for a, b in itertools.pairwise(members):
                if a.ages.to_days is None or a.ages.to_days > b.ages.from_days:
                    self.err(b.location, f"family {fam!r}: {a.id} ({a.ages}) overlaps {b.id} ({b.ages})",
                             "applies")
                elif a.ages.to_days < b.ages.from_days:
                    self.err(b.location, f"family {fam!r}: gap between {a.id} ({a.ages}) and "
                                         f"{b.id} ({b.ages})", "applies")
            if members and members[0].ages.from_days != 0:
                self.warn(members[0].location, f"family {fam!r} does not start at age 0d "
                                               f"(first member {members[0].id} {members[0].ages})")

    def check_vignettes(self) -> None:
        count: dict[str, int] = {pid: 0 for pid in self.c.protocols}
        for v in self.c.vignettes:
            protos = []
            for pid in v.protocols:
                p = self.c.protocols.get(pid)
                if p is None:
                    self.err(v.location, f"vignette {v.id}: unknown protocol {pid!r}")
                    continue
                count[pid] += 1
                if not p.applies_to(v.age_days, v.sex):
                    self.err(v.location, f"vignette {v.id}: protocol {pid} does not apply to "
                                         f"{v.sex.value} aged {v.age_days} days ({p.ages})")
                protos.append(p)
            qs: dict[str, Question] = dict(self.c.shared_questions)
            if self.c.screen is not None:
                qs.update(self.c.screen.questions)
            for p in reversed(protos):
                qs.update(p.questions)
            for fid, raw in v.answers.items():
                if fid not in self.c.findings:
                    self.err(v.location, f"vignette {v.id}: answer for unknown finding {fid!r}")
                    continue
                # a fact about the person: its own protocols' wording first, else any wording in
                # the content (another protocol can join the assessment and ask it)
                q = qs.get(fid) or all_questions(self.c).get(fid)
                if q is None:
                    self.err(v.location, f"vignette {v.id}: finding {fid!r} is not asked by any "
                                         f"question in the content")
                    continue
                try:
                    validate_answer(q, raw)
                except AnswerError as e:
                    self.err(v.location, f"vignette {v.id}: answer {fid}={raw!r}: {e.message_en}")
        for pid, n in sorted(count.items()):
            if n < MIN_VIGNETTES:
                p = self.c.protocols[pid]
                self.err(p.location, f"protocol {pid} has {n} vignette(s); at least {MIN_VIGNETTES} "
                                     f"are required (content/vignettes/{pid}.yaml)")

    def check_search(self) -> None:
        for ph in self.c.search_phrasings:
            if ph.expected != "none" and ph.expected not in self.c.protocols:
                self.err(ph.location, f"phrasing {ph.text!r}: unknown protocol {ph.expected!r}")

    # --- expressions -----------------------------------------------------------------------

    def check_expr(self, e: Expression, loc: Location, path: str, p: Protocol | None) -> None:
        for n in iter_nodes(e.ast):
            if isinstance(n, Ref) and not n.is_context and n.name not in self.c.findings:
                key = (loc.file, n.name)
                if key in self.reported_unknown:
                    continue
                self.reported_unknown.add(key)
                self.err(loc, f"unknown finding {n.name!r} in {e.source!r} (add it to "
                              "content/findings; reported once per file)", path)
        self._type_bool(e.ast, e, loc, path)

    def _type_bool(self, n: Node, e: Expression, loc: Location, path: str) -> None:
        """`n` is used as a truth value."""
        if isinstance(n, BoolOp):
            for c in n.operands:
                self._type_bool(c, e, loc, path)
        elif isinstance(n, Not):
            self._type_bool(n.operand, e, loc, path)
        elif isinstance(n, Ref):
            if n.is_context:
                self.err(loc, f"{n.name} needs a comparison, e.g. {n.name} >= 18", path)
                return
            t = self.types.get(n.name)
            if t is not None and t is not QuestionType.YES_NO:
                self.err(loc, f"{n.name!r} is a {t.value} finding; a bare id means 'answered "
                              f"yes' and only fits yes_no (use ==, in, has or a comparison)", path)
        elif isinstance(n, Lit):
            self.warn(loc, f"constant {n.value!r} used as a condition", path)
        else:
            self._type_compare(n, e, loc, path)

    def _type_compare(self, n: Compare, e: Expression, loc: Location, path: str) -> None:
        left, right = n.left, n.right
        if isinstance(left, Lit) and isinstance(right, Ref):
            left, right = right, left
        if not isinstance(left, Ref):
            self.err(loc, f"comparison must have a finding or context variable on one side in "
                          f"{e.source!r}", path)
            return
        if not isinstance(right, Lit):
            self.err(loc, f"compare {left.name} with a literal value in {e.source!r}", path)
            return
        op = n.op
        if left.name in ("age_years", "age_months", "age_days"):
            if op not in COMPARE_OPS or right.kind not in ("number", "duration"):
                self.err(loc, f"{left.name} is a number; compare it with a number", path)
            return
        if left.name == "sex":
            vals = right.value if right.kind == "list" else (right.value,)
            if op not in ("==", "!=", "in") or any(v not in ("female", "male") for v in vals):
                self.err(loc, "sex compares with 'female' or 'male' using == or !=", path)
            return
        t = self.types.get(left.name)
        if t is None:
            return  # no question: reported elsewhere
        if op in ("<", "<=", ">", ">="):
            if t not in _NUMERIC:
                self.err(loc, f"{left.name!r} is {t.value}; {op} needs a number or duration finding", path)
            elif right.kind not in ("number", "duration"):
                self.err(loc, f"{left.name!r} must be compared with a number", path)
            elif t is QuestionType.NUMBER and right.kind == "duration":
                self.err(loc, f"{left.name!r} is a number finding; do not use a duration literal", path)
            elif t is QuestionType.DURATION and right.kind == "number":
                self.warn(loc, f"{left.name!r} is a duration; write a unit (e.g. 48h, 2d) "
                               f"instead of the bare number {right.value:g} (read as hours)", path)
            return
        if op in ("==", "!=", "in", "has"):
            if t in _NUMERIC:
                if op in ("==", "!="):
                    self.warn(loc, f"exact comparison of the number {left.name!r}; prefer >= or <", path)
                    return
                self.err(loc, f"{op} does not apply to the number finding {left.name!r}", path)
                return
            if op == "has" and t is not QuestionType.MULTI_CHOICE:
                self.err(loc, f"'has' is for multi_choice findings; {left.name!r} is {t.value} "
                              f"(use == or in)", path)
            values = right.value if right.kind == "list" else (right.value,)
            if t is QuestionType.YES_NO:
                for v in values:
                    if v not in ("yes", "no"):
                        self.err(loc, f"{left.name!r} is yes_no; compare with 'yes' or 'no'", path)
                return
            options = self.option_ids(left.name)
            for v in values:
                if not isinstance(v, str) or v not in options:
                    self.err(loc, f"option {v!r} does not exist for {left.name!r} "
                                  f"(options: {', '.join(sorted(options))})", path)

    def option_ids(self, finding: str) -> set[str]:
        out: set[str] = set()
        for q in self.all_questions():
            if q.finding == finding:
                out.update(q.option_ids)
        return out

    # --- reachability ----------------------------------------------------------------------

    def satisfiable(self, e: Expression, p: Protocol | None, qs: Mapping[str, Question]) -> bool:
        """Can `e` be true for some person this protocol applies to, with some answers that the
        questions' `show_if` conditions allow? Backtracking with three-valued pruning."""
        variables: list[str] = []

        def add(f: str) -> None:
            if f in variables:
                return
            variables.append(f)
            q = qs.get(f)
            if q is not None and q.show_if is not None:
                for g in q.show_if.findings:
                    add(g)

        for f in e.findings:
            add(f)
        domains = {f: self.domain(f, e, qs) for f in variables}
        contexts = list(self.contexts(e, p, qs, variables))
        budget = [_MAX_SEARCH_NODES]

        def consistent(env: dict[str, Any]) -> bool:
            for f in variables:
                if env.get(f) is None:
                    continue
                q = qs.get(f)
                if q is not None and q.show_if is not None and q.show_if(env) is not True:
                    return False
            return True

        def search(env: dict[str, Any], i: int) -> bool:
            budget[0] -= 1
            if budget[0] < 0:
                return True  # too large to decide: assume reachable
            v = e(env)
            if v is False:
                return False
            if v is True and consistent(env):
                return True
            if i >= len(variables):
                return False
            f = variables[i]
            for val in domains[f]:
                if val is None:
                    env.pop(f, None)
                else:
                    env[f] = val
                if search(env, i + 1):
                    return True
            env.pop(f, None)
            return False

        for ctx in contexts:
            if search(dict(ctx), 0):
                return True
        return False

    def domain(self, f: str, e: Expression, qs: Mapping[str, Question]) -> list[Any]:
        q = qs.get(f)
        if q is None:
            return [None, True, False] if f == "pregnant" else [None]
        if q.type is QuestionType.YES_NO:
            return [True, False, None]
        if q.type is QuestionType.SINGLE_CHOICE:
            return [*q.option_ids, None]
        if q.type is QuestionType.MULTI_CHOICE:
            ids = q.option_ids
            out: list[Any] = [frozenset({i}) for i in ids]
            out += [frozenset(ids), frozenset(), None]
            return out
        lits: set[float] = set()
        for n in iter_nodes(e.ast):
            if isinstance(n, Compare) and isinstance(n.right, Lit) and isinstance(n.left, Ref) \
                    and n.left.name == f and isinstance(n.right.value, float):
                lits.add(n.right.value)
            if isinstance(n, Compare) and isinstance(n.left, Lit) and isinstance(n.right, Ref) \
                    and n.right.name == f and isinstance(n.left.value, float):
                lits.add(n.left.value)
        vals: set[float] = set()
        lo = q.min if q.min is not None else 0.0
        hi = q.max if q.max is not None else 1e6
        vals.update({lo, hi})
        for x in lits:
            for d in (-0.5, 0.0, 0.5):
                if lo <= x + d <= hi:
                    vals.add(x + d)
        return [*sorted(vals), None]

    def contexts(self, e: Expression, p: Protocol | None, qs: Mapping[str, Question],
                 variables: list[str]) -> Iterator[dict[str, Any]]:
        from vardlots.triage.model import age_context

        lo = p.ages.from_days if p else 0
        hi = (p.ages.to_days - 1) if (p and p.ages.to_days is not None) else parse_age("100y")
        ages: set[int] = {lo, hi}
        exprs = [e] + [q.show_if for f in variables if (q := qs.get(f)) and q.show_if]
        for ex in exprs:
            for n in iter_nodes(ex.ast):
                if isinstance(n, Compare) and isinstance(n.left, Ref) and isinstance(n.right, Lit) \
                        and isinstance(n.right.value, float):
                    unit = {"age_years": "y", "age_months": "m", "age_days": "d"}.get(n.left.name)
                    if unit:
                        x = n.right.value
                        if n.right.kind == "duration":
                            x = x / 24
                            unit = "d"
                        base = parse_age(f"{max(x, 0):g}{unit}")
                        ages.update({base - 1, base, base + 1})
        sexes = sorted(p.sexes if p else set(Sex), key=lambda s: s.value)
        for a in sorted(ages):
            if a < lo or a > hi:
                continue
            y, m, d = age_context(a)
            for s in sexes:
                yield {"age_years": y, "age_months": m, "age_days": d, "sex": s.value}


def check_content(content_dir: str | Path | None = None, protocol: str | None = None,
                  loaded: tuple[ContentSet, list[Problem]] | None = None) -> CheckReport:
    """Load and check the content; `protocol` limits the report to one protocol's files plus the
    shared files. `loaded` reuses the result of `load_content_with_problems`."""
    content, problems = loaded if loaded is not None else load_content_with_problems(content_dir)
    problems = list(problems)
    _Checker(content, problems).run()
    if protocol is not None:
        own = {f"protocols/{protocol}.yaml", f"vignettes/{protocol}.yaml"}
        def keep(pr: Problem) -> bool:
            if "/protocols/" in "/" + pr.file or "/vignettes/" in "/" + pr.file:
                return any(pr.file.endswith(o) for o in own) or (protocol in pr.message)
            return "/search/" not in "/" + pr.file or protocol in pr.message
        problems = [p for p in problems if keep(p)]
        if protocol not in content.protocols and protocol != SCREEN_ID:
            problems.append(Problem("error", f"protocols/{protocol}.yaml", "", "no such protocol"))
    seen: set[tuple[str, str, str, str]] = set()
    unique = []
    for p in problems:
        k = (p.severity, p.file, p.location, p.message)
        if k not in seen:
            seen.add(k)
            unique.append(p)
    return CheckReport(unique)
