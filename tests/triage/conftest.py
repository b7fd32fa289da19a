"""Fixtures for the triage core tests: the real content and small synthetic content sets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from vardlots.triage.loader import default_content_dir, load_content_with_problems
from vardlots.triage.model import ContentSet

REAL_CONTENT_DIR = default_content_dir()


@pytest.fixture(scope="session")
def real_content() -> ContentSet:
    content, _problems = load_content_with_problems(REAL_CONTENT_DIR)
    return content


def T(s: str) -> dict[str, str]:
    return {"sv": f"{s} (sv)", "en": s}


def yes_no(finding: str, show_if: str | None = None) -> dict[str, Any]:
    q: dict[str, Any] = {"finding": finding, "type": "yes_no",
                         "text": {"resident": T(f"{finding}?"), "nurse": T(f"{finding}?"),
                                  "resident_child": T(f"child {finding}?"),
                                  "resident_other": T(f"other {finding}?")}}
    if show_if:
        q["show_if"] = show_if
    return q


def rule(rid: str, when: str, urgency: str, care_need: str | None = None,
         **extra: Any) -> dict[str, Any]:
    care = care_need or {"EMERGENCY_112": "ambulance", "P1": "emergency_department",
                         "P2": "urgent_care", "P3": "health_centre", "P4": "health_centre",
                         "P5": "self_care"}[urgency]
    r: dict[str, Any] = {"id": rid, "when": when, "urgency": urgency, "care_need": care,
                         "reason": T(f"reason {rid}"), "sources": ["src"]}
    if urgency in ("EMERGENCY_112", "P4", "P5"):
        r["advice"] = T(f"advice {rid}")
    if urgency in ("P3", "P4", "P5"):
        r["safety_net"] = T(f"safety net {rid}")
    r.update(extra)
    return r


def protocol(pid: str, questions: list[dict[str, Any]], rules: list[dict[str, Any]],
             default: str = "P5", **extra: Any) -> dict[str, Any]:
    d = rule("default", "x", default)
    d.pop("id")
    d.pop("when")
    p: dict[str, Any] = {
        "id": pid, "version": 1, "review_state": "draft", "title": T(pid.replace("_", " ")),
        "search_terms": {"sv": [pid], "en": [pid]}, "questions": questions, "rules": rules,
        "default": d,
    }
    p.update(extra)
    return p


def write_content(root: Path, protocols: list[dict[str, Any]],
                  red_flags: dict[str, Any] | None = None,
                  modifiers: list[dict[str, Any]] | None = None,
                  shared_questions: list[dict[str, Any]] | None = None,
                  vignettes: list[dict[str, Any]] | None = None,
                  extra_findings: list[str] = (),  # type: ignore[assignment]
                  level_forms: dict[str, dict[str, Any]] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for d in ("protocols", "findings", "questions", "sources", "vignettes", "search"):
        (root / d).mkdir(exist_ok=True)

    def dump(path: Path, data: Any) -> None:
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    dump(root / "manifest.yaml", {"version": "test.1", "review_state": "draft", "name": T("test")})
    finding_ids: list[str] = list(extra_findings)
    qs_all = list(shared_questions or [])
    for p in protocols:
        qs_all += p.get("questions", [])
    if red_flags:
        qs_all += red_flags.get("questions", [])
    for q in qs_all:
        if q["finding"] not in finding_ids:
            finding_ids.append(q["finding"])
    dump(root / "findings" / "test.yaml", {"findings": [
        {"id": f, "kind": "symptom", "label": T(f)} for f in finding_ids]})
    dump(root / "sources" / "test.yaml", {"sources": [
        {"id": "src", "title": "Test source", "publisher": "NHS", "url": "https://example.org/",
         "version": "1"}]})
    dump(root / "questions" / "shared.yaml", {"questions": list(shared_questions or [])})
    if red_flags:
        dump(root / "red_flags.yaml", red_flags)
    dump(root / "modifiers.yaml", {"modifiers": list(modifiers or [])})
    dump(root / "levels.yaml", {"levels": {
        u: {"advice": T(f"level advice {u}"), "safety_net": T(f"level safety net {u}"),
            "sources": ["src"], **(level_forms or {}).get(u, {})}
        for u in ("EMERGENCY_112", "P1", "P2", "P3", "P4", "P5")}})
    for p in protocols:
        dump(root / "protocols" / f"{p['id']}.yaml", p)
    if vignettes:
        dump(root / "vignettes" / "test.yaml", {"vignettes": vignettes})
    return root


Builder = Callable[..., ContentSet]


@pytest.fixture
def build(tmp_path: Path) -> Builder:
    """Build and load a synthetic content set; fails on load errors."""
    counter = [0]

    def _build(*args: Any, **kwargs: Any) -> ContentSet:
        counter[0] += 1
        root = write_content(tmp_path / f"c{counter[0]}", *args, **kwargs)
        content, problems = load_content_with_problems(root)
        errors = [p for p in problems if p.severity == "error"]
        assert not errors, "\n".join(map(str, errors))
        return content

    return _build
