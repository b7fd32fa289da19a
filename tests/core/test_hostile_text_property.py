"""Property: arbitrary Unicode in any form, query or API field never gives a server error.

Every free-text field we can enumerate (resident, staff and anonymous forms, query strings, the
triage and telephony APIs) gets text drawn by hypothesis — any code point, control characters,
very long text, other digits — with the rest of the form valid. The answer may be a refusal (4xx)
or a redirect, never 5xx (the test client re-raises server errors, so a traceback fails the test).

Runs on the configured database (SQLite by default); NUL only fails on PostgreSQL, so the
``postgres``-marked test sends the fixed hostile values to every field there.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests import factories
from tests.cases.helpers import care_case, staff_login, world
from vardlots.telephony import signing

HOSTILE = ["\x00", "a\x00b", "\x1b[2J", "\u202eevil", "１９９００５１７２３８９", "٣", "²", "9" * 5000,
           "e\u0301" * 200, "9" * 18, "\ufeff", "\U0010ffff", "<script>", "' OR 1=1 --", "\r\n\t", ""]
TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40), st.text(min_size=200, max_size=400))
# JSON can carry lone surrogates (as \\udXXX escapes); forms cannot be encoded with them.
JSON_TEXT = st.one_of(TEXT, st.text(alphabet=st.characters(codec=None, categories=["Cs", "Cc", "L"]), max_size=20))
PROPERTY = settings(max_examples=6, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@dataclass
class Scene:
    anonymous: Client
    resident: Client
    staff: Client
    urls: dict[str, str]


@pytest.fixture
def scene(db: None, settings: Any) -> Scene:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from vardlots.cases import actions as case_actions
    from vardlots.intake import actions as intake_actions
    from vardlots.intake.models import TriageSession
    from vardlots.telephony import actions as tel_actions

    w = world()
    resident = factories.resident_client(Client(), w.resident)
    staff = staff_login(Client(), w.nurse)
    case = care_case(w)
    case_actions.do_claim(w.nurse, case)
    session, _step = intake_actions.do_start_session(intake_actions.StartRequest(
        sex="female", age_years=30, protocol_ids=("sore_throat",), channel=TriageSession.Channel.WEB),
        resident=w.resident)
    call = tel_actions.do_start_call(w.nurse, w.hc, caller_number="070-1234567")
    return Scene(anonymous=Client(), resident=resident, staff=staff, urls={
        "case": f"/arenden/{case.pk}/", "staff_case": f"/personal/arenden/{case.pk}/",
        "question": f"/sok-vard/{session.pk}/", "call": f"/personal/telefon/samtal/{call.pk}/",
        "hc": str(w.hc.pk), "hc_hsa": w.hc.hsa_id,
    })


# (who, method, url template, field, other fields)
FORM_FIELDS: list[tuple[str, str, str, str, dict[str, str]]] = [
    ("anonymous", "get", "/hitta-vard/", "q", {}),
    ("anonymous", "get", "/hitta-vard/", "municipality", {"q": "vård"}),
    ("anonymous", "get", "/hitta-vard/", "page", {}),
    ("anonymous", "post", "/konto/personal/logga-in", "identifier", {"password": "x"}),
    ("anonymous", "post", "/konto/personal/logga-in", "password", {"identifier": "SE1"}),
    ("resident", "get", "/sok-vard/", "q", {}),
    ("resident", "post", "/sok-vard/borja", "q", {}),
    ("resident", "post", "/sok-vard/borja", "protocol", {}),
    ("resident", "post", "/sok-vard/administrativ-fraga", "message", {"topic": "other"}),
    ("resident", "post", "/sok-vard/administrativ-fraga", "topic", {"message": "Hej"}),
    ("resident", "post", "/sok-vard/administrativ-fraga", "form_id", {"topic": "other", "message": "Hej"}),
    ("resident", "post", "{question}", "value", {"finding": "x", "position": "0"}),
    ("resident", "post", "{question}", "position", {"finding": "x", "value": "yes"}),
    ("resident", "post", "{case}meddelanden", "body", {"client_id": "c1"}),
    ("resident", "post", "{case}meddelanden", "client_id", {"body": "Hej"}),
    ("resident", "get", "{case}meddelanden", "after", {}),
    ("resident", "post", "/telefon/", "phone", {"slot": "1", "reason": "x"}),
    ("staff", "post", "{staff_case}note", "body", {}),
    ("staff", "post", "{staff_case}override", "reason", {"urgency": "P2"}),
    ("staff", "post", "{staff_case}override", "urgency", {"reason": "x"}),
    ("staff", "post", "{staff_case}release", "note", {}),
    ("staff", "post", "/personal/mallar/", "title", {"code": "k", "body": "b", "scope": "personal"}),
    ("staff", "post", "/personal/mallar/", "body", {"code": "k", "title": "t", "scope": "personal"}),
    ("staff", "post", "/personal/mallar/", "code", {"title": "t", "body": "b", "scope": "personal"}),
    ("staff", "get", "/personal/telefon/", "q", {}),
    ("staff", "get", "/personal/telefon/ovning/", "q", {}),
    ("staff", "post", "/personal/telefon/nytt-samtal", "caller_number", {"unit": "{hc}"}),
    ("staff", "post", "{call}identify", "caller_name", {"caller_kind": "self", "sex": "female"}),
    ("staff", "post", "{call}identify", "personal_number", {"caller_kind": "self"}),
    ("staff", "post", "{call}identify", "location_note", {"caller_kind": "other", "age_years": "30"}),
    ("staff", "post", "{call}identify", "age_years", {"caller_kind": "other", "sex": "male"}),
    ("staff", "post", "{call}finish", "note", {"outcome": "advice"}),
    ("staff", "post", "{call}finish", "minutes", {"outcome": "callback"}),
    ("staff", "post", "/konto/personal/invanare", "personal_number", {"unit": "{hc}", "purpose": "care"}),
    ("staff", "post", "/bokning/personal/", "personnummer", {"lookup": "1", "unit": "{hc_hsa}"}),
    ("staff", "post", "/bokning/personal/", "reason", {"slot": "1", "unit": "{hc_hsa}"}),
]


def _send_form(scene: Scene, who: str, method: str, url: str, field: str, others: dict[str, str], text: str) -> int:
    client: Client = getattr(scene, who)
    data = {k: v.format(**scene.urls) for k, v in others.items()} | {field: text}
    send: Callable[..., Any] = client.get if method == "get" else client.post
    return send(url.format(**scene.urls), data).status_code


@PROPERTY
@given(texts=st.lists(TEXT, min_size=len(FORM_FIELDS), max_size=len(FORM_FIELDS)))
@example(texts=["\x00"] * len(FORM_FIELDS))
def test_no_form_or_query_field_gives_a_server_error(scene: Scene, texts: list[str]) -> None:
    """Each example sends one drawn text to every field (one set-up for all of them keeps it fast)."""
    for (who, method, url, field, others), text in zip(FORM_FIELDS, texts, strict=True):
        assert _send_form(scene, who, method, url, field, others, text) < 500, (method, url, field, text)


# (url, field, other fields, signed)
API_FIELDS: list[tuple[str, str, dict[str, Any], bool]] = [
    ("/api/v1/triage/sessions", "complaint", {"sex": "female", "age_years": 30}, False),
    ("/api/v1/triage/sessions", "protocol_ids", {"sex": "female", "age_years": 30}, False),
    ("/api/v1/telephony/events", "event_id", {"type": "offered", "call_id": "c", "unit_hsa_id": "{hc_hsa}"}, True),
    ("/api/v1/telephony/events", "call_id", {"event_id": "e", "type": "offered", "unit_hsa_id": "{hc_hsa}"}, True),
    ("/api/v1/telephony/events", "caller_number", {"event_id": "e", "type": "offered", "call_id": "c",
                                                   "unit_hsa_id": "{hc_hsa}"}, True),
    ("/api/v1/telephony/events", "personal_number", {"event_id": "e", "type": "offered", "call_id": "c",
                                                     "unit_hsa_id": "{hc_hsa}"}, True),
    ("/api/v1/telephony/events", "unit_hsa_id", {"event_id": "e", "type": "offered", "call_id": "c"}, True),
    ("/api/v1/telephony/callbacks", "caller_number", {"unit_hsa_id": "{hc_hsa}"}, True),
    ("/api/v1/telephony/callbacks", "personal_number", {"unit_hsa_id": "{hc_hsa}", "caller_number": "0701234567"},
     True),
]
_event_ids = iter(range(10**9))


def _send_api(scene: Scene, url: str, field: str, others: dict[str, Any], signed: bool, text: str) -> int:
    body = {k: v.format(**scene.urls) if isinstance(v, str) else v for k, v in others.items()}
    body[field] = [text] if field == "protocol_ids" else text
    if "event_id" in body and field != "event_id":
        body["event_id"] = f"e{next(_event_ids)}"
    raw = json.dumps(body).encode()
    headers = signing.signed_headers(raw) if signed else {}
    return scene.anonymous.post(url, raw, content_type="application/json", headers=headers).status_code


@PROPERTY
@given(texts=st.lists(JSON_TEXT, min_size=len(API_FIELDS), max_size=len(API_FIELDS)))
@example(texts=["\x00"] * len(API_FIELDS))
@example(texts=["\ud800"] * len(API_FIELDS))
def test_no_api_field_gives_a_server_error(scene: Scene, texts: list[str]) -> None:
    for (url, field, others, signed), text in zip(API_FIELDS, texts, strict=True):
        assert _send_api(scene, url, field, others, signed, text) < 500, (url, field, text)


@pytest.mark.parametrize(("q", "status"), [("%00", 422), ("a%00", 422), ("%1B", 422), ("%ED%A0%80", 200), ("%FF", 200)])
def test_a_hostile_api_query_is_refused(client: Client, db: None, q: str, status: int) -> None:
    """NUL and controls are refused; bytes that are not UTF-8 arrive as U+FFFD (Django decodes so)."""
    assert client.get(f"/api/v1/triage/search?q={q}").status_code == status


@pytest.mark.postgres
def test_every_field_refuses_nul_on_postgresql(scene: Scene) -> None:
    """PostgreSQL refuses NUL in text: every field, every hostile value, no server error."""
    for who, method, url, field, others in FORM_FIELDS:
        for text in HOSTILE:
            assert _send_form(scene, who, method, url, field, others, text) < 500, (url, field, text)
    for url, field, others, signed in API_FIELDS:
        for text in [*HOSTILE, "\ud800"]:
            assert _send_api(scene, url, field, others, signed, text) < 500, (url, field, text)
