"""The triage engine: which question to ask next, and the result when nothing can change it.

Pure and deterministic: `next_step(content, TriageInput)` looks only at its arguments. The caller
keeps the ordered list of answers and calls again after each answer.

See docs/triage/engine.md for how it decides.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from vardlots.triage.expressions import BoolOp as _BoolOp
from vardlots.triage.expressions import Compare as _Compare
from vardlots.triage.expressions import Lit as _Lit
from vardlots.triage.expressions import Node
from vardlots.triage.expressions import Not as _Not
from vardlots.triage.expressions import Ref as _Ref
from vardlots.triage.model import (
    UNKNOWN,
    AnswerValue,
    CareNeed,
    ContentSet,
    Modifier,
    Outcome,
    Protocol,
    Question,
    QuestionType,
    Rule,
    Sex,
    Text,
    Urgency,
    age_context,
    answer_to_json,
    care_need_after_raise,
    parse_duration,
)
from vardlots.triage.timeexpr import parse_time_expression

ENGINE_VERSION: Final = "2"
CHILD_ANSWERED_BY_GUARDIAN_DAYS: Final = round(13 * 365.25)
ESCALATION_NOTE: Final = "escalated: answered don't know twice"

_YES: Final = frozenset({"yes", "ja", "y", "j", "true"})
_NO: Final = frozenset({"no", "nej", "n", "false"})
_UNKNOWN_WORDS: Final = frozenset({"unknown", "vet inte", "don't know", "dont know", "dont_know",
                                   "vet_inte", "?"})


# ----------------------------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------------------------


class TriageError(ValueError):
    """An input the engine cannot use (unknown protocol, protocol not for this age/sex, ...)."""

    def __init__(self, key: str, message_sv: str, message_en: str, **params: Any) -> None:
        self.key = key
        self.message_sv = message_sv
        self.message_en = message_en
        self.params = params
        super().__init__(message_en)

    def message(self, lang: str) -> str:
        return self.message_sv if lang == "sv" else self.message_en


class AnswerError(TriageError):
    """An answer that does not fit its question. `key` is a stable message key."""

    def __init__(self, key: str, finding: str, message_sv: str, message_en: str,
                 **params: Any) -> None:
        super().__init__(key, message_sv, message_en, finding=finding, **params)
        self.finding = finding


# ----------------------------------------------------------------------------------------------
# Input and output types
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TriageInput:
    age_days: int
    sex: Sex
    protocol_ids: tuple[str, ...]
    answers: tuple[tuple[str, Any], ...] = ()
    pregnant: bool | None = None
    # Findings the person's own text mentions (vardlots.triage.reader): asked first, as a
    # confirmation, and only counted once answered.
    mentioned: tuple[str, ...] = ()
    # Who answers: "self" (du), "child" (a guardian about the child: barnet) or "other" (someone
    # about another adult: personen). Under 13 years it is always "child".
    audience: str = "self"
    # Contact reasons the search offered for the person's own words (vardlots.triage.search
    # `offered_for_words`): each that is not already part of the assessment is asked about once
    # ("Gäller det dig: …?") and joins it when the answer is yes, so the result does not depend on
    # which of them the person picked.
    offered: tuple[str, ...] = ()

    def with_answer(self, finding: str, value: Any) -> TriageInput:
        return dataclasses.replace(self, answers=(*self.answers, (finding, value)))

    @property
    def effective_audience(self) -> str:
        if self.age_days < CHILD_ANSWERED_BY_GUARDIAN_DAYS:
            return "child"
        return self.audience if self.audience in ("self", "child", "other") else "self"


@dataclass(frozen=True)
class Progress:
    answered: int
    remaining_max: int

    @property
    def fraction(self) -> float:
        total = self.answered + self.remaining_max
        return 1.0 if total == 0 else self.answered / total

    def to_dict(self) -> dict[str, Any]:
        return {"answered": self.answered, "remaining_max": self.remaining_max,
                "fraction": round(self.fraction, 3)}


@dataclass(frozen=True)
class QuestionStep:
    finding: str
    question: Question
    rule_id: str  # the rule (or modifier) the question is asked for
    repeat: bool  # asked again after a first "don't know" on a red flag
    progress: Progress
    confirm: bool = False  # confirms a finding the person's own text mentioned
    audience: str = "self"  # which resident wording: self, child or other

    @property
    def resident_text(self) -> Text:
        return self.question.text(self.audience)

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        q = self.question

        def t(text: Text | None) -> Any:
            if text is None:
                return None
            return text.get(lang) if lang else text.to_dict()

        return {
            "kind": "question",
            "finding": self.finding,
            "type": q.type.value,
            "text": {"resident": t(self.resident_text), "nurse": t(q.nurse)},
            "audience": self.audience,
            "help": t(q.help),
            "options": [{"id": o.id, "label": t(o.label)} for o in q.options],
            "unit": q.unit,
            "min": q.min,
            "max": q.max,
            "step": q.step,
            "asked_for": self.rule_id,
            "repeat": self.repeat,
            "confirm": self.confirm,
            "progress": self.progress.to_dict(),
        }


@dataclass(frozen=True)
class Result:
    urgency: Urgency
    care_need: CareNeed
    advice: Text | None
    safety_net: Text | None
    self_care: Text | None
    explanation: Text
    deciding_rule: str
    modifiers_applied: tuple[str, ...]
    trace: Mapping[str, Any] = field(compare=False)

    def to_dict(self) -> dict[str, Any]:
        def t(text: Text | None) -> Any:
            return None if text is None else text.to_dict()

        return {
            "kind": "result",
            "urgency": self.urgency.value,
            "urgency_label": {"sv": self.urgency.label_sv, "en": self.urgency.label_en},
            "care_need": self.care_need.value,
            "advice": t(self.advice),
            "safety_net": t(self.safety_net),
            "self_care": t(self.self_care),
            "explanation": self.explanation.to_dict(),
            "deciding_rule": self.deciding_rule,
            "modifiers_applied": list(self.modifiers_applied),
            # what the person's own text mentioned and how they answered when asked to confirm
            "free_text_findings": _plain(self.trace.get("mentioned", [])),
            "risk_profile": _plain(self.trace.get("profile", {})),
            "trace": _plain(self.trace),
        }


def _plain(v: Any) -> Any:
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    return v


Step = QuestionStep | Result


# ----------------------------------------------------------------------------------------------
# Active content (cached per protocol selection)
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Active:
    components: tuple[Protocol, ...]  # screen first, then chosen protocols
    rules: tuple[tuple[Rule, int], ...]  # (rule, component index) in asking order
    questions: Mapping[str, Question]
    modifiers: tuple[Modifier, ...]


def wordings(content: ContentSet) -> dict[str, tuple[Question, ...]]:
    """Every wording of every finding's question: the shared one first, then the screen's, then
    the protocols' by id."""
    cached = content._cache.get("wordings")
    if isinstance(cached, dict):
        return cached
    out: dict[str, list[Question]] = {}
    comps = ([content.screen] if content.screen is not None else []) + sorted(
        content.protocols.values(), key=lambda p: p.id)
    for fid, q in content.shared_questions.items():
        out.setdefault(fid, []).append(q)
    for c in comps:
        for fid, q in c.questions.items():
            out.setdefault(fid, []).append(q)
    frozen = {fid: tuple(qs) for fid, qs in out.items()}
    content._cache["wordings"] = frozen
    return frozen


def all_questions(content: ContentSet) -> dict[str, Question]:
    """Every question in the content by finding (findings are facts about the person: whichever
    protocol asks, the answer counts everywhere). A shared question wins, then the screen's, then
    the first protocol's by id; an active protocol's own wording wins over all (`_active`)."""
    cached = content._cache.get("all_questions")
    if isinstance(cached, dict):
        return cached
    out = {fid: qs[0] for fid, qs in wordings(content).items()}
    content._cache["all_questions"] = out
    return out


def _active(content: ContentSet, protocols: tuple[Protocol, ...]) -> _Active:
    key = ("active", tuple(p.id for p in protocols))
    cached = content._cache.get(key)
    if cached is not None:
        assert isinstance(cached, _Active)
        return cached
    comps = ((content.screen,) if content.screen is not None else ()) + protocols
    questions: dict[str, Question] = dict(all_questions(content))
    for comp in reversed(comps):
        questions.update(comp.questions)
    rules = [(r, ci) for ci, c in enumerate(comps) for r in c.rules]
    rules.sort(key=lambda rc: (rc[0].urgency.rank, rc[1], rc[0].index))
    ids = tuple(p.id for p in protocols)
    mods = tuple(m for m in content.modifiers if m.applies(ids))
    active = _Active(comps, tuple(rules), questions, mods)
    content._cache[key] = active
    return active


def _validate_any(content: ContentSet, finding: str, raw: Any, first: AnswerError) -> AnswerValue:
    for q in wordings(content).get(finding, ()):
        try:
            return validate_answer(q, raw)
        except AnswerError:
            continue
    raise first


def resolve_protocols(content: ContentSet, inp: TriageInput) -> tuple[Protocol, ...]:
    if not inp.protocol_ids:
        raise TriageError("triage.no_protocol", "Välj minst en kontaktorsak.",
                          "Choose at least one contact reason.")
    out: list[Protocol] = []
    for pid in inp.protocol_ids:
        p = content.protocols.get(pid)
        if p is None:
            raise TriageError("triage.unknown_protocol", f"Okänd kontaktorsak: {pid}.",
                              f"Unknown contact reason: {pid}.", protocol=pid)
        if not p.applies_to(inp.age_days, inp.sex):
            alt = content.resolve_protocol(pid, inp.age_days, inp.sex)
            hint_en = f" Use {alt.id} instead." if alt else ""
            hint_sv = f" Använd {alt.id} i stället." if alt else ""
            raise TriageError(
                "triage.protocol_not_applicable",
                f"Kontaktorsaken {pid} gäller inte för den här åldern eller det här könet.{hint_sv}",
                f"The contact reason {pid} does not apply to this age or sex.{hint_en}",
                protocol=pid, alternative=alt.id if alt else None,
            )
        if p not in out:
            out.append(p)
    return tuple(out)


# ----------------------------------------------------------------------------------------------
# Answers
# ----------------------------------------------------------------------------------------------


def _num_fmt(x: float) -> str:
    return f"{x:g}"


def validate_answer(question: Question, raw: Any) -> AnswerValue:
    """Turn a raw answer (API/CLI/vignette) into an AnswerValue or raise AnswerError."""
    f = question.finding
    if raw is UNKNOWN or raw is None:
        return UNKNOWN
    if isinstance(raw, str):
        s = raw.strip()
        if s.lower() in _UNKNOWN_WORDS:
            return UNKNOWN
    qt = question.type
    if qt is QuestionType.YES_NO:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str):
            s = raw.strip().lower()
            if s in _YES:
                return True
            if s in _NO:
                return False
        raise AnswerError("answer.yes_no", f, "Svara ja, nej eller vet inte.",
                          "Answer yes, no or don't know.")
    if qt is QuestionType.SINGLE_CHOICE:
        if isinstance(raw, str) and question.option(raw.strip()) is not None:
            return raw.strip()
        raise AnswerError("answer.unknown_option", f, "Välj ett av alternativen.",
                          "Choose one of the options.", value=str(raw))
    if qt is QuestionType.MULTI_CHOICE:
        items: list[Any]
        if isinstance(raw, str):
            items = [x for x in (p.strip() for p in raw.split(",")) if x]
        elif isinstance(raw, list | tuple | set | frozenset):
            items = list(raw)
        else:
            raise AnswerError("answer.unknown_option", f, "Välj bland alternativen.",
                              "Choose among the options.", value=str(raw))
        chosen: set[str] = set()
        for it in items:
            if not isinstance(it, str) or question.option(it) is None:
                raise AnswerError("answer.unknown_option", f, "Välj bland alternativen.",
                                  "Choose among the options.", value=str(it))
            chosen.add(it)
        return frozenset(chosen)
    if qt is QuestionType.NUMBER:
        value: float
        if isinstance(raw, bool):
            raise AnswerError("answer.not_a_number", f, "Svara med ett tal.", "Answer with a number.")
        if isinstance(raw, int | float):
            value = float(raw)
        else:
            try:
                value = float(str(raw).strip().replace(",", "."))
            except ValueError:
                raise AnswerError("answer.not_a_number", f, "Svara med ett tal.",
                                  "Answer with a number.") from None
        if math.isnan(value) or math.isinf(value):
            raise AnswerError("answer.not_a_number", f, "Svara med ett tal.", "Answer with a number.")
        lo, hi = question.min, question.max
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            rng = f"{_num_fmt(lo) if lo is not None else ''}–{_num_fmt(hi) if hi is not None else ''}"
            unit = f" {question.unit}" if question.unit else ""
            raise AnswerError("answer.out_of_range", f,
                              f"Svaret måste ligga mellan {rng}{unit}.",
                              f"The answer must be between {rng}{unit}.",
                              min=lo, max=hi, value=value)
        return value
    # duration (hours): "48h", a number of hours, or as people write it ("2 mån", "sedan igår")
    try:
        hours = parse_duration(raw.strip().replace(",", ".") if isinstance(raw, str) else raw)
    except ValueError:
        parsed = parse_time_expression(raw) if isinstance(raw, str) else None
        if parsed is None:
            raise AnswerError("answer.not_a_duration", f,
                              "Svara med en tid, till exempel 30 minuter, 6 timmar, sedan igår, "
                              "3 dagar eller 2 veckor.",
                              "Answer with a duration, for example 30 minutes, 6 hours, since "
                              "yesterday, 3 days or 2 weeks.") from None
        hours = parsed
    hi = question.max
    lo = question.min if question.min is not None else 0.0
    if hours < lo or (hi is not None and hours > hi):
        raise AnswerError("answer.out_of_range", f,
                          f"Tiden måste ligga mellan {_num_fmt(lo)} och {_num_fmt(hi or 0)} timmar.",
                          f"The duration must be between {_num_fmt(lo)} and {_num_fmt(hi or 0)} hours.",
                          min=lo, max=hi, value=hours)
    return hours


# ----------------------------------------------------------------------------------------------
# Evaluation state
# ----------------------------------------------------------------------------------------------

# Rule states. UNKNOWN is resolved lazily to OPEN (a question can still decide it) or SETTLED
# (nothing left to ask: not met) only when the rule could change the result.
TRUE, FALSE, UNKNOWN_STATE, OPEN, SETTLED = "true", "false", "unknown", "open", "settled"


@dataclass
class _RuleState:
    rule: Rule
    comp: int
    state: str
    next_finding: str | None = None
    repeat: bool = False
    escalated: tuple[str, ...] = ()


class _Session:
    def __init__(self, content: ContentSet, inp: TriageInput) -> None:
        sex = inp.sex if isinstance(inp.sex, Sex) else Sex(inp.sex)
        if inp.age_days < 0:
            raise TriageError("triage.bad_age", "Åldern kan inte vara negativ.", "Age cannot be negative.")
        self.content = content
        self.inp = inp
        self.sex = sex
        self.chosen = resolve_protocols(content, inp)
        self.protocols = self.chosen
        self.active = _active(content, self.protocols)
        self.activated: list[tuple[str, str]] = []  # (protocol id, the condition that brought it in)
        self.implied: list[str] = []  # complaint findings the chosen protocols stand for
        years, months, days = age_context(inp.age_days)
        self.env: dict[str, Any] = {"age_years": years, "age_months": months, "age_days": days,
                                    "sex": sex.value}
        self.answered: set[str] = set()
        self.unknown_count: dict[str, int] = {}
        self.answers_log: list[tuple[str, AnswerValue]] = []
        if inp.pregnant is not None:
            self.env["pregnant"] = bool(inp.pregnant)
            self.answered.add("pregnant")
        questions = self.active.questions
        for fid, raw in inp.answers:
            q = questions.get(fid)
            if q is None:
                raise AnswerError("answer.unknown_finding", fid,
                                  f"Frågan {fid} finns inte i den här bedömningen.",
                                  f"The question {fid} is not part of this assessment.")
            try:
                value = validate_answer(q, raw)
            except AnswerError as err:
                # The question may have been asked in another protocol's wording (a protocol
                # joined through an association): accept what any wording of the finding accepts.
                value = _validate_any(content, fid, raw, err)
            self.answers_log.append((fid, value))
            self.answered.add(fid)
            if value is UNKNOWN:
                self.unknown_count[fid] = self.unknown_count.get(fid, 0) + 1
                self.env.pop(fid, None)
            else:
                self.env[fid] = value
        self._apply_implied()
        self._apply_checklist()
        self._apply_unknown_policies()
        self.escalated = frozenset(
            f for f, n in self.unknown_count.items() if n >= 2 and f not in self.env)
        self._activate()
        self._states: list[_RuleState] | None = None

    def _apply_implied(self) -> None:
        """Picking "Ont i magen" means the person has tummy pain: the complaint a chosen protocol
        stands for counts as answered yes (content/associations.yaml, `implied`)."""
        for p in self.chosen:
            for fid in self.content.implied_by(p):
                if fid not in self.answered:
                    self.env[fid] = True
                    self.answered.add(fid)
                    self.implied.append(fid)

    def _apply_checklist(self) -> None:
        """A ticked option of the "Har du också …" step answers its finding "yes"."""
        cl = self.content.checklist
        chosen = self.env.get(cl) if cl else None
        if not isinstance(chosen, frozenset):
            return
        for fid in sorted(chosen):
            if fid not in self.answered:
                self.env[fid] = True
                self.answered.add(fid)

    def _apply_unknown_policies(self) -> None:
        """"Don't know" as the question declares: `absent` counts the finding as not there;
        `ask_simpler` takes the answer to the simpler question (which is asked instead of repeating
        the hard one). Without a policy, a red-flag question is asked again and then escalates."""
        questions = self.active.questions
        for fid, n in self.unknown_count.items():
            if n < 1 or fid in self.env:
                continue
            q = questions.get(fid)
            if q is None:
                continue
            q = self.policy_wording(fid, q)
            if q.unknown_policy == "absent":
                self.env[fid] = False
            elif q.unknown_policy == "ask_simpler" and q.simpler and q.simpler in self.env:
                simple = self.env[q.simpler]
                if q.simpler_yes is not None and isinstance(simple, bool):
                    # "Is it a lot of blood?" answers "how much": yes is that option; no leaves
                    # no option to count on (NOT_ANY compares unequal to every option)
                    self.env[fid] = q.simpler_yes if simple else NOT_ANY
                else:
                    self.env[fid] = simple
            elif q.unknown_policy == "ask_simpler" and q.simpler and \
                    self.unknown_count.get(q.simpler, 0) >= 1:
                # the simpler question was not known either: treat as a second "don't know"
                self.unknown_count[fid] = max(n, 2)

    def _activate(self) -> None:
        """Cross-protocol escalation: a positive answer on a finding that the content associates
        with another contact reason brings that protocol's questions and rules in."""
        extra: list[Protocol] = []
        have = {p.id for p in self.protocols}
        for when, pid in self.content.associations:
            if when.evaluate(self.env, ()) is not True:
                continue
            p = self.content.resolve_protocol(pid, self.inp.age_days, self.sex)
            if p is None or p.id in have:
                continue
            have.add(p.id)
            extra.append(p)
            self.activated.append((p.id, when.source))
        if extra:
            self.protocols = self.protocols + tuple(extra)
            self.active = _active(self.content, self.protocols)

    def policy_wording(self, finding: str, q: Question) -> Question:
        """The wording whose "don't know" policy holds for `finding`: `q` if it declares one,
        else any wording that does ("vet inte" means the same whichever wording asked; the
        checker refuses wordings that declare different policies)."""
        if q.unknown_policy is not None:
            return q
        return next((w for w in wordings(self.content).get(finding, ()) if w.unknown_policy), q)

    # --- asking ---------------------------------------------------------------------------

    def askable(self, finding: str, red_flag: bool, depth: int = 0,
                comp: Protocol | None = None) -> tuple[str, bool] | None:
        """The finding to ask to make progress on `finding` (itself or a finding its `show_if`
        needs), and whether it is a repeat; None when it cannot be asked. Whether it is shown is
        decided by the wording of `comp` (the protocol whose rule needs it) when it has one: a
        rule of another protocol is not silenced by the picked protocol's `show_if`."""
        if finding in self.env or depth > 8:
            return None
        q = self.active.questions.get(finding)
        if q is None:
            return None
        if comp is not None:
            q = comp.questions.get(finding, q)
        repeat = False
        if finding in self.answered:
            pq = self.policy_wording(finding, q)
            if pq.unknown_policy == "ask_simpler" and pq.simpler and pq.simpler not in self.answered:
                return self.askable(pq.simpler, red_flag, depth + 1, comp)
            if not red_flag or self.unknown_count.get(finding, 0) >= 2:
                return None
            repeat = True
        if q.show_if is not None:
            shown, pend = q.show_if.pending(self.env)
            if shown is False:
                return None
            if shown is None:
                for f in pend:
                    a = self.askable(f, False, depth + 1, comp)
                    if a is not None:
                        return a
                return None
        return finding, repeat

    def shown(self, q: Question) -> bool | None:
        return None if q.show_if is None else q.show_if(self.env)

    def rule_states(self) -> list[_RuleState]:
        if self._states is not None:
            return self._states
        states: list[_RuleState] = []
        env = self.env
        esc = self.escalated
        for rule, ci in self.active.rules:
            e = esc if rule.red_flag else ()
            v = rule.when.evaluate(env, e)
            if v is True:
                used = tuple(f for f in rule.when.findings if f in esc) if e else ()
                if used and rule.when.evaluate(env, ()) is not True:
                    states.append(_RuleState(rule, ci, TRUE, escalated=used))
                else:
                    states.append(_RuleState(rule, ci, TRUE))
            elif v is False:
                states.append(_RuleState(rule, ci, FALSE))
            else:
                states.append(_RuleState(rule, ci, UNKNOWN_STATE))
        self._states = states
        return states

    def resolve(self, s: _RuleState) -> None:
        """Turn an UNKNOWN rule state into OPEN (with the next finding to ask) or SETTLED."""
        if s.state != UNKNOWN_STATE:
            return
        rule = s.rule
        _, pend = rule.when.pending(self.env, self.escalated if rule.red_flag else ())
        comp = self.active.components[s.comp]
        for f in pend:
            a = self.askable(f, rule.red_flag, comp=comp)
            if a is not None:
                s.state, s.next_finding, s.repeat = OPEN, a[0], a[1]
                return
        s.state = SETTLED

    def modifier_state(self, m: Modifier) -> tuple[str, str | None]:
        v = m.when.evaluate(self.env, ())
        if v is True:
            return TRUE, None
        if v is False:
            return FALSE, None
        _, pend = m.when.pending(self.env)
        for f in pend:
            a = self.askable(f, False)
            if a is not None:
                return OPEN, a[0]
        return SETTLED, None


def _comp_outcomes(
    states: list[_RuleState], comps: tuple[Protocol, ...]
) -> list[tuple[Outcome | None, str | None]]:
    """Current (outcome, rule id) per component, treating open rules as not met."""
    best: list[tuple[Outcome | None, str | None, int]] = [
        (c.default, f"{c.id}.default" if c.default else None, 99) for c in comps]
    found = [False] * len(comps)
    for s in states:  # already ordered by urgency, component, index
        if s.state == TRUE and not found[s.comp]:
            found[s.comp] = True
            best[s.comp] = (s.rule.outcome, s.rule.id, s.rule.urgency.rank)
    return [(o, r) for o, r, _ in best]


def _base(outcomes: list[tuple[Outcome | None, str | None]]) -> tuple[Outcome | None, str | None]:
    cur: tuple[Outcome | None, str | None] = (None, None)
    for o, rid in outcomes:
        if o is None:
            continue
        if cur[0] is None or o.urgency.is_more_urgent_than(cur[0].urgency):
            cur = (o, rid)
    return cur


def _apply_mods(u: Urgency, mods: Sequence[Modifier]) -> Urgency:
    out = u
    for m in mods:
        out = Urgency.most_urgent(out, m.apply(u))
    return out


_FLOOR: Final = Urgency.P5
# A choice answered only through a "no" to its simpler yes/no question: equal to no option.
NOT_ANY: Final = ""


def _decide(session: _Session) -> QuestionStep | None:
    """The next question, or None when the result cannot change."""
    states = session.rule_states()
    comps = session.active.components
    outcomes = _comp_outcomes(states, comps)
    base_o, _ = _base(outcomes)
    base_u = base_o.urgency if base_o else _FLOOR
    mods = session.active.modifiers
    true_mods = [m for m in mods if m.when.evaluate(session.env, ()) is True]
    current = _apply_mods(base_u, true_mods)
    has_true = [o is not None and rid is not None and not rid.endswith(".default")
                for o, rid in outcomes]
    # After the global screen, and only while a question can still change the result: confirm
    # what the person wrote, then "Har du också …".
    early_done = current is Urgency.EMERGENCY_112
    for s in states:
        if s.state != UNKNOWN_STATE and s.state != OPEN:
            continue
        ci = s.comp
        u = s.rule.urgency
        # the base if this rule became true
        hyp: Urgency | None = None
        for j, (o, _rid) in enumerate(outcomes):
            if j == ci:
                cand = Urgency.most_urgent(u, o.urgency) if (o is not None and has_true[j]) else u
            elif o is None:
                continue
            else:
                cand = o.urgency
            hyp = cand if hyp is None else Urgency.most_urgent(hyp, cand)
        assert hyp is not None
        if _apply_mods(hyp, true_mods) is not current:
            session.resolve(s)
            if s.state != OPEN:
                continue
            assert s.next_finding is not None
            if not early_done and (ci != 0 or session.content.screen is None):
                early_done = True
                early = _early(session, states)
                if early is not None:
                    return early
            return QuestionStep(s.next_finding, session.active.questions[s.next_finding],
                                s.rule.id, s.repeat, _quick_progress(session, states))
    for m in mods:
        if m in true_mods or _apply_mods(base_u, [*true_mods, m]) is current:
            continue
        st, nf = session.modifier_state(m)
        if st == OPEN and nf is not None:
            if not early_done:
                early_done = True
                early = _early(session, states)
                if early is not None:
                    return early
            return QuestionStep(nf, session.active.questions[nf], f"modifier.{m.id}", False,
                                _quick_progress(session, states))
    if not early_done:
        # Nothing more to ask for the rules known so far: what the person wrote and other
        # complaints can still bring more in, so they are asked before the result.
        return _early(session, states)
    return None


def _used_findings(content: ContentSet) -> frozenset[str]:
    cached = content._cache.get("used_findings")
    if isinstance(cached, frozenset):
        return cached
    comps = ([content.screen] if content.screen else []) + list(content.protocols.values())
    used = {f for p in comps for r in p.rules for f in r.when.findings}
    used |= {f for m in content.modifiers for f in m.when.findings}
    used |= {f for w, _p in content.associations for f in w.findings}
    out = frozenset(used)
    content._cache["used_findings"] = out
    return out


MAX_CONFIRMATIONS: Final = 4


def _checklist_step(session: _Session, states: list[_RuleState]) -> QuestionStep | None:
    """The "Har du också …" step, once, with the options that fit the person's age and sex and
    are not answered yet."""
    cl = session.content.checklist
    if cl is None or cl in session.answered:
        return None
    q = session.active.questions.get(cl)
    if q is None:
        return None
    questions = session.active.questions
    options = []
    for o in q.options:
        oq = questions.get(o.id)
        if o.id in session.answered or oq is None:
            continue
        if oq.show_if is not None and oq.show_if(session.env) is False:
            continue  # ruled out for this person (the env holds age and sex)
        options.append(o)
    if not options:
        return None
    return QuestionStep(cl, dataclasses.replace(q, options=tuple(options)), "checklist", False,
                        _quick_progress(session, states))


def _early(session: _Session, states: list[_RuleState]) -> QuestionStep | None:
    """After the global screen: confirm what the person wrote and the contact reasons the
    search offered for it, then "Har du också …"."""
    return (_confirmation(session, states) or _offered_step(session, states)
            or _checklist_step(session, states))


MAX_OFFERED: Final = 3


def _offered_step(session: _Session, states: list[_RuleState]) -> QuestionStep | None:
    """The complaint question of the next contact reason offered for the person's words that is
    not part of the assessment yet ("Gäller det dig: Ont i bröstet?")."""
    content = session.content
    active = {p.id for p in session.protocols}
    for pid in session.inp.offered[:MAX_OFFERED]:
        p = content.resolve_protocol(pid, session.inp.age_days, session.sex)
        if p is None or p.id in active:
            continue
        for fid in content.implied_by(p):
            if fid in session.answered:
                continue
            own = p.questions.get(fid)
            q = own or session.active.questions.get(fid)
            if q is None or q.type is not QuestionType.YES_NO:
                continue
            # only the offered protocol's own (or the shared) wording may rule the question out:
            # another protocol's `show_if` is about its own rules
            gate = own if own is not None else (q if q.owner == "shared" else None)
            if gate is not None and gate.show_if is not None and gate.show_if(session.env) is not True:
                continue
            return QuestionStep(fid, q, f"offered.{p.id}", False, _quick_progress(session, states),
                                confirm=True)
    return None


def _confirmation(session: _Session, states: list[_RuleState]) -> QuestionStep | None:
    """The next finding the person's text mentioned, to confirm (after the global screen)."""
    if not session.inp.mentioned:
        return None
    used = _used_findings(session.content)
    asked = 0
    for fid in session.inp.mentioned:
        if asked >= MAX_CONFIRMATIONS:
            return None
        if fid in session.answered:
            asked += 1
            continue
        q = session.active.questions.get(fid)
        if q is None or q.type is not QuestionType.YES_NO or fid not in used:
            continue
        if q.show_if is not None and q.show_if(session.env) is not True:
            continue
        return QuestionStep(fid, q, "free_text", False, _quick_progress(session, states),
                            confirm=True)
    return None


def _quick_progress(session: _Session, states: list[_RuleState]) -> Progress:
    """A cheap upper estimate: unanswered findings of rules that are still unknown."""
    remaining: set[str] = set()
    env = session.env
    answered = session.answered
    for s in states:
        if s.state in (UNKNOWN_STATE, OPEN):
            for f in s.rule.when.findings:
                if f not in env and (f not in answered or s.rule.red_flag):
                    remaining.add(f)
    return Progress(len(session.answers_log), len(remaining))


def _progress(session: _Session, states: list[_RuleState]) -> Progress:
    remaining: set[str] = set()
    for s in states:
        session.resolve(s)
        if s.state == OPEN:
            e = session.escalated if s.rule.red_flag else ()
            _, pend = s.rule.when.pending(session.env, e)
            for f in pend:
                if session.askable(f, s.rule.red_flag,
                                   comp=session.active.components[s.comp]) is not None:
                    remaining.add(f)
    return Progress(len(session.answers_log), len(remaining))


# ----------------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------------


def next_step(content: ContentSet, inp: TriageInput) -> Step:
    """The next question to ask, or the result when nothing more can change it."""
    session = _Session(content, inp)
    q = _decide(session)
    if q is not None:
        audience = inp.effective_audience
        return q if audience == q.audience else dataclasses.replace(q, audience=audience)
    return _result(session)


def progress(content: ContentSet, inp: TriageInput) -> Progress:
    """Questions answered so far and an upper estimate of the questions remaining."""
    session = _Session(content, inp)
    if _decide(session) is None:
        return Progress(len(session.answers_log), 0)
    return _progress(session, session.rule_states())


def risk_profile(session: _Session) -> dict[str, Any]:
    """The risk factors known for the person (answered once, used by every rule)."""
    out: dict[str, Any] = {}
    for fid in session.content.risk_factors:
        if fid in session.env:
            out[fid] = answer_to_json(session.env[fid])
    return out


def _result(session: _Session) -> Result:
    states = session.rule_states()
    comps = session.active.components
    outcomes = _comp_outcomes(states, comps)
    base_o, rid = _base(outcomes)
    if base_o is None or rid is None:  # only possible without protocols
        raise TriageError("triage.no_protocol", "Välj minst en kontaktorsak.",
                          "Choose at least one contact reason.")
    mod_states = [(m, session.modifier_state(m)[0]) for m in session.active.modifiers]
    applied = [m for m, st in mod_states if st == TRUE and m.apply(base_o.urgency) is not base_o.urgency]
    urgency = _apply_mods(base_o.urgency, applied)
    care = base_o.care_need
    if urgency is not base_o.urgency:
        care = care_need_after_raise(care, urgency)
    deciding_state = next((s for s in states if s.rule.id == rid), None)
    escalated = deciding_state.escalated if deciding_state else ()
    comp = next(c for c in comps if rid.startswith(c.id + "."))
    audience = session.inp.effective_audience
    self_care = comp.self_care_for(audience) if urgency in (Urgency.P4, Urgency.P5) else None
    base_reason, base_advice, base_safety_net = base_o.texts(audience)

    if escalated:
        # Never state a finding the person did not confirm: explain the uncertainty instead.
        labels = [session.content.findings[f].label if f in session.content.findings
                  else Text(f, f) for f in escalated]
        parts = [Text(
            "Eftersom du inte kunde svara på frågan om "
            + " och ".join(f"«{t.sv.lower()}»" for t in labels)
            + " bedömer vi det säkrare att du får en snabbare bedömning.",
            "Because you could not answer the question about "
            + " and ".join(f"\"{t.en.lower()}\"" for t in labels)
            + ", we judge it safer that you are assessed sooner.",
        )]
    else:
        parts = [base_reason]
    parts += [m.reason for m in applied]
    parts.append(Text(f"Bedömning: {urgency.label_sv}.", f"Assessment: {urgency.label_en}."))
    explanation = Text.join(parts)

    rule_trace: list[dict[str, Any]] = []
    by_id = {s.rule.id: s for s in states}
    for c in comps:
        for r in c.rules:
            s = by_id[r.id]
            entry: dict[str, Any] = {
                "id": r.id,
                "value": "true" if s.state == TRUE else "false" if s.state == FALSE else "unknown",
                "urgency": r.urgency.value,
            }
            if s.escalated:
                entry["note"] = f"{ESCALATION_NOTE} ({', '.join(s.escalated)})"
            rule_trace.append(entry)
    inp = session.inp
    trace: dict[str, Any] = {
        "engine_version": ENGINE_VERSION,
        "content_version": session.content.version,
        "content_review_state": session.content.review_state.value,
        "protocols": [{"id": c.id, "version": c.version, "review_state": c.review_state.value}
                      for c in comps],
        "input": {"age_days": inp.age_days, "sex": session.env["sex"], "pregnant": inp.pregnant,
                  "protocol_ids": list(inp.protocol_ids)},
        "implied": list(session.implied),
        "activated": [{"protocol": pid, "because": fid} for pid, fid in session.activated],
        "mentioned": [{"finding": f, "confirmed": answer_to_json(session.env[f])
                       if f in session.env else None} for f in inp.mentioned],
        "offered": list(inp.offered),
        "profile": risk_profile(session),
        "answers": [{"finding": f, "value": answer_to_json(v)} for f, v in session.answers_log],
        "rules": rule_trace,
        "deciding_rule": rid,
        "base_urgency": base_o.urgency.value,
        "modifiers": [{"id": m.id, "value": st if st in (TRUE, FALSE) else "unknown",
                       "applied": m in applied} for m, st in mod_states],
        "modifiers_applied": [m.id for m in applied],
        "urgency": urgency.value,
        "care_need": care.value,
        "questions_asked": len(session.answers_log),
    }
    if escalated:
        trace["escalation"] = f"{ESCALATION_NOTE}: {', '.join(escalated)}"
    advice, safety_net = base_advice, base_safety_net
    level = session.content.level_texts.get(urgency)
    if level is not None:
        form = session.content.level_forms.get((urgency, audience))
        if form is not None:
            level = (form[0] or level[0], form[1] or level[1])
        if urgency is not base_o.urgency:
            # Raised by a modifier: the rule's texts were written for a less urgent level and
            # would contradict the result ("Omgående" with "boka tid nästa vardag").
            advice, safety_net = level
        else:
            advice = advice or level[0]
            safety_net = safety_net or level[1]
    if urgency is base_o.urgency:
        for when, extra in base_o.also:
            if when.evaluate(session.env, ()) is True:
                if extra.advice is not None:
                    advice = extra.advice if advice is None else Text.join([advice, extra.advice])
                if extra.safety_net is not None:
                    safety_net = (extra.safety_net if safety_net is None
                                  else Text.join([safety_net, extra.safety_net]))
    return Result(
        urgency=urgency,
        care_need=care,
        advice=advice,
        safety_net=safety_net,
        self_care=self_care,
        explanation=explanation,
        deciding_rule=rid,
        modifiers_applied=tuple(m.id for m in applied),
        trace=trace,
    )


# ----------------------------------------------------------------------------------------------
# Nurse documentation: pertinent negatives
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PertinentNegative:
    rule_id: str
    finding: str
    label: Text

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule_id, "finding": self.finding, "label": self.label.to_dict()}


def pertinent_negatives(content: ContentSet, inp: TriageInput) -> list[PertinentNegative]:
    """Red flags the person answered "no" to (for the nurse's documentation), in asking order."""
    session = _Session(content, inp)
    out: list[PertinentNegative] = []
    seen: set[tuple[str, str]] = set()
    for s in session.rule_states():
        if not s.rule.red_flag or s.state != FALSE:
            continue
        for fid, label in _negated_atoms(s.rule.when.ast, session, content):
            if (fid, label.en) in seen:
                continue
            seen.add((fid, label.en))
            out.append(PertinentNegative(s.rule.id, fid, label))
    return out


def _negated_atoms(node: Node, session: _Session, content: ContentSet) -> list[tuple[str, Text]]:
    env = session.env
    out: list[tuple[str, Text]] = []
    if isinstance(node, _BoolOp):
        for c in node.operands:
            out += _negated_atoms(c, session, content)
    elif isinstance(node, _Ref) and not node.is_context:
        if env.get(node.name) is False:
            f = content.findings.get(node.name)
            out.append((node.name, f.label if f else Text(node.name, node.name)))
    elif (isinstance(node, _Compare) and node.op == "has" and isinstance(node.left, _Ref)
          and isinstance(node.right, _Lit)):
        v = env.get(node.left.name)
        if isinstance(v, frozenset) and node.right.value not in v:
            q = session.active.questions.get(node.left.name)
            opt = q.option(str(node.right.value)) if q else None
            if opt is not None:
                out.append((node.left.name, opt.label))
    elif isinstance(node, _Not):
        pass
    return out
