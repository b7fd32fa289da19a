"""Bounded load run: PostgreSQL connections and HTTP statuses of the real service. Prints numbers.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/vardlots_bench \\
        .venv/bin/python bench/db_connections.py [--requests 300] [--concurrency 20] [--no-pool]

Starts ``vardlots serve`` (migrates and seeds the demo data into an empty database) in a
subprocess on a free port, sends ``--requests`` GET requests with ``--concurrency`` client threads
to a few real pages and API endpoints, and samples ``pg_stat_activity`` for the database every
20 ms. Reports connections before, at peak and after the load, the configured pool size
(``VARDLOTS_DB_POOL_MAX``), HTTP status counts and latencies (after one warm-up request per path).
``--no-pool`` runs the service with
``VARDLOTS_DB_POOL=0`` (a connection per request) for comparison. The database must exist
(``createdb``); the run writes demo data into it when it is empty, nothing else.
"""

from __future__ import annotations

import argparse
import collections
import os
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

REPO = Path(__file__).resolve().parents[1]
DEFAULT_POOL_MAX = 10  # settings.py's default for VARDLOTS_DB_POOL_MAX


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


BENCH_PIDS: list[int] = []  # the bench's own connections, not counted


def count_connections(conn: psycopg.Connection[tuple[int]], dbname: str) -> int:
    row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> ALL(%s)",
                       [dbname, BENCH_PIDS]).fetchone()
    return int(row[0]) if row else 0


def start_service(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as handle:
        process = subprocess.Popen([sys.executable, "-m", "vardlots.cli", "serve", "--port", str(port)],
                                   env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=REPO)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the service exited:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise SystemExit(f"the service did not start within 180 s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def fetch(url: str) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - our own server
            response.read()
            status = int(response.status)
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:  # refused, reset, timed out: counted, not fatal
        status = -1
        print(f"  request failed: {type(error).__name__}: {error}", file=sys.stderr)
    return status, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--no-pool", action="store_true", help="run the service with VARDLOTS_DB_POOL=0")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL=postgresql://... (an existing database; demo data is loaded when empty)")
    dbname = urllib.parse.urlparse(database_url).path.lstrip("/")
    pool_max = int(os.environ.get("VARDLOTS_DB_POOL_MAX") or DEFAULT_POOL_MAX)

    port = free_port()
    var_dir = Path(tempfile.mkdtemp(prefix="vardlots-bench-"))
    env = {**os.environ, "VARDLOTS_VAR_DIR": str(var_dir), "VARDLOTS_ENV": "test", "PYTHONUNBUFFERED": "1",
           "VARDLOTS_LOG_LEVEL": "WARNING"}
    if args.no_pool:
        env["VARDLOTS_DB_POOL"] = "0"
    base = f"http://127.0.0.1:{port}"

    with psycopg.connect(database_url, autocommit=True, connect_timeout=10) as watch:
        BENCH_PIDS.append(watch.info.backend_pid)
        process = start_service(env, port, var_dir / "server.log")
        try:
            row = watch.execute("SELECT hsa_id FROM directory_unit WHERE active ORDER BY id LIMIT 1").fetchone()
            paths = ["/", "/hitta-vard/", "/hitta-vard/?q=v%C3%A5rdcentral", "/api/v1/triage/protocols",
                     "/api/v1/triage/search?q=ont+i+halsen"]
            if row:
                paths.append(f"/hitta-vard/enhet/{row[0]}/")
            urls = [base + paths[i % len(paths)] for i in range(args.requests)]
            # One request per path first, one after the other: the first triage request loads the
            # clinical content, which would otherwise dominate the latencies of the load.
            warm_up = {path: fetch(base + path) for path in paths}
            time.sleep(1.0)
            before = count_connections(watch, dbname)

            samples: list[int] = []
            done = threading.Event()

            def sample() -> None:
                with psycopg.connect(database_url, autocommit=True, connect_timeout=10) as sampler:
                    BENCH_PIDS.append(sampler.info.backend_pid)
                    while not done.is_set():
                        samples.append(count_connections(sampler, dbname))
                        time.sleep(0.02)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.concurrency) as clients:
                results = list(clients.map(fetch, urls, timeout=600))
            elapsed = time.perf_counter() - started
            time.sleep(1.0)
            done.set()
            sampler.join(10)
            after = count_connections(watch, dbname)
        finally:
            stop(process)
        closed = count_connections(watch, dbname)

    statuses = collections.Counter(status for status, _ in results)
    latencies = sorted(seconds for _, seconds in results)
    peak = max(samples or [0])
    print("command:", shlex.join([sys.executable, *sys.argv]))
    print(f"service: vardlots serve on {base}, database {dbname}, "
          + ("no pool (VARDLOTS_DB_POOL=0)" if args.no_pool else f"pool max {pool_max} (VARDLOTS_DB_POOL_MAX)"))
    print(f"load: {args.requests} GET requests, concurrency {args.concurrency}, {len(paths)} paths: {', '.join(paths)}")
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    print(f"time: {elapsed:.2f} s, {args.requests / elapsed:.1f} requests/s; latency median "
          f"{statistics.median(latencies) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    print("warm-up (one request per path, in turn): " + ", ".join(
        f"{path} {status} in {seconds * 1000:.0f} ms" for path, (status, seconds) in warm_up.items()))
    by_path: dict[str, list[float]] = collections.defaultdict(list)
    for url, (_status, seconds) in zip(urls, results, strict=True):
        by_path[url.removeprefix(base)].append(seconds)
    for path, times in by_path.items():
        print(f"  {path}: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")
    print("HTTP statuses: " + ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items())))
    print(f"PostgreSQL connections to {dbname} (the bench's own excluded): before {before}, peak {peak}, "
          f"after {after}, after the service stopped {closed} ({len(samples)} samples)")
    bounded = args.no_pool or (peak <= pool_max and after <= pool_max)
    errors = sum(n for status, n in statuses.items() if status >= 500 or status < 0)
    print(f"within the pool size: {'yes' if bounded else 'NO'}; server errors: {errors}")
    return 0 if bounded and not errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
