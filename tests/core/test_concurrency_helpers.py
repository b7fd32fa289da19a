"""The concurrency helpers fail with a report instead of hanging (issue 12, point 2).

The 100-concurrent-bookings test once waited forever on a barrier because some threads never
reached it. These tests stick a helper on purpose, with short timeouts, and check that it fails
quickly and says what went wrong.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.concurrency import ConcurrencyError, StartBarrier, join_all, run_together

REPO = Path(__file__).resolve().parents[2]


def test_a_barrier_that_never_fills_fails_instead_of_waiting() -> None:
    barrier = StartBarrier(3, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(ConcurrencyError, match=r"only 1 of 3 threads reached the start barrier within 0.3 s"):
        barrier.wait()
    assert time.monotonic() - started < 5


def test_a_stuck_worker_fails_the_run_naming_where_it_is_stuck() -> None:
    release = threading.Event()

    def stuck() -> None:
        release.wait(60)  # stands for a lock or a connection that never comes

    started = time.monotonic()
    try:
        with pytest.raises(ConcurrencyError) as failed:
            run_together([lambda: 1, stuck, lambda: 3], start_timeout=1, timeout=0.5)
    finally:
        release.set()
    assert time.monotonic() - started < 10
    report = str(failed.value)
    assert "1 of 3 threads still running after 1.5 s" in report
    assert "worker-1" in report and "release.wait(60)" in report  # the stuck thread's stack


def test_join_all_reports_the_errors_of_the_finished_threads() -> None:
    release = threading.Event()
    thread = threading.Thread(target=release.wait, args=(60,), name="waiter", daemon=True)
    thread.start()
    try:
        with pytest.raises(ConcurrencyError, match=r"(?s)still running after 0.2 s; errors in the others:.*boom"):
            join_all([thread], 0.2, errors=lambda: [RuntimeError("boom")])
    finally:
        release.set()
        thread.join(5)


def test_workers_start_together_and_report_their_results() -> None:
    results = run_together([lambda: 1, lambda: 1 / 0, lambda: 3], timeout=10)
    assert results[0] == 1 and results[2] == 3 and isinstance(results[1], ZeroDivisionError)


def test_every_test_has_a_time_limit(pytestconfig: pytest.Config) -> None:
    assert float(pytestconfig.getini("timeout")) == 120
    assert pytestconfig.getini("timeout_method") == "signal"


def test_a_test_stuck_on_a_plain_barrier_fails_with_its_stack(tmp_path: Path) -> None:
    """What the limit does to a hanging test: a child pytest, with this project's configuration and
    the limit lowered to 3 s, runs a test stuck on a barrier no other thread reaches."""
    test = tmp_path / "test_stuck.py"
    test.write_text("import threading\n\n\ndef test_stuck():\n    threading.Barrier(2).wait()\n")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-c", str(REPO / "pyproject.toml"),
         "--rootdir", str(tmp_path), "-o", "timeout=3", str(test)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "1 failed" in output and "Timeout (>3.0s) from pytest-timeout" in output, output
    assert "Barrier(2).wait()" in output, output  # where it was stuck
    assert time.monotonic() - started < 50
