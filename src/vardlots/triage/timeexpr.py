"""Durations and times as people write them, in Swedish and English, to hours.

    parse_time_expression("2 mån")            -> 1461.0   (2 × 30.44 days)
    parse_time_expression("sedan i förrgår")  -> 48.0
    parse_time_expression("en halvtimme")     -> 0.5
    parse_time_expression("i tre dagar")      -> 72.0
    parse_time_expression("3 weeks")          -> 504.0
    parse_time_expression("för två veckor sedan") -> 336.0

`find_time_expressions(text)` finds them inside a longer text (for the free-text reader). Pure
Python, no I/O. Relative day words ("igår", "i morse") give a conservative estimate of the time
since then, stated in `RELATIVE_HOURS`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from vardlots.triage.model import DAYS_PER_MONTH, DAYS_PER_YEAR

NUMBER_WORDS: Final = {
    # Swedish
    "en": 1, "ett": 1, "ena": 1, "två": 2, "tva": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6,
    "sju": 7, "åtta": 8, "atta": 8, "nio": 9, "tio": 10, "elva": 11, "tolv": 12, "femton": 15,
    "tjugo": 20, "trettio": 30, "några": 3, "nagra": 3, "par": 2, "ett par": 2, "halv": 0.5,
    "en halv": 0.5, "ett halvt": 0.5, "halvt": 0.5, "en och en halv": 1.5, "ett och ett halvt": 1.5,
    # English
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "a few": 3, "few": 3, "a couple of": 2, "couple of": 2, "half": 0.5, "half an": 0.5,
    "half a": 0.5,
}

UNIT_HOURS: Final = {
    "min": 1 / 60, "mins": 1 / 60, "minut": 1 / 60, "minuter": 1 / 60, "minuten": 1 / 60,
    "minute": 1 / 60, "minutes": 1 / 60,
    "h": 1.0, "t": 1.0, "tim": 1.0, "timme": 1.0, "timmar": 1.0, "timmen": 1.0, "hour": 1.0,
    "hours": 1.0, "hr": 1.0, "hrs": 1.0,
    "d": 24.0, "dag": 24.0, "dagar": 24.0, "dygn": 24.0, "dagen": 24.0, "day": 24.0, "days": 24.0,
    "w": 168.0, "v": 168.0, "v.": 168.0, "vecka": 168.0, "veckor": 168.0, "veckan": 168.0,
    "vecko": 168.0, "week": 168.0, "weeks": 168.0, "wk": 168.0, "wks": 168.0,
    "m": DAYS_PER_MONTH * 24, "mån": DAYS_PER_MONTH * 24, "man": DAYS_PER_MONTH * 24,
    "månad": DAYS_PER_MONTH * 24, "månader": DAYS_PER_MONTH * 24, "manad": DAYS_PER_MONTH * 24,
    "manader": DAYS_PER_MONTH * 24, "month": DAYS_PER_MONTH * 24, "months": DAYS_PER_MONTH * 24,
    "år": DAYS_PER_YEAR * 24, "ar": DAYS_PER_YEAR * 24, "year": DAYS_PER_YEAR * 24,
    "years": DAYS_PER_YEAR * 24, "y": DAYS_PER_YEAR * 24,
}

# Compound words: "halvtimme", "halvtimma", "kvart".
COMPOUNDS: Final = {"halvtimme": 0.5, "halvtimma": 0.5, "halvtimmen": 0.5, "kvart": 0.25,
                    "kvarten": 0.25, "halvår": DAYS_PER_YEAR * 12, "halvåret": DAYS_PER_YEAR * 12,
                    "fortnight": 336.0}

# Time since a day word. Conservative (shorter rather than longer) so that "since this morning"
# does not pass a "more than 12 hours" threshold by guesswork.
RELATIVE_HOURS: Final = {
    "i förrgår": 48.0, "förrgår": 48.0, "i forrgar": 48.0, "forrgar": 48.0,
    "igår kväll": 12.0, "i går kväll": 12.0, "igårkväll": 12.0, "igår morse": 24.0,
    "igår": 24.0, "i går": 24.0, "igar": 24.0, "i gar": 24.0,
    "i morse": 3.0, "imorse": 3.0, "i natt": 6.0, "inatt": 6.0, "i kväll": 1.0, "ikväll": 1.0,
    "i eftermiddags": 2.0, "i förmiddags": 3.0, "idag": 1.0, "i dag": 1.0,
    "day before yesterday": 48.0, "yesterday evening": 12.0, "last night": 6.0,
    "yesterday": 24.0, "this morning": 3.0, "tonight": 1.0, "this afternoon": 2.0, "today": 1.0,
    "förra veckan": 168.0, "last week": 168.0,
}

_NUM: Final = r"(\d+(?:[.,]\d+)?|" + "|".join(
    sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True)) + r")"
_UNIT: Final = r"(" + "|".join(sorted((re.escape(u) for u in UNIT_HOURS), key=len, reverse=True)) + r")"
_AMOUNT_RE: Final = re.compile(rf"(?<![\w])(?:{_NUM}\s*-?\s*)?{_UNIT}(?![\w])", re.IGNORECASE)
_COMPOUND_RE: Final = re.compile(
    r"(?<![\w])(?:(en|ett|a|an|\d+)\s+)?(" + "|".join(COMPOUNDS) + r")(?![\w])", re.IGNORECASE)
_RELATIVE_RE: Final = re.compile(
    r"(?<![\w])(?:sedan\s+|sen\s+|since\s+)?(" + "|".join(
        sorted((re.escape(k) for k in RELATIVE_HOURS), key=len, reverse=True)) + r")(?![\w])",
    re.IGNORECASE)


@dataclass(frozen=True)
class TimeMention:
    hours: float
    start: int
    end: int
    text: str


def _number(word: str | None) -> float | None:
    if word is None:
        return 1.0
    w = word.strip().lower()
    if w in NUMBER_WORDS:
        return float(NUMBER_WORDS[w])
    try:
        return float(w.replace(",", "."))
    except ValueError:
        return None


def find_time_expressions(text: str) -> list[TimeMention]:
    """Every duration or relative time in `text`, left to right, not overlapping."""
    found: list[TimeMention] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= x or a >= y for x, y in taken)

    def add(hours: float, m: re.Match[str]) -> None:
        if free(m.start(), m.end()):
            taken.append((m.start(), m.end()))
            found.append(TimeMention(hours, m.start(), m.end(), m.group(0)))

    for m in _RELATIVE_RE.finditer(text):
        add(RELATIVE_HOURS[m.group(1).lower()], m)
    for m in _COMPOUND_RE.finditer(text):
        n = _number(m.group(1)) if m.group(1) else 1.0
        if n is not None:
            add(n * COMPOUNDS[m.group(2).lower()], m)
    for m in _AMOUNT_RE.finditer(text):
        num, unit = m.group(1), m.group(2).lower()
        if num is None and len(unit) <= 2:
            continue  # a bare "d", "h", "m" or "v" is not a time
        n = _number(num)
        if n is None:
            continue
        add(n * UNIT_HOURS[unit], m)
    found.sort(key=lambda t: t.start)
    return found


_FILLER: Final = re.compile(
    r"^(?:i|sedan|sen|för|for|since|about|around|ca\.?|cirka|ungefär|ungefar|nästan|typ|"
    r"drygt|över|mer än|more than|over|ago|sedan dess|sen dess|ago\.?|snart)$", re.IGNORECASE)


def parse_time_expression(text: str) -> float | None:
    """The duration in hours when `text` is one time expression (with filler words such as "i",
    "sedan", "för … sedan", "ungefär", "ago"); None when it is not."""
    s = text.strip().lower()
    if not s:
        return None
    found = find_time_expressions(s)
    if len(found) != 1:
        return None
    t = found[0]
    rest = (s[:t.start] + " " + s[t.end:]).replace(",", " ").split()
    if any(not _FILLER.match(w) for w in rest):
        return None
    return t.hours
