"""Hostile text is refused or normalised at the edge (vardlots.core.text, decision 0017)."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata

import pytest
from django.test import Client

from tests import factories
from tests.cases.helpers import staff_login, world
from vardlots.accounts import personnummer
from vardlots.cases.models import Case, CaseNote
from vardlots.core.text import UnsafeTextError, clean_text, clean_value
from vardlots.intake.models import TriageSession

DECOMPOSED = "Ha\u0308lsont"  # "Hälsont" written as a + combining diaeresis
COMPOSED = unicodedata.normalize("NFC", DECOMPOSED)


@pytest.mark.parametrize("bad", ["\x00", "a\x00b", "\x07", "\x1b[31m", "\x7f", "\x85", "\ud800", "x\udfffy"])
def test_control_characters_and_lone_surrogates_are_refused(bad: str) -> None:
    with pytest.raises(UnsafeTextError):
        clean_text(bad)


def test_tab_and_line_breaks_pass_and_text_is_nfc() -> None:
    assert clean_text("rad 1\r\nrad 2\tslut") == "rad 1\r\nrad 2\tslut"
    assert clean_text(DECOMPOSED) == COMPOSED != DECOMPOSED
    assert clean_value({"a": [DECOMPOSED, 1, None]}) == {"a": [COMPOSED, 1, None]}


def test_the_refusal_names_the_position_and_speaks_the_users_language() -> None:
    from django.utils import translation

    with pytest.raises(UnsafeTextError) as caught:
        clean_text("ab\x00")
    error = caught.value
    assert error.position == 2 and error.key == "text.unsafe"
    with translation.override("sv"):
        assert "tecken" in error.message
    assert "character" in error.messages["en"] and "tecken" in error.messages["sv"]


# --- the edge: forms and query strings (middleware) -------------------------------------------------

@pytest.mark.django_db
def test_nul_in_a_query_string_is_a_clear_400_page_in_swedish(client: Client) -> None:
    response = client.get("/hitta-vard/", {"q": "vård\x00central"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Texten kunde inte skickas" in text and "tecken" in text


@pytest.mark.django_db
def test_nul_in_a_staff_note_is_refused_and_nothing_is_stored(client: Client) -> None:
    from tests.cases.helpers import care_case

    w = world()
    case = care_case(w)
    staff_login(client, w.nurse)
    client.post(f"/personal/arenden/{case.pk}/claim")
    response = client.post(f"/personal/arenden/{case.pk}/note", {"body": "Ringer\x00 tillbaka"})
    assert response.status_code == 400
    assert not CaseNote.objects.filter(case=case).exists()
    response = client.post(f"/personal/arenden/{case.pk}/note", {"body": DECOMPOSED})
    assert response.status_code == 302
    assert CaseNote.objects.get(case=case).body == COMPOSED


@pytest.mark.django_db
def test_nul_in_an_administrative_question_is_refused(client: Client) -> None:
    person = factories.resident()
    factories.resident_client(client, person)
    before = Case.objects.count()
    response = client.post("/sok-vard/administrativ-fraga",
                           {"topic": "other", "message": "Hej\x00", "form_id": "f1"})
    assert response.status_code == 400
    assert Case.objects.count() == before


# --- the JSON API (InputSchema) ---------------------------------------------------------------------

def _post(client: Client, url: str, body: object, **headers: str) -> tuple[int, dict]:
    response = client.post(url, json.dumps(body), content_type="application/json", **headers)
    return response.status_code, response.json()


@pytest.mark.django_db
def test_nul_in_the_triage_api_is_a_422_at_the_field(client: Client) -> None:
    status, body = _post(client, "/api/v1/triage/sessions", {"sex": "female", "age_years": 30,
                                                              "complaint": "ont i\x00 halsen"},
                         HTTP_ACCEPT_LANGUAGE="en")
    assert status == 422, body
    field = body["error"]["fields"][0]
    assert body["error"]["key"] == "request.invalid"
    assert field["key"] == "text.unsafe" and field["location"] == ["body", "body", "complaint"]
    assert "character" in field["problem"]
    assert not TriageSession.objects.exists()


@pytest.mark.django_db
def test_api_text_is_stored_nfc(client: Client) -> None:
    status, body = _post(client, "/api/v1/triage/sessions", {"sex": "female", "age_years": 30,
                                                              "complaint": DECOMPOSED})
    assert status == 201, body
    assert TriageSession.objects.get().complaint_text == COMPOSED


@pytest.mark.django_db
def test_nul_in_an_api_query_is_a_422_json_error(client: Client) -> None:
    response = client.get("/api/v1/triage/search", {"q": "hals\x00"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0] == {
        "location": ["query", "q"], "key": "text.unsafe", "problem": response.json()["error"]["fields"][0]["problem"]}


@pytest.mark.django_db
def test_nul_in_a_signed_telephony_event_is_a_422(client: Client) -> None:
    from vardlots.telephony import signing

    raw = json.dumps({"event_id": "e\x00", "type": "offered", "call_id": "c1"}).encode()
    response = client.post("/api/v1/telephony/events", raw, content_type="application/json",
                           headers=signing.signed_headers(raw))
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["key"] == "text.unsafe"


# --- personal identity numbers: ASCII digits only ----------------------------------------------------

@pytest.mark.parametrize("digits", ["０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "०१२३४५६७८९"])
def test_a_personal_number_in_other_digits_is_refused(digits: str) -> None:
    ascii_number = personnummer.build(dt.date(1990, 5, 17), "238").canonical
    assert personnummer.is_valid(ascii_number)
    other = ascii_number.translate(str.maketrans("0123456789", digits))
    with pytest.raises(personnummer.PersonnummerError) as caught:
        personnummer.parse(other)
    assert caught.value.code is personnummer.ErrorCode.FORMAT


@pytest.mark.django_db
def test_a_full_width_number_does_not_make_a_second_resident() -> None:
    from django.core.exceptions import ValidationError

    from vardlots.accounts.actions import do_resident_from_eid
    from vardlots.accounts.models import Resident

    person = factories.resident()
    full_width = person.personal_number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    with pytest.raises(ValidationError):
        do_resident_from_eid(full_width, "Rut", "Resident")
    assert Resident.objects.count() == 1


@pytest.mark.django_db
def test_a_template_title_longer_than_its_column_is_refused_not_a_server_error() -> None:
    """Found by the property test on PostgreSQL (varchar(100)); SQLite stored it."""
    from vardlots.cases.actions import CaseError
    from vardlots.chat import actions as chat

    w = world()
    with pytest.raises(CaseError) as caught:
        chat.do_save_template(w.nurse, scope="personal", code="k", title="x" * 101, body="b")
    assert caught.value.key == "template.title_too_long"
    assert chat.do_save_template(w.nurse, scope="personal", code="k", title="x" * 100, body="b").title == "x" * 100
