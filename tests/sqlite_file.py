"""Thread tests on SQLite run in a child pytest against a WAL file database.

The suite's default SQLite test database is in memory with a shared cache, where concurrent writers
fail at once ("database table is locked") instead of waiting as they do on the embedded default's
WAL file. A concurrency test therefore comes in two parts: the thread test itself, which skips
unless it runs on a file database (``skip_unless_sqlite_file``), and a driver that runs it in a
child pytest with ``VARDLOTS_SQLITE_TEST_PATH`` set (``run_on_sqlite_file``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[1]
# The child run must end before the driver's own per-test limit (marker below) so that its output
# is reported; the driver tests are marked ``slow``, which the root conftest gives 300 s.
CHILD_TIMEOUT = 240


def on_sqlite_file() -> bool:
    return connection.vendor == "sqlite" and not connection.is_in_memory_db()


def skip_unless_sqlite_file(driver: str) -> None:
    if not on_sqlite_file():
        pytest.skip(f"runs inside {driver}")


def run_on_sqlite_file(test_file: str, keyword: str, tmp_path: Path, expect_passed: int) -> None:
    """Run the tests of ``test_file`` matching ``keyword`` in a child pytest on a file database."""
    if os.environ.get("DATABASE_URL"):
        pytest.skip("the SQLite variant of a concurrency test")
    env = {**os.environ, "VARDLOTS_SQLITE_TEST_PATH": str(tmp_path / "concurrency.sqlite3")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-W", "error", "-q", "-p", "no:randomly", test_file, "-k", keyword],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=CHILD_TIMEOUT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{expect_passed} passed" in result.stdout, result.stdout
