"""Interactive terminal triage (Swedish by default), reading answers line by line.

It can be scripted: every prompt reads exactly one line; bad input is re-asked with a message;
end of input stops cleanly with exit code 1.
"""

from __future__ import annotations

import re
from typing import IO, Any, Final

from vardlots.triage.engine import (
    AnswerError,
    QuestionStep,
    Result,
    TriageError,
    TriageInput,
    next_step,
)
from vardlots.triage.model import (
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    UNKNOWN,
    ContentSet,
    Protocol,
    QuestionType,
    Sex,
    Text,
)
from vardlots.triage.reader import TextReader
from vardlots.triage.search import normalise, offered_for_words, search_index
from vardlots.triage.timeexpr import parse_time_expression

_T: Final = {
    "intro": Text("vardlots – bedömning av symtom. Svara med siffra eller text; 'vet inte' går alltid.",
                  "vardlots – symptom assessment. Answer with a number or text; 'don't know' is "
                  "always allowed."),
    "emergency": Text("Vid livsfara: ring 112.", "If life is in danger: call 112."),
    "age": Text("Hur gammal är personen som söker? (t.ex. 34, 2 år, 3 månader, 10 dagar)",
                "How old is the person seeking care? (e.g. 34, 2 years, 3 months, 10 days)"),
    "bad_age": Text("Skriv en ålder, till exempel 34, 2 år eller 3 månader.",
                    "Type an age, for example 34, 2 years or 3 months."),
    "sex": Text("Kön?  1) Kvinna  2) Man", "Sex?  1) Female  2) Male"),
    "bad_sex": Text("Svara 1 (kvinna) eller 2 (man).", "Answer 1 (female) or 2 (male)."),
    "reason": Text("Vad söker du för? Beskriv med några ord.",
                   "What are you seeking care for? Describe in a few words."),
    "no_hits": Text("Vi hittade inget som passar det du skrev.",
                    "We found nothing that fits what you wrote."),
    "fallback": Text("Du kan gå vidare med allmänna frågor om hur du mår, hur länge det har hållit "
                     "på och om det blir värre, eller beskriva besvären igen med andra ord.",
                     "You can go on with general questions about how you feel, how long it has "
                     "lasted and whether it is getting worse, or describe it again in other words."),
    "choose_fallback": Text("Välj 1, eller 0 för att beskriva med andra ord:",
                            "Choose 1, or 0 to describe it in other words:"),
    "you_wrote": Text("Du skrev «{}». Stämmer det här?", "You wrote \"{}\". Is this right?"),
    "choose": Text("Välj ett nummer (0 = sök igen):", "Choose a number (0 = search again):"),
    "bad_choice": Text("Välj ett av numren ovan.", "Choose one of the numbers above."),
    "not_applicable": Text("Det här passar inte för den åldern. Välj något annat.",
                           "This does not apply at that age. Choose something else."),
    "yes_no": Text("1) Ja  2) Nej  3) Vet inte", "1) Yes  2) No  3) Don't know"),
    "unknown_opt": Text("Vet inte", "Don't know"),
    "multi_hint": Text("Välj ett eller flera nummer med komma emellan, 0 = inget av detta.",
                       "Choose one or more numbers separated by commas, 0 = none of these."),
    "number_hint": Text("Svara med ett tal", "Answer with a number"),
    "duration_hint": Text("Hur länge? (t.ex. 30 min, 6 timmar, 2 dagar, 3 veckor)",
                          "How long? (e.g. 30 min, 6 hours, 2 days, 3 weeks)"),
    "repeat": Text("Den här frågan är viktig, så vi frågar en gång till. Svarar du «vet inte» igen "
                   "räknar vi med det säkra alternativet.",
                   "This question is important, so we ask once more. If you answer \"don't know\" "
                   "again we assume the safe option."),
    "eof": Text("Inget mer svar – bedömningen avbröts.", "No more input – the assessment was stopped."),
    "result": Text("Resultat", "Result"),
    "urgency": Text("Brådskegrad", "Urgency"),
    "care_need": Text("Vårdbehov", "Care need"),
    "advice": Text("Gör så här", "What to do"),
    "safety_net": Text("Sök vård igen om", "Seek care again if"),
    "self_care": Text("Egenvård", "Self-care"),
    "why": Text("Varför", "Why"),
}

_CARE_NEED_LABELS: Final = {
    "ambulance": Text("Ambulans – ring 112", "Ambulance – call 112"),
    "emergency_department": Text("Akutmottagning", "Emergency department"),
    "paediatric_emergency": Text("Barnakut", "Paediatric emergency department"),
    "obstetric_emergency": Text("Förlossning / gynakut", "Obstetric / gynaecological emergency"),
    "eye_emergency": Text("Ögonakut", "Eye emergency"),
    "psychiatric_emergency": Text("Psykiatrisk akutmottagning", "Psychiatric emergency"),
    "urgent_care": Text("Närakut / jourcentral", "Urgent care clinic"),
    "health_centre": Text("Vårdcentral", "Health centre"),
    "maternity_clinic": Text("Barnmorskemottagning", "Maternity clinic"),
    "dental_emergency": Text("Tandakut", "Emergency dentist"),
    "dental": Text("Tandvård", "Dentist"),
    "pharmacy": Text("Apotek", "Pharmacy"),
    "poison_information": Text("Giftinformationscentralen", "Poisons information centre"),
    "nurse_advice": Text("Rådgivning 1177", "Nurse advice 1177"),
    "self_care": Text("Egenvård", "Self-care"),
}

_YES: Final = {"1", "ja", "j", "yes", "y"}
_NO: Final = {"2", "nej", "n", "no"}
_UNK: Final = {"vet inte", "vetinte", "vet ej", "dont know", "don t know", "unknown", "?", "vi"}

_AGE_RE: Final = re.compile(
    r"^(\d+(?:[.,]\d+)?)\s*(ar|y|year|years|manad|manader|m|month|months|v|vecka|veckor|w|week|"
    r"weeks|d|dag|dagar|day|days)?$")
_DUR_RE: Final = re.compile(
    r"^(\d+(?:[.,]\d+)?)\s*(min|minut|minuter|minutes?|m|h|t|tim|timme|timmar|hours?|d|dag|dagar|"
    r"dygn|days?|v|w|vecka|veckor|weeks?)?$")


class _EOF(Exception):
    pass


class _Console:
    def __init__(self, stdin: IO[str], out: IO[str], lang: str) -> None:
        self.stdin = stdin
        self.out = out
        self.lang = lang

    def say(self, text: str = "") -> None:
        print(text, file=self.out)

    def t(self, key: str) -> str:
        return _T[key].get(self.lang)

    def ask(self, prompt: str) -> str:
        self.out.write(f"{prompt}\n> ")
        self.out.flush()
        line = self.stdin.readline()
        if line == "":
            self.say()
            raise _EOF
        self.say(line.rstrip("\n") if not self.stdin.isatty() else "")
        return line.strip()


def parse_age_input(text: str) -> int | None:
    m = _AGE_RE.match(normalise(text))
    if not m:
        return None
    n = float(m.group(1).replace(",", "."))
    unit = (m.group(2) or "ar")
    if unit in ("ar", "y", "year", "years"):
        days = round(n * DAYS_PER_YEAR)
    elif unit in ("manad", "manader", "m", "month", "months"):
        days = round(n * DAYS_PER_MONTH)
    elif unit in ("v", "vecka", "veckor", "w", "week", "weeks"):
        days = round(n * 7)
    else:
        days = round(n)
    return days if 0 <= days <= 130 * DAYS_PER_YEAR else None


def parse_duration_input(text: str) -> float | None:
    """'2 dagar', '6h', '30 min', '1 vecka' -> hours; a bare number means hours."""
    m = _DUR_RE.match(normalise(text).replace(" ", ""))
    if not m:
        m = _DUR_RE.match(normalise(text))
    if not m:
        return parse_time_expression(text)  # "sedan igår", "en halvtimme", "2 mån"
    n = float(m.group(1).replace(",", "."))
    unit = m.group(2) or "h"
    if unit.startswith("min") or unit == "m":
        return n / 60
    if unit in ("h", "t", "tim", "timme", "timmar", "hour", "hours"):
        return n
    if unit in ("d", "dag", "dagar", "dygn", "day", "days"):
        return n * 24
    return n * 168


def run_interactive(content: ContentSet, stdin: IO[str], out: IO[str], lang: str = "sv",
                    nurse: bool = False) -> int:
    con = _Console(stdin, out, lang)
    try:
        return _run(content, con, nurse)
    except _EOF:
        con.say(con.t("eof"))
        return 1


def _run(content: ContentSet, con: _Console, nurse: bool) -> int:
    con.say(con.t("intro"))
    con.say(con.t("emergency"))
    age: int | None = None
    while age is None:
        age = parse_age_input(con.ask(con.t("age")))
        if age is None:
            con.say(con.t("bad_age"))
    sex: Sex | None = None
    while sex is None:
        a = normalise(con.ask(con.t("sex")))
        if a in ("1", "kvinna", "k", "female", "f", "woman", "flicka", "girl"):
            sex = Sex.FEMALE
        elif a in ("2", "man", "m", "male", "pojke", "boy"):
            sex = Sex.MALE
        else:
            con.say(con.t("bad_sex"))
    protocol, text = _choose_protocol(content, con, age, sex)
    mentions = TextReader.for_content(content).present(text)
    inp = TriageInput(age, sex, (protocol.id,), mentioned=tuple(mentions),
                      offered=offered_for_words(content, text, age, sex))
    while True:
        try:
            step = next_step(content, inp)
        except TriageError as e:
            con.say(e.message(con.lang))
            return 1
        if isinstance(step, Result):
            _print_result(con, step)
            return 0
        if step.confirm and step.finding in mentions:
            con.say(con.t("you_wrote").format(mentions[step.finding].text))
        value = _ask_question(con, step, nurse)
        inp = inp.with_answer(step.finding, value)


def _choose_protocol(content: ContentSet, con: _Console, age: int, sex: Sex) -> tuple[Protocol, str]:
    idx = search_index(content)
    while True:
        text = con.ask(con.t("reason"))
        if text in content.protocols:  # scripting convenience: a protocol id
            p = content.resolve_protocol(text, age, sex)
            if p is not None:
                return p, ""
            con.say(con.t("not_applicable"))
            continue
        found = idx.find(text, age_days=age, sex=sex, limit=5)
        hits = list(found.hits)
        if not hits:
            con.say(con.t("no_hits"))
            fallback = content.protocols.get(found.fallback or "")
            if fallback is None:
                continue
            con.say(con.t("fallback"))
            con.say(f"  1) {fallback.title.get(con.lang)}")
            while True:
                a = con.ask(con.t("choose_fallback"))
                if a == "1":
                    return fallback, text
                if a == "0":
                    break
                con.say(con.t("bad_choice"))
            continue
        for i, h in enumerate(hits, 1):
            con.say(f"  {i}) {h.title.get(con.lang)}")
        while True:
            a = con.ask(con.t("choose"))
            if a == "0":
                break
            if a.isdigit() and 1 <= int(a) <= len(hits):
                p = content.resolve_protocol(hits[int(a) - 1].protocol_id, age, sex)
                if p is not None:
                    return p, text
                con.say(con.t("not_applicable"))
                break
            con.say(con.t("bad_choice"))


def _ask_question(con: _Console, step: QuestionStep, nurse: bool) -> Any:
    from vardlots.triage.engine import validate_answer

    q = step.question
    lang = con.lang
    text = (q.nurse if nurse else step.resident_text).get(lang)
    lines = [con.t("repeat"), text] if step.repeat else [text]
    if q.help is not None:
        lines.append(f"({q.help.get(lang)})")
    if q.type is QuestionType.YES_NO:
        lines.append(con.t("yes_no"))
    elif q.type in (QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE):
        for i, o in enumerate(q.options, 1):
            lines.append(f"  {i}) {o.label.get(lang)}")
        lines.append(f"  {len(q.options) + 1}) {con.t('unknown_opt')}")
        if q.type is QuestionType.MULTI_CHOICE:
            lines.append(con.t("multi_hint"))
    elif q.type is QuestionType.NUMBER:
        lo = f"{q.min:g}" if q.min is not None else ""
        hi = f"{q.max:g}" if q.max is not None else ""
        lines.append(f"{con.t('number_hint')} ({lo}–{hi} {q.unit or ''}).")
    else:
        lines.append(con.t("duration_hint"))
    prompt = "\n".join(lines)
    while True:
        raw = con.ask(prompt)
        try:
            value = _interpret(q.type, q.options, raw)
            validate_answer(q, value)
            return value
        except AnswerError as e:
            con.say(e.message(lang))


def _interpret(qt: QuestionType, options: tuple[Any, ...], raw: str) -> Any:
    n = normalise(raw)
    if n in _UNK or n.replace(" ", "") in _UNK:
        return UNKNOWN
    if qt is QuestionType.YES_NO:
        if n in _YES:
            return True
        if n in _NO:
            return False
        if n == "3":
            return UNKNOWN
        return raw
    if qt in (QuestionType.SINGLE_CHOICE, QuestionType.MULTI_CHOICE):
        unknown_no = str(len(options) + 1)
        parts = [p for p in re.split(r"[,\s]+", n) if p]
        if parts == [unknown_no]:
            return UNKNOWN
        if qt is QuestionType.MULTI_CHOICE and (parts == ["0"] or n in ("inget", "none", "nej", "no")):
            return []
        chosen: list[str] = []
        for p in parts:
            if p.isdigit() and 1 <= int(p) <= len(options):
                chosen.append(options[int(p) - 1].id)
            else:
                chosen.append(p)
        if qt is QuestionType.SINGLE_CHOICE:
            return chosen[0] if len(chosen) == 1 else raw
        return chosen
    if qt is QuestionType.DURATION:
        h = parse_duration_input(raw)
        return h if h is not None else raw
    return raw


def _print_result(con: _Console, r: Result) -> None:
    lang = con.lang
    con.say("")
    con.say(f"== {con.t('result')} ==")
    con.say(f"{con.t('urgency')}: {r.urgency.label(lang)} ({r.urgency.value})")
    con.say(f"{con.t('care_need')}: {_CARE_NEED_LABELS[r.care_need.value].get(lang)}")
    if r.advice is not None:
        con.say(f"{con.t('advice')}: {r.advice.get(lang)}")
    if r.safety_net is not None:
        con.say(f"{con.t('safety_net')}: {r.safety_net.get(lang)}")
    if r.self_care is not None:
        con.say(f"{con.t('self_care')}: {r.self_care.get(lang)}")
    con.say(f"{con.t('why')}: {r.explanation.get(lang)}")
