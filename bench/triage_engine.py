"""Benchmark of the triage core. Prints numbers; not a timed test.

    PYTHONPATH=src .venv/bin/python bench/triage_engine.py [--content DIR] [--repeat N]

Reports: content load time, content check time, median and p99 of one next-question step and of
a full vignette-driven assessment, tracemalloc peak and RSS, and ratios against a baseline loop
measured in the same run (evaluating a compiled expression 1000 times).
Targets: step median < 100 µs; load + check < 2 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from vardlots.triage.check import check_content
from vardlots.triage.engine import Result, TriageInput, next_step
from vardlots.triage.expressions import parse
from vardlots.triage.loader import default_content_dir, load_content_with_problems
from vardlots.triage.model import ContentSet, Vignette
from vardlots.triage.vignettes import lay_answer, person_facts


def pct(xs: list[float], p: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def vignette_steps(content: ContentSet, v: Vignette) -> list[TriageInput]:
    """Every engine input along the vignette's path (one per step)."""
    inputs: list[TriageInput] = []
    answers: list[tuple[str, Any]] = []
    facts = person_facts(content, v)
    for _ in range(80):
        inp = TriageInput(v.age_days, v.sex, v.protocols, tuple(answers), v.pregnant)
        inputs.append(inp)
        step = next_step(content, inp)
        if isinstance(step, Result):
            break
        answers.append((step.finding, lay_answer(content, step, facts)))
    return inputs


def assess(content: ContentSet, v: Vignette) -> None:
    vignette_steps(content, v)


def rss_mb() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--content", default=None)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    root = Path(args.content) if args.content else default_content_dir()
    print("command:", shlex.join([os.path.relpath(sys.executable), *sys.argv]))
    print(f"python {sys.version.split()[0]}, content {root}")

    t0 = time.perf_counter()
    content, problems = load_content_with_problems(root)
    load_s = time.perf_counter() - t0
    tracemalloc.start()
    load_content_with_problems(root)
    _, peak_load = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    t0 = time.perf_counter()
    report = check_content(root, loaded=(content, problems))
    check_s = time.perf_counter() - t0
    print(f"content: version {content.version}, {len(content.protocols)} protocols, "
          f"{len(content.findings)} findings, {len(content.vignettes)} vignettes; "
          f"{len(report.errors)} check error(s)")
    print(f"load:  {load_s * 1000:8.1f} ms")
    print(f"check: {check_s * 1000:8.1f} ms (on the loaded content)   "
          f"load + check: {(load_s + check_s):.2f} s  (target < 2 s)")

    # baseline: a trivial evaluation loop (1000 evaluations of a compiled expression)
    expr = parse("a and (b or not c) and t >= 38.5")
    env = {"a": True, "b": False, "c": False, "t": 39.0}
    base: list[float] = []
    for _ in range(200):
        t = time.perf_counter()
        for _ in range(1000):
            expr(env)
        base.append((time.perf_counter() - t) / 1000)
    base_med = statistics.median(base)
    print(f"baseline: one expression evaluation median {base_med * 1e6:.2f} µs")

    vignettes = list(content.vignettes)
    if not vignettes:
        print("no vignettes: skipping step benchmarks")
        return 0
    inputs = [inp for v in vignettes for inp in vignette_steps(content, v)]
    for inp in inputs[:50]:  # warm caches
        next_step(content, inp)
    step_times: list[float] = []
    for _ in range(args.repeat):
        for inp in inputs:
            t = time.perf_counter()
            next_step(content, inp)
            step_times.append(time.perf_counter() - t)
    full_times: list[float] = []
    for _ in range(args.repeat):
        for v in vignettes:
            t = time.perf_counter()
            assess(content, v)
            full_times.append(time.perf_counter() - t)
    sm, sp = statistics.median(step_times), pct(step_times, 99)
    fm, fp = statistics.median(full_times), pct(full_times, 99)
    print(f"next_step:  median {sm * 1e6:8.1f} µs  p99 {sp * 1e6:8.1f} µs  "
          f"(n={len(step_times)}; {sm / base_med:.0f}x baseline; target median < 100 µs)")
    print(f"assessment: median {fm * 1e3:8.2f} ms  p99 {fp * 1e3:8.2f} ms  "
          f"(n={len(full_times)}; {fm / base_med:.0f}x baseline)")

    tracemalloc.start()
    for v in vignettes:
        assess(content, v)
    _, peak_run = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"memory: tracemalloc peak load {peak_load / 1e6:.1f} MB, "
          f"peak during all assessments {peak_run / 1e6:.2f} MB, RSS {rss_mb():.1f} MB")
    ok = sm < 100e-6 and (load_s + check_s) < 2.0
    print("targets met" if ok else "targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
