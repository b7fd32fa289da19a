"""The case websocket through the real ASGI application (session cookies, origin check, routing).

Reconnecting with the last event id loses nothing and repeats nothing; "your turn" reaches the
resident; typing is relayed and not stored. With ``REDIS_URL`` the same runs through
channels_redis with two channel-layer instances, as two app processes sharing Redis would.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.sessions import SessionMiddlewareStack
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client
from django.urls import path

from tests import factories
from tests.cases.helpers import World, care_case, staff_login
from vardlots.audit.models import AccessLogEntry
from vardlots.cases import actions as cases
from vardlots.cases.models import Case
from vardlots.chat import actions
from vardlots.chat.consumers import CaseConsumer
from vardlots.chat.models import Message

ORIGIN = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]


@dataclass
class Setup:
    w: World
    case: Case
    resident_cookie: bytes
    nurse_cookie: bytes
    stranger_cookie: bytes


def cookie(client: Client) -> bytes:
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest_asyncio.fixture(autouse=True)
async def _close_worker_connections() -> AsyncIterator[None]:
    """Consumers use the database from a worker thread; close its connections so the test database
    can be dropped at the end (PostgreSQL refuses while a session is open)."""
    yield
    await database_sync_to_async(connections.close_all)()


@pytest.fixture
def setup(w: World) -> Setup:
    case = care_case(w, "P3")
    resident = factories.resident_client(Client(), w.resident)
    nurse = staff_login(Client(), w.nurse)
    stranger = staff_login(Client(), w.nurse_hc2)
    return Setup(w, case, cookie(resident), cookie(nurse), cookie(stranger))


def app(layer_alias: str = "default") -> Any:
    from vardlots.asgi import application

    if layer_alias == "default":
        return application
    # A second "process": its own consumer class bound to another channel-layer instance.
    return SessionMiddlewareStack(AuthMiddlewareStack(URLRouter([
        path("ws/cases/<int:case_id>/", CaseConsumer.as_asgi(channel_layer_alias=layer_alias)),
    ])))


async def connect(session_cookie: bytes, case_id: int, after: int = 0, *, layer_alias: str = "default"
                  ) -> WebsocketCommunicator:
    comm = WebsocketCommunicator(app(layer_alias), f"/ws/cases/{case_id}/?after={after}",
                                 headers=[*ORIGIN, (b"cookie", session_cookie)])
    connected, _code = await comm.connect(timeout=5)
    assert connected
    return comm


async def frames(comm: WebsocketCommunicator, *, quiet: float = 0.4, expect: int = 0,
                 timeout: float = 10) -> list[dict[str, Any]]:
    """Everything the server sends until it has been quiet for ``quiet`` seconds; when the test
    knows that ``expect`` frames are coming, it first waits up to ``timeout`` seconds for them, so a
    slow (loaded) machine does not pass for a silent server."""
    got: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    # receive_nothing() waits without cancelling the application (a receive timeout would cancel it)
    while len(got) < expect:
        if loop.time() > end:
            raise AssertionError(f"expected {expect} frame(s) within {timeout} s; got {got}")
        if not await comm.receive_nothing(timeout=0.05):
            got.append(await comm.receive_json_from())
    while not await comm.receive_nothing(timeout=quiet):
        got.append(await comm.receive_json_from())
    return got


async def until(comm: WebsocketCommunicator, predicate: Any, *, timeout: float = 5) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while loop.time() < end:
        if await comm.receive_nothing(timeout=0.05):
            continue
        frame = await comm.receive_json_from()
        got.append(frame)
        if predicate(frame):
            return got
    raise AssertionError(f"condition not met; got {got}")


def event_ids(got: list[dict[str, Any]]) -> list[int]:
    return [f["id"] for f in got if f["type"] == "event"]


def message_bodies(got: list[dict[str, Any]]) -> list[str]:
    return [f["message"]["body"] for f in got if f["type"] == "event" and f["kind"] == "message"]


async def scenario(s: Setup, *, resident_layer: str = "default", nurse_layer: str = "default") -> None:
    case = s.case
    resident = await connect(s.resident_cookie, case.pk, layer_alias=resident_layer)
    first = await frames(resident)
    assert [f["kind"] for f in first] == ["case_created"]
    rlog = list(first)  # everything the resident's first connection received

    nurse = await connect(s.nurse_cookie, case.pk, layer_alias=nurse_layer)
    assert [f["kind"] for f in await frames(nurse, expect=1)] == ["case_created"]

    # The nurse takes the case: the resident gets the event and "your turn".
    await database_sync_to_async(cases.do_claim)(s.w.nurse, case)
    got = await until(resident, lambda f: f["type"] == "your_turn")
    rlog += got
    assert [f["kind"] for f in got if f["type"] == "event"] == ["claimed"]
    assert got[-1]["staff_name"] == "Nina Nurse"

    # Typing is relayed to the other side only, and not stored.
    await nurse.send_json_to({"type": "typing"})
    got = await until(resident, lambda f: f["type"] == "typing")
    rlog += got
    assert got[-1] == {"type": "typing", "side": "staff"}

    # A message over the websocket: ack to the sender, event to both; sending it twice stores one.
    await nurse.send_json_to({"type": "message", "body": "Hej Rut!", "client_id": "n-1"})
    await nurse.send_json_to({"type": "message", "body": "Hej Rut!", "client_id": "n-1"})
    acks = [f for f in await frames(nurse) if f["type"] == "ack"]
    assert len(acks) == 2 and acks[0]["message_id"] == acks[1]["message_id"]
    got = await until(resident, lambda f: f.get("kind") == "message")
    assert message_bodies(got) == ["Hej Rut!"]
    rlog += got + await frames(resident)
    seen = event_ids(rlog)
    assert len(seen) == len(set(seen))
    seen_ids = set(seen)
    last_seen = max(seen)

    # The resident's connection drops; meanwhile the nurse writes three more (one sent twice).
    await resident.disconnect()
    for i, body in enumerate(["Hur länge?", "Har du feber?", "Tar du medicin?"], start=2):
        await nurse.send_json_to({"type": "message", "body": body, "client_id": f"n-{i}"})
    await nurse.send_json_to({"type": "message", "body": "Hur länge?", "client_id": "n-2"})
    await frames(nurse)

    # Reconnect from the last id: exactly what was missed, in order, once.
    resident = await connect(s.resident_cookie, case.pk, after=last_seen, layer_alias=resident_layer)
    resumed = await frames(resident)
    assert message_bodies(resumed) == ["Hur länge?", "Har du feber?", "Tar du medicin?"]
    resumed_ids = event_ids(resumed)
    assert resumed_ids == sorted(resumed_ids) and len(resumed_ids) == len(set(resumed_ids))
    assert not seen_ids & set(resumed_ids)
    expected = await database_sync_to_async(actions.stream_after)(case.pk, 0, for_resident=True)
    all_ids = sorted(seen_ids | set(resumed_ids))
    assert [f["id"] for f in expected if f["id"] <= max(all_ids)] == all_ids  # nothing lost

    # The resident answers (idempotently), reads, and the nurse sees both.
    await resident.send_json_to({"type": "message", "body": "Två dagar", "client_id": "r-1"})
    await resident.send_json_to({"type": "message", "body": "Två dagar", "client_id": "r-1"})
    got = await until(nurse, lambda f: f.get("kind") == "message")
    assert message_bodies(got) == ["Två dagar"]
    last_staff_message = await database_sync_to_async(
        lambda: Message.objects.filter(case=case, side="staff").order_by("-pk").first().pk)()  # type: ignore[union-attr]
    await resident.send_json_to({"type": "read", "up_to": last_staff_message})
    got = await until(nurse, lambda f: f.get("kind") == "messages_read")
    assert got[-1]["payload"] == {"side": "resident", "up_to": last_staff_message}

    assert await database_sync_to_async(Message.objects.filter(case=case).count)() == 5
    await resident.disconnect()
    await nurse.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_reconnect_loses_nothing_and_repeats_nothing(setup: Setup) -> None:
    await scenario(setup)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_authorisation_on_connect(setup: Setup) -> None:
    case = setup.case
    before = await database_sync_to_async(AccessLogEntry.objects.filter(resident=setup.w.resident).count)()
    for session_cookie in (setup.stranger_cookie, b"sessionid=nonsense"):
        comm = WebsocketCommunicator(app(), f"/ws/cases/{case.pk}/", headers=[*ORIGIN, (b"cookie", session_cookie)])
        connected, code = await comm.connect(timeout=5)
        assert not connected and code == 4403
        await comm.disconnect()
    after = await database_sync_to_async(AccessLogEntry.objects.filter(resident=setup.w.resident).count)()
    assert after == before
    nurse = await connect(setup.nurse_cookie, case.pk)
    entry = await database_sync_to_async(
        lambda: AccessLogEntry.objects.filter(resident=setup.w.resident).order_by("-seq").first())()
    assert entry is not None and entry.staff_id == setup.w.nurse.pk and entry.detail == {"what": "case.chat"}
    assert entry.case_id == str(case.pk)
    await nurse.disconnect()
    # staff who may see but have not taken the case cannot write
    nurse = await connect(setup.nurse_cookie, case.pk)
    await frames(nurse)
    await nurse.send_json_to({"type": "message", "body": "Hej", "client_id": "x"})
    (error,) = await frames(nurse, expect=1)
    assert error["type"] == "error" and error["key"] == "case.not_owner"
    await nurse.disconnect()


@pytest.fixture
def two_redis_layers(settings: Any) -> None:
    import os

    prefix = f"vardlots-test-{uuid.uuid4().hex[:8]}"
    config = {"hosts": [os.environ["REDIS_URL"]], "prefix": prefix}
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": config},
        "second": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": dict(config)},
    }


@pytest.mark.redis
@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_redis_two_processes(setup: Setup, two_redis_layers: None) -> None:
    from channels.layers import get_channel_layer

    first, second = get_channel_layer("default"), get_channel_layer("second")
    assert first is not second and type(first).__name__ == "RedisChannelLayer"
    # The resident's consumer lives on the second layer instance; events are published on the first.
    await scenario(setup, resident_layer="second", nurse_layer="default")


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_socket_closes_when_its_staff_member_loses_access(setup: Setup) -> None:
    """A nurse transfers the case to a queue she cannot see: her open socket gets nothing more."""
    w, case = setup.w, setup.case
    nurse = await connect(setup.nurse_cookie, case.pk)
    await frames(nurse)
    await database_sync_to_async(lambda: cases.do_claim(w.nurse, case))()
    await frames(nurse)
    await database_sync_to_async(
        lambda: cases.do_transfer(w.nurse, Case.objects.get(pk=case.pk), cases.queue_of(w.pool_other, "care"),
                                  "Bor i Uppsala"))()
    output = await nurse.receive_output(timeout=3)
    assert output["type"] == "websocket.close"  # nothing more is sent: the socket is closed
    assert output.get("code") == 4403


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_idle_session_cannot_open_a_socket(setup: Setup) -> None:
    from django.contrib.sessions.backends.db import SessionStore

    from vardlots.core.middleware import SESSION_LAST_SEEN

    key = setup.resident_cookie.decode().split("=", 1)[1]

    def age_session() -> None:
        store = SessionStore(session_key=key)
        store[SESSION_LAST_SEEN] = int(store[SESSION_LAST_SEEN]) - 24 * 3600
        store.save()

    await database_sync_to_async(age_session)()
    comm = WebsocketCommunicator(app(), f"/ws/cases/{setup.case.pk}/",
                                 headers=[*ORIGIN, (b"cookie", setup.resident_cookie)])
    connected, code = await comm.connect(timeout=5)
    assert not connected and code == 4403
    await comm.disconnect()
