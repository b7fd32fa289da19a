"""Exactly one owner under real concurrency: threads with their own database connections.

On PostgreSQL (``@pytest.mark.postgres``) the claim uses ``SELECT … FOR UPDATE SKIP LOCKED`` plus a
conditional update; on SQLite an IMMEDIATE transaction plus the same conditional update.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests import factories
from tests.cases.helpers import World, care_case
from tests.concurrency import run_together
from tests.sqlite_file import run_on_sqlite_file, skip_unless_sqlite_file
from vardlots.accounts.models import StaffUser
from vardlots.cases import actions
from vardlots.cases.actions import CaseError
from vardlots.cases.models import Case, CaseEvent, CaseStatus

REPO = Path(__file__).resolve().parents[2]


def nurses(w: World, n: int) -> list[StaffUser]:
    return [factories.staff("nurse", w.hc) for _ in range(n)]


def claim_same_case(w: World, n: int) -> None:
    actions.do_set_unit_settings(w.hc, max_parallel_cases=10)
    case = care_case(w, "P3")
    staff = nurses(w, n)

    def claim(member: StaffUser) -> Callable[[], Any]:
        return lambda: actions.do_claim(member, Case.objects.get(pk=case.pk))

    results = run_together([claim(member) for member in staff])
    winners = [r for r in results if isinstance(r, Case)]
    losers = [r for r in results if isinstance(r, CaseError)]
    assert len(winners) == 1, results
    assert len(losers) == n - 1 and {e.key for e in losers} == {"case.taken"}, results
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.owner == winners[0].owner
    assert CaseEvent.objects.filter(case=case, kind="claimed").count() == 1


def claim_next_distinct(w: World, n_staff: int, n_cases: int) -> None:
    cases = [care_case(w, "P3") for _ in range(n_cases)]
    staff = nurses(w, n_staff)
    queue = w.care_queue()

    def claim(member: StaffUser) -> Callable[[], Any]:
        return lambda: actions.do_claim_next(member, queue)

    results = run_together([claim(member) for member in staff])
    got = [r for r in results if isinstance(r, Case)]
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(got) == min(n_staff, n_cases)
    assert len({c.pk for c in got}) == len(got)  # distinct cases
    owners = dict(Case.objects.filter(status=CaseStatus.IN_PROGRESS).values_list("pk", "owner_id"))
    assert owners == {c.pk: c.owner_id for c in got}
    assert len(set(owners.values())) == len(got)  # one case each
    assert sum(1 for r in results if r is None) == max(0, n_staff - n_cases)
    assert {c.pk for c in cases} >= set(owners)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_50_threads_claim_one_case_one_owner(w: World) -> None:
    assert connection.vendor == "postgresql"
    claim_same_case(w, 50)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_20_staff_claim_next_get_distinct_cases(w: World) -> None:
    assert connection.vendor == "postgresql"
    claim_next_distinct(w, 20, 30)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_more_claimers_than_cases(w: World) -> None:
    claim_next_distinct(w, 20, 7)


# SQLite: the suite's default test database is in memory with a shared cache, where concurrent
# writers fail at once ("database table is locked") instead of waiting, unlike the embedded
# default's WAL file. So the thread tests run in a child pytest against a file database.



@pytest.mark.django_db(transaction=True)
def test_sqlite_threads_claim_one_case_one_owner(w: World) -> None:
    skip_unless_sqlite_file("test_sqlite_claims_in_file_database")
    claim_same_case(w, 20)


@pytest.mark.django_db(transaction=True)
def test_sqlite_threads_claim_next_distinct(w: World) -> None:
    skip_unless_sqlite_file("test_sqlite_claims_in_file_database")
    claim_next_distinct(w, 10, 6)


@pytest.mark.slow
def test_sqlite_claims_in_file_database(tmp_path: Path) -> None:
    """Run the two SQLite thread tests above against a WAL file database, like the embedded default."""
    run_on_sqlite_file(__file__, "test_sqlite_threads", tmp_path, expect_passed=2)
