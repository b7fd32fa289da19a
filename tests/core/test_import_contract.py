"""The import contract forbids the triage core every other vardlots package; keep the list complete."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_other_package_is_forbidden_to_the_triage_core() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = config["tool"]["importlinter"]["contracts"][0]
    assert contract["source_modules"] == ["vardlots.triage"]
    forbidden = set(contract["forbidden_modules"])
    package = ROOT / "src" / "vardlots"
    ours = {f"vardlots.{p.name}" for p in package.iterdir() if (p / "__init__.py").exists()}
    ours |= {f"vardlots.{p.stem}" for p in package.glob("*.py") if p.stem != "__init__"}
    missing = sorted(ours - forbidden - {"vardlots.triage"})
    assert not missing, f"add to the import contract in pyproject.toml: {missing}"
    assert {"django", "channels", "ninja"} <= forbidden
