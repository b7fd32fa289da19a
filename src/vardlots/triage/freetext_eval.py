"""Precision and recall of the free-text reader on an independently written, labelled set
(content/vignettes/independent/freetext.yaml: text, present, absent, durations).

    python -m vardlots.triage content freetext [--json]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vardlots.triage.model import ContentSet, parse_duration
from vardlots.triage.reader import TextReader
from vardlots.triage.timeexpr import find_time_expressions


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_positives: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": round(self.precision, 3), "recall": round(self.recall, 3)}


def evaluate(content: ContentSet, path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    reader = TextReader.for_content(content)
    present, absent, durations = Score(), Score(), Score()
    n = 0
    for it in data.get("descriptions") or []:
        n += 1
        found = reader.read(str(it["text"]))
        got_present = {m.finding for m in found if m.present}
        got_absent = {m.finding for m in found if m.negated}
        want_present, want_absent = set(it.get("present") or []), set(it.get("absent") or [])
        for s, got, want in ((present, got_present, want_present), (absent, got_absent, want_absent)):
            s.tp += len(got & want)
            s.fp += len(got - want)
            s.fn += len(want - got)
            s.false_positives += [f"{it['id']}: {f}" for f in sorted(got - want)]
        # Durations: does the reader find the stated time in the text (any mention carries it)?
        hours = {t.hours for t in find_time_expressions(str(it["text"]))}
        for _fid, d in (it.get("durations") or {}).items():
            want_h = parse_duration(str(d))
            if any(abs(h - want_h) <= max(1.0, 0.25 * want_h) for h in hours):
                durations.tp += 1
            else:
                durations.fn += 1
    return {"descriptions": n, "present": present.to_dict(), "negated": absent.to_dict(),
            "durations": durations.to_dict(),
            "false_positive_examples": present.false_positives[:40]}


def format_report(r: dict[str, Any]) -> str:
    lines = [f"Descriptions: {r['descriptions']}"]
    for k in ("present", "negated"):
        s = r[k]
        lines.append(f"{k:<9} precision {s['precision']:.1%}  recall {s['recall']:.1%}  "
                     f"(tp {s['tp']}, fp {s['fp']}, fn {s['fn']})")
    d = r["durations"]
    lines.append(f"durations found {d['recall']:.1%} ({d['tp']} of {d['tp'] + d['fn']})")
    return "\n".join(lines)
