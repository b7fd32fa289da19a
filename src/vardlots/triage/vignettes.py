"""Run clinical vignettes through the engine and report agreement with the expected urgency."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from vardlots.triage.engine import QuestionStep, Result, TriageError, TriageInput, next_step
from vardlots.triage.loader import ABOUT_PREFIX
from vardlots.triage.model import ContentSet, Protocol, QuestionType, Urgency, Vignette

MAX_STEPS: Final = 80

# Acceptance targets (content-format.md / DESIGN.md).
TARGET_EXACT: Final = 0.90
TARGET_MEDIAN_QUESTIONS: Final = 12
TARGET_MAX_QUESTIONS: Final = 20


@dataclass(frozen=True)
class VignetteRun:
    vignette: Vignette
    result: Result | None
    questions: int
    asked: tuple[str, ...]
    error: str | None = None

    @property
    def got(self) -> Urgency | None:
        return self.result.urgency if self.result else None

    @property
    def diff(self) -> int | None:
        """Positive = over-triage (more urgent than expected), negative = under-triage."""
        if self.result is None:
            return None
        return self.vignette.expected.rank - self.result.urgency.rank

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.vignette.id,
            "protocols": list(self.vignette.protocols),
            "expected": self.vignette.expected.value,
            "got": self.got.value if self.got else None,
            "deciding_rule": self.result.deciding_rule if self.result else None,
            "questions": self.questions,
            "asked": list(self.asked),
            "error": self.error,
        }


_NONE_OPTIONS: Final = ("none", "no", "nej", "not_measured")
# Findings many protocols ask about: having one does not make a protocol fit the person.
_GENERIC: Final = frozenset({"fever", "pregnant", "on_anticoagulants", "immunosuppressed",
                             "diabetes", "temperature", "high_risk_group", "feels_extremely_ill",
                             "wound_infection_signs", "feels_faint_pale"})


def _lay_default(q: Any) -> Any:
    """A list: nothing applies. A choice with a "no"/"none"/"not measured" option: that one (what
    someone without the problem picks). Anything else: "vet inte"."""
    if q.type is QuestionType.MULTI_CHOICE:
        return []
    if q.type is QuestionType.SINGLE_CHOICE:
        for oid in _NONE_OPTIONS:
            if q.option(oid) is not None:
                return oid
    return "unknown"


def _positive(raw: Any) -> bool:
    if raw is None or raw is False:
        return False
    if isinstance(raw, str):
        return raw.strip().lower() in ("yes", "ja", "true")
    return bool(raw)


def lay_answer(content: ContentSet, step: QuestionStep, facts: dict[str, Any]) -> Any:
    """How a person whose facts are `facts` answers `step`: the fact when there is one; "Har du
    också …": the options that are true; otherwise as a lay person answers what the case does not
    mention (yes/no "no", a list "none", a choice its "none" option, anything else "vet inte")."""
    fid = step.finding
    if fid in facts:
        return facts[fid]
    if fid == content.checklist:
        return [o.id for o in step.question.options if _positive(facts.get(o.id))]
    if step.question.type is QuestionType.YES_NO:
        return "no"
    return _lay_default(step.question)


def person_facts(content: ContentSet, v: Vignette) -> dict[str, Any]:
    """The vignette's answers as facts about the person, whichever way they come in: the
    complaint their contact reason stands for (`implied` associations), vomiting when vomiting is
    their main problem, and a fever when the case gives a measured temperature of 38 °C or more,
    or how long the fever has lasted, but does not answer the fever question."""
    facts = dict(v.answers)
    for pid in v.protocols:
        p = content.resolve_protocol(pid, v.age_days, v.sex)
        for fid in content.implied_by(p) if p is not None else ():
            facts.setdefault(fid, "yes")
    # "Gäller det dig: …?" (a contact reason offered for their words): yes for the reason they
    # picked and for any other whose complaint they have and whose rules ask about something
    # they have; no otherwise.
    own = {p.id for p in (content.resolve_protocol(pid, v.age_days, v.sex) for pid in v.protocols)
           if p is not None}
    for pid, fid in content.implied:
        if not fid.startswith(ABOUT_PREFIX) or fid in facts:
            continue
        p = content.protocols[pid]
        facts[fid] = "yes" if p.id in own or fits_person(content, p, facts) else "no"
    if facts.get("vd_main") in ("vomiting", "both"):
        facts.setdefault("vomiting", "yes")  # someone whose main problem is vomiting has vomited
    temp = facts.get("temperature")
    if isinstance(temp, int | float) and not isinstance(temp, bool) and temp >= 38.0:
        facts.setdefault("fever", "yes")
    if facts.get("fever_duration") not in (None, "unknown"):
        facts.setdefault("fever", "yes")  # how long the fever has lasted: there is a fever
    return facts


def run_vignette(content: ContentSet, v: Vignette,
                 entry: tuple[str, ...] | None = None) -> VignetteRun:
    """Run `v` through the engine, entering through `entry` (default: its own protocols)."""
    facts = person_facts(content, v)
    protocols = v.protocols if entry is None else entry
    answers: list[tuple[str, Any]] = []
    asked: list[str] = []
    mentioned: tuple[str, ...] = ()
    from vardlots.triage.search import offered_for_words

    offered = offered_for_words(content, v.text, v.age_days, v.sex) if v.text else ()
    if v.text:
        from vardlots.triage.reader import TextReader

        mentioned = tuple(TextReader.for_content(content).present(v.text))
    for _ in range(MAX_STEPS):
        inp = TriageInput(v.age_days, v.sex, protocols, tuple(answers), v.pregnant, mentioned,
                          offered=offered)
        try:
            step = next_step(content, inp)
        except TriageError as e:
            return VignetteRun(v, None, len(answers), tuple(asked), f"{e.key}: {e.message_en}")
        if isinstance(step, Result):
            return VignetteRun(v, step, len(answers), tuple(asked))
        assert isinstance(step, QuestionStep)
        fid = step.finding
        asked.append(fid)
        value = lay_answer(content, step, facts)
        answers.append((fid, value))
    return VignetteRun(v, None, len(answers), tuple(asked), "too many questions (loop?)")


@dataclass
class VignetteReport:
    runs: list[VignetteRun] = field(default_factory=list)

    @property
    def ok_runs(self) -> list[VignetteRun]:
        return [r for r in self.runs if r.result is not None]

    @property
    def errors(self) -> list[VignetteRun]:
        return [r for r in self.runs if r.error is not None]

    @property
    def exact(self) -> float:
        if not self.runs:
            return 0.0
        return sum(1 for r in self.runs if r.diff == 0) / len(self.runs)

    @property
    def within_one(self) -> float:
        if not self.runs:
            return 0.0
        return sum(1 for r in self.runs if r.diff is not None and abs(r.diff) <= 1) / len(self.runs)

    @property
    def under(self) -> list[VignetteRun]:
        return [r for r in self.runs if r.diff is not None and r.diff < 0]

    @property
    def over(self) -> list[VignetteRun]:
        return [r for r in self.runs if r.diff is not None and r.diff > 0]

    @property
    def misses(self) -> list[VignetteRun]:
        return [r for r in self.runs if r.diff != 0]

    @property
    def emergency_missed(self) -> list[VignetteRun]:
        """Vignettes expected EMERGENCY_112 or P1 that did not get that level."""
        return [r for r in self.runs
                if r.vignette.expected in (Urgency.EMERGENCY_112, Urgency.P1)
                and (r.got is None or r.got is not r.vignette.expected)]

    @property
    def under_more_than_one(self) -> list[VignetteRun]:
        return [r for r in self.runs if r.diff is None or r.diff < -1]

    @property
    def question_counts(self) -> list[int]:
        return [r.questions for r in self.ok_runs]

    @property
    def median_questions(self) -> float:
        qs = self.question_counts
        return float(statistics.median(qs)) if qs else 0.0

    @property
    def max_questions(self) -> int:
        qs = self.question_counts
        return max(qs) if qs else 0

    def per_level(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for u in Urgency.ordered():
            rs = [r for r in self.runs if r.vignette.expected is u]
            out[u.value] = {
                "n": len(rs),
                "exact": sum(1 for r in rs if r.diff == 0),
                "under": sum(1 for r in rs if r.diff is not None and r.diff < 0),
                "over": sum(1 for r in rs if r.diff is not None and r.diff > 0),
                "error": sum(1 for r in rs if r.error is not None),
            }
        return out

    def failures(self) -> list[str]:
        """Acceptance targets that are not met (empty list = all met)."""
        out: list[str] = []
        if not self.runs:
            return ["no vignettes"]
        if self.errors:
            out.append(f"{len(self.errors)} vignette(s) could not run")
        if self.emergency_missed:
            out.append(f"{len(self.emergency_missed)} EMERGENCY_112/P1 vignette(s) not given that level")
        if self.exact < TARGET_EXACT:
            out.append(f"exact agreement {self.exact:.1%} < {TARGET_EXACT:.0%}")
        bad = [r for r in self.runs if r.diff is not None and r.diff < -1]
        if bad:
            out.append(f"{len(bad)} vignette(s) under-triaged by more than one level")
        if self.median_questions > TARGET_MEDIAN_QUESTIONS:
            out.append(f"median questions {self.median_questions} > {TARGET_MEDIAN_QUESTIONS}")
        if self.max_questions > TARGET_MAX_QUESTIONS:
            out.append(f"max questions {self.max_questions} > {TARGET_MAX_QUESTIONS}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": len(self.runs),
            "exact": round(self.exact, 4),
            "within_one_level": round(self.within_one, 4),
            "under_triage": len(self.under),
            "over_triage": len(self.over),
            "errors": len(self.errors),
            "median_questions": self.median_questions,
            "max_questions": self.max_questions,
            "per_level": self.per_level(),
            "misses": [r.to_dict() for r in self.misses],
            "failures": self.failures(),
        }

    def format(self) -> str:
        lines = []
        n = len(self.runs)
        lines.append(f"Vignettes: {n}  (errors: {len(self.errors)})")
        if n == 0:
            return "\n".join(lines)
        lines.append(f"Exact agreement:   {self.exact:.1%}")
        lines.append(f"Within one level:  {self.within_one:.1%}")
        lines.append(f"Under-triage: {len(self.under)}   Over-triage: {len(self.over)}")
        lines.append(f"Questions: median {self.median_questions:g}, max {self.max_questions}")
        lines.append("")
        lines.append(f"{'expected':<14}{'n':>4}{'exact':>7}{'under':>7}{'over':>7}{'error':>7}")
        for level, d in self.per_level().items():
            if d["n"]:
                lines.append(f"{level:<14}{d['n']:>4}{d['exact']:>7}{d['under']:>7}{d['over']:>7}"
                             f"{d['error']:>7}")
        misses = self.misses
        if misses:
            lines.append("")
            lines.append("Misses:")
            for r in misses:
                got = r.got.value if r.got else "-"
                tag = ("ERROR" if r.error else "UNDER" if (r.diff or 0) < 0 else "OVER")
                where = r.vignette.location.file
                detail = r.error or f"decided by {r.result.deciding_rule if r.result else '?'}"
                lines.append(f"  {tag:<5} {r.vignette.id}: expected {r.vignette.expected.value}, "
                             f"got {got} ({detail}) [{where}]")
                if r.result is not None:
                    lines.append(f"        asked: {', '.join(r.asked) or '-'}")
        fails = self.failures()
        lines.append("")
        if fails:
            lines.append("Acceptance targets NOT met:")
            lines += [f"  - {f}" for f in fails]
        else:
            lines.append("All acceptance targets met.")
        return "\n".join(lines)


def run_vignettes(content: ContentSet, vignettes: Iterable[Vignette] | None = None) -> VignetteReport:
    report = VignetteReport()
    for v in (content.vignettes if vignettes is None else vignettes):
        report.runs.append(run_vignette(content, v))
    return report


def check_vignette_answers(content: ContentSet, vignettes: Iterable[Vignette]) -> list[str]:
    """Problems with the scripted answers (unknown finding or protocol, invalid value), without
    running the engine: what an independent writer may see without learning the results."""
    from vardlots.triage.engine import AnswerError, all_questions, validate_answer

    questions = all_questions(content)
    problems: list[str] = []
    for v in vignettes:
        where = f"{v.location.file} {v.id}"
        for pid in v.protocols:
            p = content.protocols.get(pid)
            if p is None:
                problems.append(f"{where}: unknown contact reason {pid!r}")
            elif content.resolve_protocol(pid, v.age_days, v.sex) is None:
                problems.append(f"{where}: contact reason {pid!r} is not for this age/sex")
        for fid, raw in v.answers.items():
            q = questions.get(fid)
            if q is None:
                problems.append(f"{where}: no question asks about {fid!r}")
                continue
            try:
                validate_answer(q, raw)
            except AnswerError as e:
                problems.append(f"{where}: {fid}: {e.message_en} (got {raw!r})")
    return problems


@dataclass(frozen=True)
class EntryDifference:
    vignette: Vignette
    results: dict[str, str | None]  # entry protocol -> urgency

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.vignette.id, "results": self.results}


def words(content: ContentSet, v: Vignette) -> str:
    """What the person typed to find their contact reason: the vignette's free text, else its
    own protocol's title."""
    return v.text or " ".join(content.protocols[p].title.sv for p in v.protocols
                              if p in content.protocols)


def entry_protocols(content: ContentSet, v: Vignette, limit: int = 3) -> list[str]:
    """Its own protocol and the ones the search offers for its wording (the free text, else the
    own protocol's title), resolved for the person's age and sex."""
    from vardlots.triage.search import search_index

    out = [content.resolve_protocol(v.protocols[0], v.age_days, v.sex)]
    for h in search_index(content).search(words(content, v), age_days=v.age_days, sex=v.sex,
                                          limit=limit):
        out.append(content.resolve_protocol(h.protocol_id, v.age_days, v.sex))
    facts = person_facts(content, v)
    ids: list[str] = []
    for p in out:
        if p is None or p.id in ids:
            continue
        if not _has_complaint(content, p, facts) or (ids and not fits_person(content, p, facts)):
            continue
        ids.append(p.id)
    return ids


def _has_complaint(content: ContentSet, p: Protocol, facts: Mapping[str, Any]) -> bool:
    """A protocol that stands for a complaint the person does not have does not fit them
    (nobody without a fever picks "Feber")."""
    return all(_positive(facts.get(f)) for f in content.implied_by(p)
               if not f.startswith(ABOUT_PREFIX))


def fits_person(content: ContentSet, p: Protocol, facts: Mapping[str, Any]) -> bool:
    """Whether a person with these facts could pick `p`: they have its complaint and something
    they have is what it asks about (nobody with a tummy ache and no burn picks "Brännskada")."""
    return _has_complaint(content, p, facts) and any(
        _positive(facts.get(f)) for r in p.rules for f in r.when.findings
        if f not in _GENERIC and not f.startswith(ABOUT_PREFIX))


def entry_differences(content: ContentSet, vignettes: Iterable[Vignette]) -> list[EntryDifference]:
    """Vignettes whose urgency depends on the contact reason they enter through."""
    out: list[EntryDifference] = []
    for v in vignettes:
        results: dict[str, str | None] = {}
        for pid in entry_protocols(content, v):
            r = run_vignette(content, v, (pid,))
            results[pid] = r.got.value if r.got else None
        if len(set(results.values())) > 1:
            out.append(EntryDifference(v, results))
    return out
