"""Background jobs on the database: enqueue, run, retry with back-off, give up, lease expiry."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from vardlots.core import jobs
from vardlots.core.models import Job

pytestmark = pytest.mark.django_db

calls: list[dict[str, Any]] = []


@jobs.job("test.record")
def _record(payload: dict[str, Any]) -> None:
    calls.append(payload)


@jobs.job("test.fail")
def _fail(payload: dict[str, Any]) -> None:
    raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def _clear() -> None:
    calls.clear()


def test_a_due_job_runs_once_and_is_done() -> None:
    job = jobs.enqueue("test.record", {"n": 1})
    assert jobs.run_due() == 1
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert job.attempts == 1
    assert calls == [{"n": 1}]
    assert jobs.run_due() == 0


def test_a_job_in_the_future_waits() -> None:
    jobs.enqueue("test.record", {"n": 2}, run_at=timezone.now() + timedelta(minutes=5))
    assert jobs.run_due() == 0
    assert calls == []


def test_due_jobs_run_in_time_order() -> None:
    now = timezone.now()
    jobs.enqueue("test.record", {"n": "late"}, run_at=now - timedelta(seconds=1))
    jobs.enqueue("test.record", {"n": "early"}, run_at=now - timedelta(seconds=10))
    assert jobs.run_due() == 2
    assert calls == [{"n": "early"}, {"n": "late"}]


def test_a_failing_job_is_retried_later_then_marked_failed() -> None:
    job = jobs.enqueue("test.fail", max_attempts=2)
    before = timezone.now()
    assert jobs.run_one() is not None
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED
    assert job.run_at >= before + timedelta(seconds=30)
    assert "boom" in job.last_error
    assert jobs.run_one(now=job.run_at + timedelta(seconds=1)) is not None
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert job.attempts == 2


def test_an_unknown_job_name_fails_instead_of_vanishing() -> None:
    job = jobs.enqueue("test.nobody-handles-this", max_attempts=1)
    jobs.run_due()
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "no handler registered" in job.last_error


def test_a_job_whose_worker_died_is_claimed_again_after_the_lease() -> None:
    job = jobs.enqueue("test.record", {"n": 3})
    claimed = jobs.claim_next()
    assert claimed is not None and claimed.pk == job.pk
    # The worker died: nothing is due until the lease runs out.
    assert jobs.claim_next() is None
    later = timezone.now() + jobs.LEASE + timedelta(seconds=1)
    again = jobs.claim_next(now=later)
    assert again is not None and again.pk == job.pk and again.attempts == 2


def test_registering_two_handlers_for_one_name_is_refused() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        jobs.job("test.record")(lambda payload: None)
