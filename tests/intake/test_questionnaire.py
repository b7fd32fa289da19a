"""The resident questionnaire through the real views (Django test client, no JavaScript)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import personas, resident, resident_client
from vardlots.accounts.actions import do_add_guardian_relation
from vardlots.accounts.models import GuardianRelation
from vardlots.intake.content import get_content
from vardlots.intake.models import TriageSession
from vardlots.triage.engine import TriageInput, next_step
from vardlots.triage.model import Sex

pytestmark = pytest.mark.django_db


def current_form(client: Client, url: str) -> dict[str, str]:
    html = client.get(url).content.decode()
    finding = re.search(r'name="finding" value="([^"]*)"', html)
    position = re.search(r'name="position" value="([^"]*)"', html)
    assert finding and position, html[:2000]
    return {"finding": finding.group(1), "position": position.group(1)}


def begin(client: Client, protocol: str) -> str:
    response = client.post("/sok-vard/borja", {"protocol": protocol})
    assert response.status_code == 302
    return str(response["Location"])


def answer_no_to_everything(client: Client, url: str,
                            until: Callable[[str], bool] | None = None) -> str:
    """Answer "Nej" / none / "Vet inte" until the outcome (its address), or until the question
    asked is one `until` accepts (the question's address)."""
    for _ in range(30):
        response = client.get(url)
        if response.status_code == 302:
            return str(response["Location"])
        html = response.content.decode()
        form = current_form(client, url)
        if until is not None and until(form["finding"]):
            return url
        if 'value="no"' in html:
            form["value"] = "no"
        elif 'type="checkbox"' in html:
            pass  # multi-choice: none of these
        else:
            form["unknown"] = "1"
        client.post(url, form)
    raise AssertionError("no outcome after 30 answers")


def test_seek_care_needs_a_log_in(client: Client) -> None:
    response = client.get("/sok-vard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/logga-in?next=")


def test_search_offers_matching_contact_reasons(client: Client) -> None:
    resident_client(client, personas.resident())
    html = client.get("/sok-vard/", {"q": "ont i halsen"}).content.decode()
    assert "Ont i halsen" in html.split("choice-title")[1]


def test_nothing_fits_is_said_plainly_and_other_symptoms_offered(client: Client) -> None:
    resident_client(client, personas.resident())
    html = client.get("/sok-vard/", {"q": "hicka"}).content.decode()
    assert "Vi hittade inget som passar det du skrev" in html
    assert re.findall(r'name="protocol" value="([^"]*)"', html) == ["general"]  # nothing unrelated
    assert "Andra besvär" in html
    assert "Beskriv det igen med andra ord" in html and 'href="/sok-vard/#q"' in html
    response = client.post("/sok-vard/borja", {"protocol": "general", "q": "hicka"})
    assert response.status_code == 302
    session = TriageSession.objects.get()
    assert session.protocol_ids == ["general"] and session.complaint_text == "hicka"
    html = client.get(str(response["Location"])).content.decode()
    assert "Gäller det dig" not in html  # no weak hit is offered for the words either


def test_nothing_fits_in_english(client: Client) -> None:
    resident_client(client, personas.resident())
    client.cookies["vardlots_language"] = "en"
    html = client.get("/sok-vard/", {"q": "hiccups"}).content.decode()
    assert "We found nothing that fits what you wrote" in html
    assert "Describe it again in other words" in html and "Other symptoms" in html
    assert re.findall(r'name="protocol" value="([^"]*)"', html) == ["general"]


def test_a_whole_assessment_ends_on_the_outcome_page_and_matches_the_engine(client: Client) -> None:
    person = personas.resident()
    resident_client(client, person)
    url = begin(client, "sore_throat")
    outcome = answer_no_to_everything(client, url)
    assert outcome.endswith("/resultat")
    page = client.get(outcome).content.decode()
    session = TriageSession.objects.get(resident=person)
    assert session.state == TriageSession.State.COMPLETED
    assert session.channel == "web"
    engine = next_step(get_content(), TriageInput(session.age_days, Sex(session.sex), ("sore_throat",),
                                                  session.answer_pairs()))
    assert session.result == engine.to_dict()
    assert session.result["urgency_label"]["sv"] in page
    assert "När ska du söka vård" in page or "When to seek care" in page


def test_a_red_flag_goes_straight_to_the_112_page(client: Client) -> None:
    resident_client(client, personas.resident())
    url = begin(client, "cough")
    form = current_form(client, url)
    assert form["finding"] == "emergency_signs"
    response = client.post(url, {**form, "value": ["blue_lips"]})
    assert response["Location"].endswith("/resultat")
    page = client.get(response["Location"]).content.decode()
    assert 'href="tel:112"' in page
    assert "intake:begin" not in page and "/sok-vard/borja" not in page  # nothing invites continuing


def test_reload_and_a_resent_form_lose_nothing_and_duplicate_nothing(client: Client) -> None:
    person = personas.resident()
    resident_client(client, person)
    url = begin(client, "sore_throat")
    form = current_form(client, url)
    client.post(url, form)  # the screen: none of these
    client.post(url, form)  # the same form again (double click / resend)
    session = TriageSession.objects.get(resident=person)
    assert len(session.answers) == 1
    second = current_form(client, url)
    assert second["position"] == "1"
    assert current_form(client, url) == second  # a reload shows the same question
    # A new log-in (closed tab) finds the unfinished assessment on the start page.
    client.logout()
    resident_client(client, person)
    assert url in client.get("/sok-vard/").content.decode()


def test_back_and_change_an_earlier_answer(client: Client) -> None:
    person = personas.resident()
    resident_client(client, person)
    url = begin(client, "sore_throat")
    client.post(url, current_form(client, url))
    second = current_form(client, url)  # "Har du också …": nothing ticked is an answer
    client.post(url, second)
    assert len(TriageSession.objects.get(resident=person).answers) == 2
    client.post(url + "tillbaka", {"index": "0"})
    session = TriageSession.objects.get(resident=person)
    assert session.answers == []
    assert current_form(client, url)["finding"] == "emergency_signs"


def test_an_empty_answer_is_a_clear_error_and_stores_nothing(client: Client) -> None:
    person = personas.resident()
    resident_client(client, person)
    url = begin(client, "sore_throat")
    client.post(url, current_form(client, url))  # the screen: nothing ticked
    client.post(url, current_form(client, url))  # "Har du också …": nothing ticked
    form = current_form(client, url)
    response = client.post(url, form)  # a yes/no question with nothing chosen
    assert response.status_code == 400
    assert "Välj ett svar" in response.content.decode() or "Choose an answer" in response.content.decode()
    assert len(TriageSession.objects.get(resident=person).answers) == 2


def test_another_resident_cannot_open_the_assessment(client: Client) -> None:
    owner = personas.resident()
    resident_client(client, owner)
    url = begin(client, "sore_throat")
    other = Client()
    resident_client(other, personas.resident())
    assert other.get(url).status_code == 404
    assert other.post(url, {"finding": "emergency_signs", "position": "0"}).status_code == 404
    assert other.get(url + "resultat").status_code == 404
    assert TriageSession.objects.get(resident=owner).answers == []


def test_a_guardian_assesses_a_child_and_the_session_records_who_acted(client: Client) -> None:
    family = personas.guardian()
    resident_client(client, family.guardian)
    assert client.post("/konto/agera-for", {"child": family.young_child.pk}).status_code == 302
    url = begin(client, "fever_adult")  # the fever family maps to the child's age band
    session = TriageSession.objects.get(resident=family.young_child)
    assert session.acting_guardian == family.guardian
    assert session.protocol_ids == ["fever_child_5_to_15"]
    # Acting for yourself again, the child's assessment is not yours to open.
    client.post("/konto/agera-for/sluta")
    assert client.get(url).status_code == 404


def test_a_guardian_cannot_act_for_a_teenager(client: Client) -> None:
    family = personas.guardian()
    resident_client(client, family.guardian)
    response = client.post("/konto/agera-for", {"child": family.teenager.pk})
    assert response.status_code == 403
    client.post("/sok-vard/borja", {"protocol": "cough"})
    assert not TriageSession.objects.filter(resident=family.teenager).exists()


@pytest.mark.parametrize("value", ["200", "abc", ""])
def test_number_answers_out_of_range_or_not_numbers_are_refused(client: Client, value: str) -> None:
    guardian = personas.resident()
    person = resident(born=timezone.localdate() - dt.timedelta(days=40), given_name="Tim")
    do_add_guardian_relation(guardian, person, source=GuardianRelation.Source.MANUAL)
    resident_client(client, guardian)
    assert client.post("/konto/agera-for", {"child": person.pk}).status_code == 302
    url = begin(client, "fever_infant_under_3m")
    for _ in range(20):
        form = current_form(client, url)
        html = client.get(url).content.decode()
        if 'inputmode="decimal"' in html and 'name="unit"' not in html:
            response = client.post(url, {**form, "value": value})
            assert response.status_code == 400
            assert TriageSession.objects.get(resident=person).answers[-1][0] != form["finding"]
            assert "°C" in response.content.decode()
            return
        if 'value="yes"' in html and form["finding"] == "fever":
            client.post(url, {**form, "value": "yes"})
        elif 'value="no"' in html:
            client.post(url, {**form, "value": "no"})
        else:
            client.post(url, form)
    pytest.fail("the infant fever protocol never asked for a temperature")




def test_the_json_api_cannot_reach_a_residents_web_assessment(client: Client) -> None:
    person = personas.resident()
    resident_client(client, person)
    url = begin(client, "sore_throat")
    client.post(url, current_form(client, url))
    session = TriageSession.objects.get(resident=person)
    anonymous = Client()
    base = f"/api/v1/triage/sessions/{session.pk}"
    assert anonymous.get(base).status_code == 404
    assert anonymous.post(base + "/back", "{}", content_type="application/json").status_code == 404
    assert anonymous.post(base + "/answers", '{"finding": "x", "value": "no"}',
                          content_type="application/json").status_code == 404
    assert len(TriageSession.objects.get(pk=session.pk).answers) == 1


def test_a_reason_offered_for_the_words_is_asked_about_with_the_words(client: Client) -> None:
    """An adder bite described and "Kräkningar" picked: the bite is asked about ("Gäller det dig:
    …?") below what the person wrote, and a yes brings the bite questions in."""
    resident_client(client, resident())
    words = "blev biten av en huggorm i foten och har kräkts"
    response = client.post("/sok-vard/borja", {"protocol": "vomiting_diarrhoea_adult", "q": words})
    assert response.status_code == 302
    url = str(response["Location"])
    at = answer_no_to_everything(client, url, until=lambda finding: finding == "about_bites")
    assert at == url, "the offered contact reason was never asked about"
    html = client.get(url).content.decode()
    assert "Gäller det dig:" in html
    assert f"Du skrev ”{words}”" in html, re.findall(r'<p class="message"[^<]*</p>', html)
    client.post(url, {**current_form(client, url), "value": "yes"})
    # the bite questions follow (after any other offered reason)
    at = answer_no_to_everything(client, url, until=lambda finding: finding.startswith("bite_"))
    session = TriageSession.objects.get(complaint_text=words)
    assert at == url and current_form(client, url)["finding"].startswith("bite_"), session.answers
