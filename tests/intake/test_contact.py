"""From the outcome page to a case: chat with a nurse, and administrative questions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import personas, resident_client
from tests.intake.test_photo_views import completed_session
from vardlots.cases.models import Case
from vardlots.directory.models import Unit, UnitKind
from vardlots.intake import care

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat_open(settings: object) -> None:
    """The chat is open whenever the test runs (it is closed 21–08)."""
    settings.DIGITAL_CHAT_HOURS = "00:00-23:59:59.999999"  # type: ignore[attr-defined]


@pytest.fixture
def pool() -> Unit:
    """The region's 1177 nurse advice unit, whose queue takes cases when no health centre can."""
    from tests.factories import unit

    return unit(UnitKind.NURSE_ADVICE, region_code="01", name="1177 Stockholm")




def listed_health_centre() -> Unit:
    from tests.factories import unit

    return unit(UnitKind.HEALTH_CENTRE, region_code="01", name="Vårdcentralen Test")


def test_chat_with_a_nurse_makes_one_case_with_the_same_result(client: Client, pool: Unit, chat_open: None) -> None:
    session = completed_session(client)
    session.resident.listed_unit = listed_health_centre()
    session.resident.save()
    response = client.post(f"/sok-vard/{session.pk}/kontakt")
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == f"/arenden/{case.pk}/"
    assert case.triage_session == session
    assert case.computed_urgency == session.urgency
    assert case.resident == session.resident
    assert case.contact_reason == "Utslag"  # the protocol's title in the resident's language
    # Pressing the button again (double click, back button) gives the same case.
    again = client.post(f"/sok-vard/{session.pk}/kontakt")
    assert again["Location"] == response["Location"]
    assert Case.objects.count() == 1
    page = client.get(f"/sok-vard/{session.pk}/resultat").content.decode()
    assert f"/arenden/{case.pk}/" in page


def test_the_112_outcome_cannot_become_a_chat(client: Client, pool: Unit) -> None:
    person = personas.resident()
    resident_client(client, person)
    location = client.post("/sok-vard/borja", {"protocol": "cough"})["Location"]
    client.post(location, {"finding": "emergency_signs", "position": "0", "value": ["cannot_breathe"]})
    session = person.triage_sessions.get()
    assert session.urgency == "EMERGENCY_112"
    page = client.get(f"/sok-vard/{session.pk}/resultat").content.decode()
    assert "/kontakt" not in page
    client.post(f"/sok-vard/{session.pk}/kontakt")
    assert not Case.objects.exists()


def test_outside_chat_hours_the_next_opening_is_shown(client: Client, pool: Unit,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    session = completed_session(client)
    late = timezone.make_aware(dt.datetime(2026, 11, 23, 22, 30))
    monkeypatch.setattr(care.timezone, "now", lambda: late)
    page = client.get(f"/sok-vard/{session.pk}/resultat").content.decode()
    assert "/kontakt" not in page
    assert "08:00" in page
    assert 'href="tel:1177"' in page


def test_a_posted_contact_form_is_refused_while_the_chat_is_closed(client: Client, pool: Unit,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    session = completed_session(client)
    session.resident.listed_unit = listed_health_centre()  # so that a queue would take the case
    session.resident.save()
    late = timezone.make_aware(dt.datetime(2026, 11, 23, 22, 30))
    monkeypatch.setattr(care.timezone, "now", lambda: late)
    response = client.post(f"/sok-vard/{session.pk}/kontakt", follow=True)
    assert response.redirect_chain[0][0] == f"/sok-vard/{session.pk}/resultat"
    assert not Case.objects.exists()
    page = response.content.decode()
    assert "Chatten är stängd just nu. Den öppnar igen tisdag 24 november 08:00." in page  # Swedish by default
    client.cookies["vardlots_language"] = "en"
    page = client.post(f"/sok-vard/{session.pk}/kontakt", follow=True).content.decode()
    assert "The chat is closed now. It opens again Tuesday 24 November 08:00." in page
    assert not Case.objects.exists()


def test_chat_hours_are_08_to_21_every_day() -> None:
    tz = timezone.get_current_timezone()
    saturday = dt.datetime(2026, 11, 28, tzinfo=tz)
    assert not care.regional_chat_open(saturday.replace(hour=7, minute=59))
    assert care.regional_chat_open(saturday.replace(hour=8))
    assert care.regional_chat_open(saturday.replace(hour=20, minute=59))
    assert not care.regional_chat_open(saturday.replace(hour=21))
    assert care.next_regional_chat_opening(saturday.replace(hour=21, minute=30)) == saturday.replace(
        day=29, hour=8)
    assert care.next_regional_chat_opening(saturday.replace(hour=6)) == saturday.replace(hour=8)


def test_an_administrative_question_becomes_an_admin_case_with_the_message(client: Client, pool: Unit) -> None:
    person = personas.resident()
    person.listed_unit = listed_health_centre()
    person.save()
    resident_client(client, person)
    form = client.get("/sok-vard/administrativ-fraga").content.decode()
    form_id = form.split('name="form_id" value="')[1].split('"')[0]
    data = {"topic": "invoice", "message": "Jag har fått en faktura två gånger.", "form_id": form_id}
    first = client.post("/sok-vard/administrativ-fraga", data)
    second = client.post("/sok-vard/administrativ-fraga", data)  # double click
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    case = Case.objects.get()
    assert case.kind == "admin"
    assert case.queue.kind == "admin"
    assert case.messages.get().body == "Jag har fått en faktura två gånger."


@pytest.mark.parametrize(("data", "field"), [({"message": "hej"}, "topic"), ({"topic": "invoice"}, "message"),
                                              ({"topic": "invoice", "message": "x" * 2001}, "message")])
def test_an_incomplete_administrative_question_is_refused_and_kept(client: Client, pool: Unit,
                                                                   data: dict[str, str], field: str) -> None:
    resident_client(client, personas.resident())
    response = client.post("/sok-vard/administrativ-fraga", data)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.content.decode()
    if "message" in data and len(data["message"]) < 100:
        assert data["message"] in response.content.decode()
    assert not Case.objects.exists()


def test_the_outcome_page_shows_where_to_get_care_with_an_explanation(client: Client, pool: Unit) -> None:
    session = completed_session(client)
    page = client.get(f"/sok-vard/{session.pk}/resultat").content.decode()
    assert 'id="units-title"' in page
    assert "<details><summary>" in page  # why these suggestions


def test_the_case_page_shows_the_assessment_advice_and_photos(client: Client, pool: Unit, tmp_path: object,
                                                              settings: object, chat_open: None) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.intake import hostile

    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    session = completed_session(client)
    session.resident.listed_unit = listed_health_centre()
    session.resident.save()
    client.post(f"/sok-vard/{session.pk}/bilder",
                {"photo": SimpleUploadedFile("a.jpg", hostile.jpeg(), content_type="image/jpeg")})
    case_url = client.post(f"/sok-vard/{session.pk}/kontakt")["Location"]
    page = client.get(case_url).content.decode()
    assert 'id="assessment-title"' in page
    assert session.result["safety_net"]["sv"] in page
    photo = session.photos.get()
    assert f"/sok-vard/{session.pk}/bilder/{photo.pk}/liten" in page
    assert client.get(f"/sok-vard/{session.pk}/bilder/{photo.pk}/liten").status_code == 200
