"""PostgreSQL connections stay bounded under concurrent requests (issue 12, point 1).

Under ASGI each request runs its sync code in a thread of its own. With persistent per-thread
connections (the former ``conn_max_age=60``) every such thread left a connection open, and a load
run filled PostgreSQL's ``max_connections``. With the pool, a process never holds more than
``VARDLOTS_DB_POOL_MAX`` connections. The requests go through the real ASGI application.
"""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest
from channels.db import database_sync_to_async
from channels.testing import HttpCommunicator
from django.conf import settings
from django.db import connection, connections

from tests import factories
from vardlots.directory.models import UnitKind

REQUESTS = 60  # all at once: more than the pool has connections


def _sampler_params() -> dict[str, Any]:
    s = connection.settings_dict
    return {"dbname": s["NAME"], "user": s["USER"], "password": s["PASSWORD"] or None,
            "host": s["HOST"] or None, "port": s["PORT"] or None, "autocommit": True}


async def _count(sampler: psycopg.AsyncConnection[Any]) -> int:
    """Connections to this test database, the sampler's own excluded."""
    cursor = await sampler.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
    row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.postgres
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_concurrent_requests_through_asgi_use_at_most_the_pool_of_connections() -> None:
    from vardlots.asgi import application

    assert connection.vendor == "postgresql"
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    bound = settings.DB_POOL_MAX
    assert REQUESTS > bound
    unit = await database_sync_to_async(factories.unit)(UnitKind.HEALTH_CENTRE, name="Vårdcentral Pool")
    paths = [f"/hitta-vard/?q=Pool&n={i}" if i % 2 else f"/hitta-vard/enhet/{unit.hsa_id}/" for i in range(REQUESTS)]

    sampler = await psycopg.AsyncConnection.connect(**_sampler_params(), connect_timeout=5)
    peak = 0
    done = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, await _count(sampler))
            await asyncio.sleep(0.01)

    async def get(path: str) -> int:
        comm = HttpCommunicator(application, "GET", path, headers=[(b"host", b"127.0.0.1")])
        response = await comm.get_response(timeout=30)
        await comm.wait(timeout=30)  # the request ends (request_finished) as under a real server
        return int(response["status"])

    try:
        sampling = asyncio.create_task(sample())
        statuses = await asyncio.wait_for(asyncio.gather(*(get(p) for p in paths)), timeout=90)
        done.set()
        await asyncio.wait_for(sampling, timeout=10)
        after = await _count(sampler)
    finally:
        done.set()
        await sampler.close()
        await database_sync_to_async(connections.close_all)()

    assert statuses == [200] * REQUESTS, sorted(set(statuses))
    assert peak <= bound and after <= bound, (
        f"{REQUESTS} concurrent requests: peak {peak}, after {after} connections; the pool allows {bound}")
    assert pool is not None and pool["max_size"] == bound, pool
