"""Thread helpers for concurrency tests that fail with a report instead of hanging.

Every wait has a timeout: the start barrier, the joins. When one runs out, the test fails with
what went wrong: how many threads reached the barrier, which threads are still running and where
they are stuck (their stacks), and the errors of the threads that failed.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections

START_TIMEOUT = 30.0  # seconds every thread gets to reach the start barrier
RUN_TIMEOUT = 90.0  # seconds all threads together get to finish


class ConcurrencyError(AssertionError):
    """A concurrency test could not start or finish its threads in time."""


def stacks(threads: Sequence[threading.Thread]) -> str:
    frames = sys._current_frames()
    parts = []
    for thread in threads:
        frame = frames.get(thread.ident or -1)
        where = "".join(traceback.format_stack(frame)[-6:]) if frame is not None else "  (no frame)\n"
        parts.append(f"--- {thread.name}:\n{where}")
    return "".join(parts)


class StartBarrier(threading.Barrier):
    """A barrier whose ``wait()`` gives up after ``timeout`` seconds with a clear error.

    A thread that fails before it reaches the barrier should call ``abort()`` so the others stop
    waiting at once.
    """

    def __init__(self, parties: int, timeout: float = START_TIMEOUT) -> None:
        super().__init__(parties, timeout=timeout)
        self.limit = timeout
        self.arrived = 0
        self._count_lock = threading.Lock()

    def wait(self, timeout: float | None = None) -> int:
        with self._count_lock:
            self.arrived += 1
        try:
            return super().wait(timeout)
        except threading.BrokenBarrierError:
            raise ConcurrencyError(
                f"only {self.arrived} of {self.parties} threads reached the start barrier within "
                f"{timeout or self.limit:g} s (or one gave up before it)") from None


def join_all(threads: Sequence[threading.Thread], timeout: float = RUN_TIMEOUT, *,
             errors: Callable[[], Sequence[BaseException]] = lambda: ()) -> None:
    """Join every thread within ``timeout`` seconds in all; fail naming the ones still running, with
    their stacks and the ``errors()`` the finished ones reported."""
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    alive = [t for t in threads if t.is_alive()]
    if alive:
        failed = "".join(f"\n  {type(e).__name__}: {e}" for e in errors())
        raise ConcurrencyError(
            f"{len(alive)} of {len(threads)} threads still running after {timeout:g} s"
            + (f"; errors in the others:{failed}" if failed else "") + "\n" + stacks(alive))


def run_together(workers: Sequence[Callable[[], Any]], *, start_timeout: float = START_TIMEOUT,
                 timeout: float = RUN_TIMEOUT) -> list[Any]:
    """Start every worker at the same moment, each in its own thread and database connection.

    Returns each worker's result, or the exception it raised (for the test to assert on). Raises
    ``ConcurrencyError`` when the threads cannot all start within ``start_timeout`` seconds or are
    not all done within ``timeout`` seconds.
    """
    barrier = StartBarrier(len(workers), timeout=start_timeout)
    results: list[Any] = [None] * len(workers)
    start_errors: list[BaseException] = []

    def run(i: int, fn: Callable[[], Any]) -> None:
        try:
            try:
                barrier.wait()
            except ConcurrencyError as error:
                start_errors.append(error)
                return
            results[i] = fn()
        except Exception as error:  # collected and asserted on by the test
            results[i] = error
        finally:
            connections.close_all()  # back to the pool, or closed

    threads = [threading.Thread(target=run, args=(i, fn), name=f"worker-{i}", daemon=True)
               for i, fn in enumerate(workers)]
    for thread in threads:
        thread.start()
    join_all(threads, start_timeout + timeout,
             errors=lambda: [r for r in [*start_errors, *results] if isinstance(r, BaseException)])
    if start_errors:
        raise start_errors[0]
    return results

