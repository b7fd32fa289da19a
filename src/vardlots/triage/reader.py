"""Read what the person wrote: findings, negation and time, from a lexicon built from the content.

    reader = TextReader.for_content(content)
    reader.read("har haft feber sen i förrgår, ingen hosta, går på cellgiftsbehandling")
    -> [Mention(finding='fever', negated=False, past=False, hours=48.0, ...),
        Mention(finding='cough', negated=True, ...),
        Mention(finding='immunosuppressed', negated=False, ...)]

The lexicon is every finding's label and synonyms (content/findings) plus the phrases in
content/lexicon/*.yaml. Matching is on normalised words (lower case; å, ä, ö folded so that
"brostsmarta" matches), a lexicon word of five letters or more matches the words that begin with
it less its last letter ("hosta" matches "hostar", "hostat"), and one extra word may stand between
the words of a phrase ("ont i hela bröstet"). A negation word before the phrase in the same clause
("ingen", "inte", "utan", "no", "not", "without"), or "-fri" after it ("feberfri"), negates it; "hade"
or "had" before it marks it as past. The nearest time expression in the clause is attached.

A mention is a suggestion. The engine only counts a finding after the person confirmed it.
Pure Python, no I/O beyond what the loader read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from vardlots.triage.timeexpr import find_time_expressions

NEGATIONS: Final = frozenset({
    "ingen", "inget", "inga", "inte", "ej", "utan", "aldrig", "varken", "nej", "icke", "int",
    "no", "not", "without", "never", "nor", "neither", "dont", "don't", "didnt", "isnt", "hasnt",
    "havent", "cannot", "cant",
})
# Words that end the reach of a negation ("ingen feber men ont i halsen").
CLAUSE_BREAKS: Final = frozenset({"men", "but", "och", "and", "samt", "plus", "dock", "fast",
                                  "although", "however", "sen", "then", "nu", "now"})
PAST: Final = frozenset({"hade", "had", "tidigare", "förut", "forut", "previously"})
NEGATING_SUFFIXES: Final = ("fri", "free")
# "kan inte andas": a negation that is part of the symptom itself. Phrases whose own words contain
# a negation are matched as a whole, and the negation inside them does not negate them.
_WORD: Final = re.compile(r"[\w']+", re.UNICODE)


def fold(text: str) -> str:
    """Lower case, å/ä/ö and other accents folded: "Bröstsmärta" -> "brostsmarta"."""
    s = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in s if not unicodedata.combining(c))


def _stem(word: str) -> str:
    return word[:-1] if len(word) >= 5 else word


@dataclass(frozen=True)
class Mention:
    finding: str
    negated: bool
    past: bool
    hours: float | None
    start: int
    end: int
    text: str  # the words of the person's text that matched

    @property
    def present(self) -> bool:
        return not self.negated and not self.past

    def to_dict(self) -> dict[str, object]:
        return {"finding": self.finding, "negated": self.negated, "past": self.past,
                "hours": self.hours, "text": self.text}


@dataclass(frozen=True)
class _Phrase:
    finding: str
    stems: tuple[str, ...]
    exact_last: bool


class TextReader:
    def __init__(self, phrases: Mapping[str, Iterable[str]]) -> None:
        """`phrases`: finding id -> phrases (any language)."""
        self._by_first: dict[str, list[_Phrase]] = {}
        for fid, items in phrases.items():
            for p in items:
                words = _WORD.findall(fold(p))
                if not words:
                    continue
                ph = _Phrase(fid, tuple(_stem(w) for w in words), len(words[-1]) < 5)
                self._by_first.setdefault(ph.stems[0][:3], []).append(ph)
        for lst in self._by_first.values():
            lst.sort(key=lambda p: -len(p.stems))  # longest phrase first

    @classmethod
    def for_content(cls, content: object) -> TextReader:
        """The reader for a ContentSet (cached on it)."""
        from vardlots.triage.model import ContentSet

        assert isinstance(content, ContentSet)
        cached = content._cache.get("text_reader")
        if isinstance(cached, TextReader):
            return cached
        from vardlots.triage.engine import all_questions

        yes_no = {fid for fid, q in all_questions(content).items() if q.type.value == "yes_no"}
        phrases: dict[str, list[str]] = {}
        for f in content.findings.values():
            if f.id not in yes_no:
                continue  # a mention can only confirm a yes/no finding
            items = phrases.setdefault(f.id, [])
            items += [*f.synonyms_sv, *f.synonyms_en]
            if f.kind.value in ("symptom", "sign", "risk_factor") and len(f.label.sv.split()) <= 3:
                items += [f.label.sv, f.label.en]
        for fid, words in content.lexicon.items():
            if fid in yes_no:
                phrases.setdefault(fid, []).extend(words)
        reader = cls(phrases)
        content._cache["text_reader"] = reader
        return reader

    def read(self, text: str) -> list[Mention]:
        """The findings mentioned in `text`, in order, one mention per finding (the first)."""
        if not text.strip():
            return []
        folded = fold(text)
        tokens = [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(folded)]
        times = find_time_expressions(text)
        clauses = _clause_ids(folded, tokens)
        out: list[Mention] = []
        seen: set[str] = set()
        used: set[int] = set()
        i = 0
        while i < len(tokens):
            match = self._match_at(tokens, i, used)
            if match is None:
                i += 1
                continue
            ph, end = match
            if ph.finding in seen:
                i = end
                continue
            seen.add(ph.finding)
            used.update(range(i, end))
            start_c, end_c = tokens[i][1], tokens[end - 1][2]
            negated = _negated(tokens, clauses, i, end, ph)
            past = any(tokens[j][0] in PAST for j in range(max(0, i - 4), i)
                       if clauses[j] == clauses[i])
            hours = _nearest_time(times, start_c, end_c, folded)
            out.append(Mention(ph.finding, negated, past, hours, start_c, end_c, text[start_c:end_c]))
            i = end
        return out

    def present(self, text: str) -> dict[str, Mention]:
        """The findings `text` says the person has now (not negated, not past), by finding."""
        return {m.finding: m for m in self.read(text) if m.present}

    def _match_at(self, tokens: list[tuple[str, int, int]], i: int,
                  used: set[int]) -> tuple[_Phrase, int] | None:
        if i in used:
            return None
        first = tokens[i][0]
        for ph in self._by_first.get(first[:3], ()):
            j, k, gaps = i, 0, 0
            while k < len(ph.stems) and j < len(tokens):
                w = tokens[j][0]
                stem = ph.stems[k]
                ok = w == stem if (k == len(ph.stems) - 1 and ph.exact_last) else (
                    w.startswith(stem) if len(stem) >= 4 else w == stem)
                if ok:
                    k += 1
                    j += 1
                elif k > 0 and gaps == 0:
                    gaps += 1
                    j += 1
                else:
                    break
            if k == len(ph.stems):
                return ph, j
        return None


def _clause_ids(folded: str, tokens: list[tuple[str, int, int]]) -> list[int]:
    ids: list[int] = []
    clause = 0
    prev_end = 0
    for w, s, _e in tokens:
        between = folded[prev_end:s]
        if any(ch in between for ch in ".,;:!?\n") or w in CLAUSE_BREAKS:
            clause += 1
        ids.append(clause)
        prev_end = _e
    return ids


def _negated(tokens: list[tuple[str, int, int]], clauses: list[int], i: int, end: int,
             ph: _Phrase) -> bool:
    if tokens[end - 1][0].endswith(NEGATING_SUFFIXES) and not ph.stems[-1].endswith(
            NEGATING_SUFFIXES):
        return True
    if any(w in NEGATIONS for w in ph.stems):
        return False  # the negation is part of the symptom ("kan inte andas")
    if any(tokens[j][0] in NEGATIONS for j in range(i, end)):
        return True  # a negation inside the phrase ("har ingen cancer")
    for j in range(i - 1, max(-1, i - 5), -1):
        if clauses[j] != clauses[i]:
            break
        if tokens[j][0] in NEGATIONS:
            return True
    return False


def _nearest_time(times: list, start: int, end: int, folded: str) -> float | None:  # type: ignore[type-arg]
    best: tuple[int, float] | None = None
    for t in times:
        between = folded[min(end, t.start):max(start, t.end)]
        if any(ch in between for ch in ".;!?\n"):
            continue
        dist = t.start - end if t.start >= end else start - t.end
        if dist < 0:
            dist = 0
        if dist <= 40 and (best is None or dist < best[0]):
            best = (dist, t.hours)
    return best[1] if best else None
