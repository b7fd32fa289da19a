"""Benchmark of the contact-reason search. Prints numbers; not a timed test.

    PYTHONPATH=src .venv/bin/python bench/search.py [--baseline-rev REV] [--repeat N]

Builds the index and runs every author and held-out phrasing through `ProtocolSearch.search`, for
the current `vardlots.triage.search` and for the same module as it was at git revision REV
(default: none; e.g. `--baseline-rev bc2b9da`), alternating the two in the same run so that the
machine's load affects both alike, and prints build time, median and p99 per query, and the ratio.
"""

from __future__ import annotations

import argparse
import importlib.util
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from vardlots.triage import search as current  # noqa: E402
from vardlots.triage.loader import (  # noqa: E402
    default_content_dir,
    load_content_with_problems,
    load_heldout_phrasings,
)


def module_at(rev: str) -> ModuleType:
    src = subprocess.run(["git", "show", f"{rev}:src/vardlots/triage/search.py"], cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(src)
    spec = importlib.util.spec_from_file_location(f"search_{rev}", fh.name)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    try:
        spec.loader.exec_module(mod)
    finally:
        Path(fh.name).unlink()
    return mod


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--content", default=str(default_content_dir()))
    ap.add_argument("--baseline-rev", default=None)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    print("command:", shlex.join([sys.executable.rsplit("/", 1)[-1], *sys.argv]))
    content, _ = load_content_with_problems(args.content)
    heldout, _ = load_heldout_phrasings(args.content)
    queries = [(p.text, p.age_days, p.sex) for p in (*content.search_phrasings, *(heldout or []))]
    mods: dict[str, ModuleType] = {"current": current}
    if args.baseline_rev:
        mods[f"baseline {args.baseline_rev}"] = module_at(args.baseline_rev)
    builds: dict[str, list[float]] = {k: [] for k in mods}
    times: dict[str, list[float]] = {k: [] for k in mods}
    for _ in range(args.repeat):
        for name, mod in mods.items():  # alternate: a fresh index (empty caches) each round
            t = time.perf_counter()
            idx = mod.ProtocolSearch(content)
            builds[name].append(time.perf_counter() - t)
            for text, age, sex in queries:
                t = time.perf_counter()
                idx.search(text, age_days=age, sex=sex)
                times[name].append(time.perf_counter() - t)
    print(f"{len(content.protocols)} protocols, {len(queries)} queries x {args.repeat}")
    for name in mods:
        ts = times[name]
        print(f"{name:>20}: build {statistics.median(builds[name]) * 1000:7.1f} ms   query median "
              f"{statistics.median(ts) * 1000:6.2f} ms   p99 {pct(ts, 99) * 1000:6.2f} ms   "
              f"total {sum(ts):6.2f} s")
    if len(mods) == 2:
        a, b = (times[k] for k in mods)
        print(f"ratio current/baseline: query median {statistics.median(a) / statistics.median(b):.2f}"
              f", total {sum(a) / sum(b):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
