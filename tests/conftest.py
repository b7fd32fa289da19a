"""Shared test configuration.

The suite runs on the embedded default (SQLite, in-process channel layer) and, when
``DATABASE_URL`` / ``REDIS_URL`` are set, on PostgreSQL and Redis. Tests that need a service that
is not there are skipped with a reason; in CI (``VARDLOTS_CI=1``) such a skip is a failure, so a
green CI run really exercised PostgreSQL, Redis and the browser.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# Property tests are limited by the per-test timeout, not by Hypothesis' 200 ms deadline per
# example, which a loaded CI machine (two passes side by side) exceeds now and then.
settings.register_profile("vardlots", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("vardlots")

IN_CI = os.environ.get("VARDLOTS_CI") == "1"
# What this CI pass must exercise: the browser always; PostgreSQL and Redis in the pass that sets them.
_REQUIRE = os.environ.get("VARDLOTS_CI_REQUIRE", "browser,gettext")
CI_REQUIRED = {part for part in _REQUIRE.split(",") if part} if IN_CI else set()
CHROMIUM = os.environ.get("VARDLOTS_CHROMIUM", "/usr/bin/chromium")


def require(condition: bool, reason: str, part: str = "browser") -> None:
    """Skip when a real part the test needs is missing; fail instead when this CI pass requires it."""
    if condition:
        return
    if part in CI_REQUIRED:
        pytest.fail(f"CI requires this test to run, but: {reason}")
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres"):
        require(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                "needs PostgreSQL: set DATABASE_URL=postgresql://...", "postgres")
    if item.get_closest_marker("redis"):
        require(bool(os.environ.get("REDIS_URL")), "needs Redis: set REDIS_URL=redis://...", "redis")
    if item.get_closest_marker("browser"):
        require(os.path.exists(CHROMIUM) and os.environ.get("VARDLOTS_BROWSER_TESTS", "1") != "0",
                f"needs Chromium at {CHROMIUM} (apt-get install chromium)", "browser")


LONG_TIMEOUT = 300  # seconds, for browser tests and slow ones (the default is in pyproject.toml)


# Test folders whose tests use neither a database, a channel layer nor a server: the clinical content
# and the triage core. Running them on PostgreSQL + Redis would only repeat the embedded pass, so CI
# deselects them there (`-m "not backend_independent"`, see .ci/run).
BACKEND_INDEPENDENT_DIRS = ("triage",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests_dir = os.path.dirname(__file__)
    for item in items:
        rel = os.path.relpath(str(item.path), tests_dir).split(os.sep)
        if rel[0] in BACKEND_INDEPENDENT_DIRS:
            if any(item.get_closest_marker(m) for m in ("django_db", "postgres", "redis", "browser")):
                raise pytest.UsageError(f"{item.nodeid} uses a backend but lives in a backend-independent "
                                        "folder, which CI runs on the embedded default only: move it")
            item.add_marker(pytest.mark.backend_independent)
        if item.get_closest_marker("timeout") is None and (
                item.get_closest_marker("browser") or item.get_closest_marker("slow")):
            item.add_marker(pytest.mark.timeout(LONG_TIMEOUT))


_ran: dict[str, int] = {"browser": 0, "postgres": 0, "redis": 0}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed:
        for key in _ran:
            if key in report.keywords:
                _ran[key] += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not IN_CI:
        return
    missing = sorted(k for k in CI_REQUIRED & set(_ran) if _ran[k] == 0 and session.testscollected > 50)
    if missing and exitstatus == 0:
        session.exitstatus = 1
        print(f"\nCI: no {', '.join(missing)} test ran; CI must exercise them.")
