"""Hostile websocket input: every malformed frame gets an error frame (the consumer stays alive) or a
documented close code; chat is rate-limited per connection, per person and per case."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from tests import factories
from tests.chat.test_consumer import ORIGIN, Setup, _close_worker_connections, app, connect, frames, setup, until
from vardlots.cases import actions as cases
from vardlots.chat import actions
from vardlots.chat.frames import CLOSE_INVALID, CLOSE_RATE_LIMITED, CLOSE_TOO_BIG, TokenBucket
from vardlots.chat.models import Message
from vardlots.chat.text import frame_text_problem

__all__ = ["_close_worker_connections", "setup"]

pytestmark = pytest.mark.django_db(transaction=True)


async def claimed(s: Setup) -> WebsocketCommunicator:
    """The nurse has taken the case and is connected; the initial backlog is read."""
    await database_sync_to_async(cases.do_claim)(s.w.nurse, s.case)
    nurse = await connect(s.nurse_cookie, s.case.pk)
    await frames(nurse, quiet=0.2)
    return nurse


async def still_alive(comm: WebsocketCommunicator, client_id: str) -> None:
    """A good message after the bad one is stored and acknowledged: the consumer did not die."""
    await comm.send_json_to({"type": "message", "body": "Fortfarande här", "client_id": client_id})
    got = await frames(comm, quiet=0.3, expect=2)
    assert any(f["type"] == "ack" and f["client_id"] == client_id for f in got), got


async def reply_to(comm: WebsocketCommunicator, client_id: str) -> dict[str, Any]:
    """The ack or error the server sends for the message ``client_id`` (waits up to 10 s)."""
    got = await until(comm, lambda f: f["type"] in ("ack", "error") and f.get("client_id") == client_id, timeout=10)
    return got[-1]


def count_messages(case_id: int) -> int:
    return Message.objects.filter(case_id=case_id).count()


DEEP = "[" * 5000 + "]" * 5000
BAD_FRAMES: list[tuple[str, Any, str]] = [
    ("not json", "hej {", "frame.invalid"),
    ("a json string", json.dumps("message"), "frame.invalid"),
    ("a list", json.dumps([{"type": "message"}]), "frame.invalid"),
    ("a huge number", '{"type": "read", "up_to": ' + "9" * 5000 + "}", "frame.invalid"),
    ("a bigint overflow", json.dumps({"type": "read", "up_to": 10**30}), "frame.invalid"),
    ("a negative id", json.dumps({"type": "read", "up_to": -1}), "frame.invalid"),
    ("deep nesting", DEEP, "frame.invalid"),
    ("deep nesting in a field", '{"type": "message", "client_id": "x", "body": ' + DEEP + "}", "frame.invalid"),
    ("an unknown type", json.dumps({"type": "delete_everything"}), "frame.unknown_type"),
    ("no type", json.dumps({"body": "Hej", "client_id": "a"}), "frame.unknown_type"),
    ("a type of the wrong type", json.dumps({"type": 5}), "frame.unknown_type"),
    ("a missing body", json.dumps({"type": "message", "client_id": "c-1"}), "frame.invalid"),
    ("a null body", json.dumps({"type": "message", "body": None, "client_id": "c-2"}), "frame.invalid"),
    ("a numeric body", json.dumps({"type": "message", "body": 12, "client_id": "c-3"}), "frame.invalid"),
    ("an object body", json.dumps({"type": "message", "body": {"a": 1}, "client_id": "c-4"}), "frame.invalid"),
    ("a numeric client id", json.dumps({"type": "message", "body": "Hej", "client_id": 7}), "frame.invalid"),
    ("a string id", json.dumps({"type": "read", "up_to": "5"}), "frame.invalid"),
    ("an extra field", json.dumps({"type": "typing", "side": "staff"}), "frame.invalid"),
    ("a NUL in the body", json.dumps({"type": "message", "body": "Hej\x00då", "client_id": "c-5"}), "chat.bad_text"),
    ("a control character", json.dumps({"type": "message", "body": "Hej\x1b[2J", "client_id": "c-6"}),
     "chat.bad_text"),
    ("a lone surrogate", '{"type": "message", "body": "Hej \\ud800", "client_id": "c-7"}', "chat.bad_text"),
    ("an oversize body", json.dumps({"type": "message", "body": "å" * 5001, "client_id": "c-8"}), "chat.too_long"),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("name", "text", "key"), BAD_FRAMES, ids=[b[0] for b in BAD_FRAMES])
async def test_a_bad_frame_is_answered_and_the_consumer_lives(setup: Setup, name: str, text: str, key: str) -> None:
    nurse = await claimed(setup)
    await nurse.send_to(text_data=text)
    (error,) = await frames(nurse, quiet=0.3, expect=1)
    assert error["type"] == "error" and error["key"] == key, error
    assert error["message"] and "Traceback" not in error["message"]
    if key.startswith("chat."):  # refused text: the page gets the client id back to restore the draft
        assert error["client_id"].startswith("c-")
    await still_alive(nurse, "ok-1")
    assert await database_sync_to_async(count_messages)(setup.case.pk) == 1
    await nurse.disconnect()


@pytest.mark.asyncio
async def test_a_binary_frame_is_answered(setup: Setup) -> None:
    nurse = await claimed(setup)
    await nurse.send_to(bytes_data=b'{"type": "typing"}')
    (error,) = await frames(nurse, quiet=0.3, expect=1)
    assert error["key"] == "frame.binary"
    await still_alive(nurse, "ok-1")
    await nurse.disconnect()


@pytest.mark.asyncio
async def test_an_oversize_frame_closes_with_1009(setup: Setup) -> None:
    nurse = await claimed(setup)
    await nurse.send_to(text_data=json.dumps({"type": "message", "body": "x" * 40_000, "client_id": "big"}))
    error = await nurse.receive_json_from(timeout=3)
    assert error["key"] == "frame.too_big"
    closed = await nurse.receive_output(timeout=3)
    assert closed == {"type": "websocket.close", "code": CLOSE_TOO_BIG}


@pytest.mark.asyncio
async def test_repeated_bad_frames_close_with_4400(setup: Setup) -> None:
    nurse = await claimed(setup)
    for _ in range(6):
        await nurse.send_to(text_data="nonsense")
    got = []
    while True:
        out = await nurse.receive_output(timeout=3)
        if out["type"] == "websocket.close":
            break
        got.append(json.loads(out["text"]))
    assert out["code"] == CLOSE_INVALID
    assert len(got) == 6 and all(f["type"] == "error" for f in got)


@pytest.mark.asyncio
async def test_errors_are_in_the_persons_language(setup: Setup) -> None:
    for language, word in (("sv", "meddelandet"), ("en", "message")):
        comm = WebsocketCommunicator(app(), f"/ws/cases/{setup.case.pk}/", headers=[
            *ORIGIN, (b"cookie", setup.resident_cookie + f"; vardlots_language={language}".encode())])
        assert (await comm.connect(timeout=5))[0]
        await frames(comm, quiet=0.2)
        await comm.send_to(text_data="{")
        (error,) = await frames(comm, quiet=0.3, expect=1)
        assert word in error["message"].lower(), error
        await comm.disconnect()


@pytest.mark.asyncio
async def test_the_queue_socket_survives_bad_frames(setup: Setup) -> None:
    comm = WebsocketCommunicator(app(), "/ws/queues/", headers=[*ORIGIN, (b"cookie", setup.nurse_cookie)])
    assert (await comm.connect(timeout=5))[0]
    assert (await comm.receive_json_from(timeout=3))["type"] == "hello"
    for text in ("not json", DEEP, json.dumps({"type": "message", "body": "x"})):
        await comm.send_to(text_data=text)
        error = await comm.receive_json_from(timeout=3)
        assert error["type"] == "error"
    await comm.send_to(bytes_data=b"\x00\x01")
    assert (await comm.receive_json_from(timeout=3))["key"] == "frame.binary"
    # still subscribed: a change in the queue rings
    await database_sync_to_async(cases.do_claim)(setup.w.nurse, setup.case)
    assert (await comm.receive_json_from(timeout=3))["type"] == "queue_changed"
    await comm.disconnect()


# --- rate limits -------------------------------------------------------------------------------

@pytest.mark.asyncio
async def test_a_flood_is_closed_with_4429_and_nothing_accepted_is_lost(setup: Setup, settings: Any) -> None:
    # the default burst of 10, with a window long enough that a slow machine cannot let an 11th in
    settings.CHAT_RATE_LIMITS = {**settings.CHAT_RATE_LIMITS, "person": (10, 0.01)}
    nurse = await claimed(setup)
    for i in range(1000):
        await nurse.send_json_to({"type": "message", "body": f"Spam {i}", "client_id": f"s-{i}"})
    acked: list[str] = []
    refused = 0
    while True:
        out = await nurse.receive_output(timeout=5)
        if out["type"] == "websocket.close":
            break
        frame = json.loads(out["text"])
        if frame["type"] == "ack":
            acked.append(frame["client_id"])
        elif frame["type"] == "error":
            refused += 1
    assert out["code"] == CLOSE_RATE_LIMITED
    stored = await database_sync_to_async(
        lambda: list(Message.objects.filter(case=setup.case).order_by("pk").values_list("client_id", flat=True)))()
    person_burst = 10
    assert stored == acked and len(stored) == person_burst  # every acknowledged message is stored, in order
    assert refused > 0


@pytest.mark.asyncio
async def test_a_normal_pace_passes(setup: Setup, settings: Any) -> None:
    settings.CHAT_RATE_LIMITS = {**settings.CHAT_RATE_LIMITS, "person": (3, 20.0), "case": (6, 40.0)}
    nurse = await claimed(setup)
    for i in range(12):  # 12 messages at ~7/s: below the sustained 20/s, above the burst of 3
        await nurse.send_json_to({"type": "message", "body": f"Svar {i}", "client_id": f"n-{i}"})
        reply = await reply_to(nurse, f"n-{i}")
        assert reply["type"] == "ack", reply
        await asyncio.sleep(0.15)  # the pace of a fast typist; a slow machine only makes it slower
    assert await database_sync_to_async(count_messages)(setup.case.pk) == 12
    await nurse.disconnect()


@pytest.mark.asyncio
async def test_beyond_the_burst_a_message_is_refused_and_can_be_sent_again(setup: Setup, settings: Any) -> None:
    settings.CHAT_RATE_LIMITS = {**settings.CHAT_RATE_LIMITS, "person": (3, 2.0)}  # 3 within 1.5 s
    nurse = await claimed(setup)
    for i in range(4):
        await nurse.send_json_to({"type": "message", "body": f"Svar {i}", "client_id": f"n-{i}"})
    got = await frames(nurse, quiet=0.2)
    assert [f["client_id"] for f in got if f["type"] == "ack"] == ["n-0", "n-1", "n-2"]
    (error,) = [f for f in got if f["type"] == "error"]
    assert error["key"] == "chat.too_fast" and error["client_id"] == "n-3"
    await frames(nurse, quiet=1.6)  # the window has passed
    await nurse.send_json_to({"type": "message", "body": "Svar 3", "client_id": "n-3"})
    assert [f["type"] for f in await frames(nurse, quiet=0.2)] == ["ack", "event"]
    await nurse.disconnect()


@pytest.mark.asyncio
async def test_the_limit_is_per_person_across_connections_and_per_case(setup: Setup, settings: Any) -> None:
    settings.CHAT_RATE_LIMITS = {**settings.CHAT_RATE_LIMITS, "person": (3, 0.1), "case": (5, 0.1)}
    nurse = await claimed(setup)
    second = await connect(setup.nurse_cookie, setup.case.pk)  # a second tab (or process) of the same nurse
    await frames(second, quiet=0.2)
    for i, comm in enumerate([nurse, second, nurse, second]):
        await comm.send_json_to({"type": "message", "body": f"Svar {i}", "client_id": f"n-{i}"})
        await reply_to(comm, f"n-{i}")
    assert await database_sync_to_async(count_messages)(setup.case.pk) == 3
    # the resident still writes (own limit) until the case's limit of 5 is reached
    resident = await connect(setup.resident_cookie, setup.case.pk)
    await frames(resident, quiet=0.2)
    keys = []
    for i in range(3):
        await resident.send_json_to({"type": "message", "body": f"Fråga {i}", "client_id": f"r-{i}"})
        reply = await reply_to(resident, f"r-{i}")
        keys.append(reply.get("key", reply["type"]))
    assert keys == ["ack", "ack", "chat.too_fast"]
    for comm in (nurse, second, resident):
        await comm.disconnect()


@pytest.mark.asyncio
async def test_the_http_fallback_is_limited_too(setup: Setup, settings: Any) -> None:
    settings.CHAT_RATE_LIMITS = {**settings.CHAT_RATE_LIMITS, "person": (2, 0.1)}

    def post_three() -> list[int]:
        client = factories.resident_client(Client(), setup.w.resident)
        return [client.post(f"/arenden/{setup.case.pk}/meddelanden", {"body": "Hej", "client_id": f"h-{i}"},
                            HTTP_ACCEPT="application/json").status_code for i in range(3)]

    assert await database_sync_to_async(post_three)() == [201, 201, 429]


def test_token_bucket() -> None:
    now = [0.0]
    bucket = TokenBucket(3, 2.0, clock=lambda: now[0])
    assert [bucket.take() >= 0 for _ in range(4)] == [True, True, True, False]
    now[0] += 1.0  # two tokens back: the refused take left a debt of one
    assert bucket.take() >= 0 and bucket.take() < 0
    for _ in range(10):
        bucket.take()
    assert bucket.exhausted


def test_frame_text_check() -> None:
    assert frame_text_problem("Hej!\nRad två\tflik 👋🏽 é") is None
    for bad in ("\x00", "a\x07", "\x7f", "\x85", "\ud800"):
        assert frame_text_problem(bad), repr(bad)


def test_nul_in_a_message_is_refused_by_the_action(setup: Setup) -> None:
    from vardlots.cases.actions import CaseError

    with pytest.raises(CaseError) as caught:
        actions.do_send_message(setup.w.resident, setup.case, "Hej\x00", "n-1")
    assert caught.value.key == "chat.bad_text"

