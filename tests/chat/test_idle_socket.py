"""An idle websocket on Redis stays open and still receives (issue 12, point 7).

channels_redis reads a channel with a 5-second blocking ``BZPOPMIN``; redis-py's default 5-second
socket timeout raced it, so a consumer that heard nothing for about 5 s died with "Timeout
reading from 127.0.0.1:6379" and its socket closed. The channel layer is built from the project's
own settings (only the key prefix is this test's), so the test covers the configured timeouts.
"""

from __future__ import annotations

import asyncio
import copy
import uuid
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.db import connections
from django.test import Client

from tests.cases.helpers import World, care_case, staff_login
from vardlots.cases import actions as cases

ORIGIN = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
IDLE_SECONDS = 30


@pytest.fixture
def project_redis_layer(settings: Any) -> None:
    layer = copy.deepcopy(django_settings.CHANNEL_LAYERS["default"])
    assert layer["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    layer["CONFIG"]["prefix"] = f"vardlots-test-{uuid.uuid4().hex[:8]}"
    settings.CHANNEL_LAYERS = {"default": layer}


async def quiet_for(comm: WebsocketCommunicator, seconds: float) -> None:
    """Wait ``seconds`` and fail at once, saying why, if the server sends or closes anything."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end:
        if comm.future.done():  # the consumer died: say how and when
            error, idle = comm.future.exception(), seconds - (end - loop.time())
            raise AssertionError(f"the consumer ended after {idle:.1f} s idle: {type(error).__name__}: {error}")
        if not comm.output_queue.empty():
            raise AssertionError(f"the idle socket got {comm.output_queue.get_nowait()!r}")
        await asyncio.sleep(0.2)


@pytest.mark.redis
@pytest.mark.asyncio
@pytest.mark.timeout(IDLE_SECONDS + 60)
@pytest.mark.django_db(transaction=True)
async def test_a_websocket_idle_for_30_seconds_on_redis_still_receives(w: World, project_redis_layer: None) -> None:
    from vardlots.asgi import application

    case = await database_sync_to_async(care_case)(w, "P3")
    nurse_client = await database_sync_to_async(staff_login)(Client(), w.nurse)
    cookie = f"sessionid={nurse_client.cookies['sessionid'].value}".encode()
    comm = WebsocketCommunicator(application, f"/ws/cases/{case.pk}/", headers=[*ORIGIN, (b"cookie", cookie)])
    try:
        connected, code = await comm.connect(timeout=5)
        assert connected, code
        first = await comm.receive_json_from(timeout=5)
        assert first["kind"] == "case_created"
        await quiet_for(comm, IDLE_SECONDS)

        await database_sync_to_async(cases.do_claim)(w.nurse, case)
        frame = await asyncio.wait_for(comm.receive_json_from(timeout=10), timeout=15)
        assert frame["type"] == "event" and frame["kind"] == "claimed", frame
    finally:
        if not comm.future.done():
            await comm.disconnect(timeout=5)
        await database_sync_to_async(connections.close_all)()
