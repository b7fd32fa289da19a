"""Background jobs: a small queue on the database.

``enqueue()`` writes a job row inside the caller's transaction (so a job exists only if the
write that asked for it committed). Workers claim due jobs one at a time: on PostgreSQL with
``SELECT … FOR UPDATE SKIP LOCKED``; on SQLite the IMMEDIATE transaction mode serialises
claimers. In the embedded default, a daemon thread in the serving process is the worker; in
production, ``vardlots manage worker`` runs as separate processes.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from vardlots.core.models import Job

log = logging.getLogger(__name__)
Handler = Callable[[dict[str, Any]], None]
_HANDLERS: dict[str, Handler] = {}
LEASE = timedelta(minutes=5)


def job(name: str) -> Callable[[Handler], Handler]:
    """Register a function as the handler of jobs called ``name``."""

    def register(fn: Handler) -> Handler:
        if name in _HANDLERS and _HANDLERS[name] is not fn:
            raise ValueError(f"job {name!r} registered twice")
        _HANDLERS[name] = fn
        return fn

    return register


def enqueue(name: str, payload: dict[str, Any] | None = None, run_at: datetime | None = None,
            max_attempts: int = 5) -> Job:
    return Job.objects.create(name=name, payload=payload or {}, run_at=run_at or timezone.now(),
                              max_attempts=max_attempts)


def _worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def claim_next(now: datetime | None = None) -> Job | None:
    now = now or timezone.now()
    with transaction.atomic():
        due = Job.objects.filter(state=Job.State.QUEUED, run_at__lte=now) | Job.objects.filter(
            state=Job.State.RUNNING, locked_until__lt=now
        )
        qs = due.order_by("run_at", "id")
        if connection.vendor == "postgresql":
            qs = qs.select_for_update(skip_locked=True)
        found = qs.first()
        if found is None:
            return None
        found.state = Job.State.RUNNING
        found.locked_by = _worker_id()
        found.locked_until = now + LEASE
        found.attempts += 1
        found.save(update_fields=["state", "locked_by", "locked_until", "attempts"])
        return found


def run_one(now: datetime | None = None) -> Job | None:
    """Claim and run one due job; returns it (with its new state) or None when nothing is due."""
    claimed = claim_next(now)
    if claimed is None:
        return None
    handler = _HANDLERS.get(claimed.name)
    try:
        if handler is None:
            raise LookupError(f"no handler registered for job {claimed.name!r}")
        handler(claimed.payload)
    except Exception:  # a failing job must not stop the worker
        claimed.last_error = traceback.format_exc(limit=5)
        if claimed.attempts >= claimed.max_attempts:
            claimed.state = Job.State.FAILED
            claimed.finished_at = timezone.now()
        else:
            claimed.state = Job.State.QUEUED
            claimed.run_at = timezone.now() + timedelta(seconds=30 * 2 ** (claimed.attempts - 1))
        log.warning("job %s failed (attempt %s)", claimed, claimed.attempts)
    else:
        claimed.state = Job.State.DONE
        claimed.finished_at = timezone.now()
    claimed.locked_until = None
    claimed.save(update_fields=["state", "finished_at", "run_at", "last_error", "locked_until"])
    return claimed


def run_due(limit: int = 100) -> int:
    """Run up to ``limit`` due jobs now; returns how many ran (used by tests and the worker)."""
    count = 0
    while count < limit and run_one() is not None:
        count += 1
    return count


def work_forever(stop: threading.Event, idle_seconds: float = 2.0) -> None:
    while not stop.is_set():
        try:
            ran = run_due(limit=20)
        except Exception:
            log.exception("job worker loop failed")
            ran = 0
        finally:
            close_old_connections()
        if not ran:
            stop.wait(idle_seconds)


_thread: threading.Thread | None = None
_stop = threading.Event()


def start_inprocess_worker() -> bool:
    """Start the embedded worker thread (embedded default only). Returns whether it started."""
    global _thread
    if settings.JOBS_BACKEND != "inprocess" or _thread is not None:
        return False
    _thread = threading.Thread(target=work_forever, args=(_stop,), name="vardlots-jobs", daemon=True)
    _thread.start()
    return True
