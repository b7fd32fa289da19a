"""The telephony API accepts only fresh, correctly signed requests, each once."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.test import Client

from tests.cases.helpers import World
from vardlots.telephony import signing
from vardlots.telephony.models import Call, CallState, TelephonyEvent

URL = "/api/v1/telephony/events"


def event(w: World, **extra: Any) -> dict[str, Any]:
    return {"event_id": "ev-1", "type": "offered", "call_id": "c-1", "caller_number": "070-111 22 33",
            "unit_hsa_id": w.pool.hsa_id, **extra}


def post(client: Client, body: bytes, headers: dict[str, str]) -> Any:
    return client.post(URL, body, content_type="application/json",
                       headers={k: v for k, v in headers.items()})


def test_signed_event_creates_the_call(w: World, client: Client) -> None:
    body = json.dumps(event(w, personal_number=w.resident.personal_number)).encode()
    response = post(client, body, signing.signed_headers(body))
    assert response.status_code == 200, response.content
    call = Call.objects.get(external_id="c-1")
    assert response.json() == {"id": call.pk, "state": "offered", "nurse_hsa_id": None,
                               "workspace_url": f"/personal/telefon/samtal/{call.pk}/"}
    assert call.unit == w.pool and call.caller_number == "070-111 22 33"
    assert call.collected_personal_number == w.resident.personal_number


def test_replayed_request_is_refused(w: World, client: Client) -> None:
    body = json.dumps(event(w)).encode()
    headers = signing.signed_headers(body)
    assert post(client, body, headers).status_code == 200
    again = post(client, body, headers)
    assert again.status_code == 409
    assert again.json()["error"]["key"] == "telephony.replay"
    assert TelephonyEvent.objects.count() == 1


def test_same_event_id_newly_signed_is_refused(w: World, client: Client) -> None:
    body = json.dumps(event(w)).encode()
    assert post(client, body, signing.signed_headers(body, int(time.time()) - 1)).status_code == 200
    again = post(client, body, signing.signed_headers(body))
    assert again.status_code == 409 and again.json()["error"]["key"] == "telephony.replay"


@pytest.mark.parametrize("tamper", ["body", "timestamp", "signature", "secret"])
def test_tampered_request_is_refused(w: World, client: Client, tamper: str) -> None:
    body = json.dumps(event(w)).encode()
    headers = signing.signed_headers(body, secret="wrong-secret" if tamper == "secret" else None)
    if tamper == "body":
        body = json.dumps(event(w, caller_number="070-999 99 99")).encode()
    elif tamper == "timestamp":
        headers[signing.TIMESTAMP_HEADER] = str(int(headers[signing.TIMESTAMP_HEADER]) - 1)
    elif tamper == "signature":
        headers[signing.SIGNATURE_HEADER] = headers[signing.SIGNATURE_HEADER][:-1] + "0"
        if headers[signing.SIGNATURE_HEADER] == signing.signed_headers(body)[signing.SIGNATURE_HEADER]:
            headers[signing.SIGNATURE_HEADER] = headers[signing.SIGNATURE_HEADER][:-1] + "1"
    response = post(client, body, headers)
    assert response.status_code == 401
    assert response.json()["error"]["key"] == "telephony.bad_signature"
    assert not Call.objects.exists()


@pytest.mark.parametrize("age", [301, 3600, -301])
def test_old_or_future_timestamp_is_refused(w: World, client: Client, age: int) -> None:
    body = json.dumps(event(w)).encode()
    response = post(client, body, signing.signed_headers(body, int(time.time()) - age))
    assert response.status_code == 401
    assert response.json()["error"]["key"] == "telephony.stale"
    assert not Call.objects.exists()


def test_unsigned_request_is_refused(w: World, client: Client) -> None:
    body = json.dumps(event(w)).encode()
    response = post(client, body, {})
    assert response.status_code == 401 and response.json()["error"]["key"] == "telephony.unsigned"


def test_call_lifecycle_events(w: World, client: Client) -> None:
    def send(**data: Any) -> Any:
        body = json.dumps(event(w, **data)).encode()
        response = post(client, body, signing.signed_headers(body))
        assert response.status_code == 200, response.content
        return response.json()

    send()
    answered = send(event_id="ev-2", type="answered", agent_hsa_id=w.nurse_pool.hsa_id)
    assert answered["state"] == "answered" and answered["nurse_hsa_id"] == w.nurse_pool.hsa_id
    send(event_id="ev-3", type="ended")
    call = Call.objects.get(external_id="c-1")
    assert call.state == CallState.ENDED and call.ended_at is not None and call.nurse == w.nurse_pool
    assert list(TelephonyEvent.objects.values_list("kind", flat=True)) == ["offered", "answered", "ended"]


def test_agent_without_telephone_advice_in_the_unit_is_not_assigned(w: World, client: Client) -> None:
    body = json.dumps(event(w, type="answered", agent_hsa_id=w.nurse_other_region.hsa_id)).encode()
    assert post(client, body, signing.signed_headers(body)).json()["nurse_hsa_id"] is None


def test_production_requires_the_secret() -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "VARDLOTS_ENV": "production", "SECRET_KEY": "x" * 60,
           "DATABASE_URL": "postgresql://u@127.0.0.1/x", "REDIS_URL": "redis://127.0.0.1"}
    env.pop("TELEPHONY_SHARED_SECRET", None)
    out = subprocess.run([sys.executable, "-c", "import vardlots.settings"], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode != 0 and "TELEPHONY_SHARED_SECRET" in out.stderr
