"""The workspace pages through the real views: a whole call, the callback list, training and scores."""

from __future__ import annotations

import json
import re

from django.test import Client

from tests import factories
from tests.cases.helpers import World
from tests.telephony.helpers import plain_answer
from vardlots.accounts.models import Role
from vardlots.audit.models import AccessLogEntry
from vardlots.telephony import actions, signing
from vardlots.telephony.models import Call, CallbackKind, TrainingAttempt
from vardlots.triage.engine import QuestionStep


def answer_through_the_page(client: Client, call: Call, url: str, yes: frozenset[str] | set[str] = frozenset()) -> None:
    """Answer every question on the call page: "yes" to the findings in `yes`, otherwise no/none."""
    for _ in range(60):
        call.refresh_from_db()
        step = actions.current_step(call)
        if not isinstance(step, QuestionStep):
            return
        page = client.get(url).content.decode()
        assert step.question.nurse.en in page or step.question.nurse.sv in page
        value = "yes" if step.finding in yes else plain_answer(step)
        data: dict[str, object] = {"finding": step.finding, "position": len(call.triage_session.answers)}
        if value == []:
            data["none"] = "1"
        else:
            data["value"] = value
        assert client.post(url + "answer", data).status_code == 302
    raise AssertionError("no result after 60 answers")


def test_whole_call_through_the_pages(w: World, client: Client) -> None:
    body = json.dumps({"event_id": "e1", "type": "offered", "call_id": "c1", "caller_number": "070-765 43 21",
                       "personal_number": w.resident.personal_number, "unit_hsa_id": w.pool.hsa_id}).encode()
    assert client.post("/api/v1/telephony/events", body, content_type="application/json",
                       headers=signing.signed_headers(body)).status_code == 200
    call = Call.objects.get(external_id="c1")
    factories.staff_client(client, w.nurse_pool)
    page = client.get("/personal/telefon/").content.decode()
    assert "070-765 43 21" in page and "Take the call" in page
    assert client.post(f"/personal/telefon/samtal/{call.pk}/take").status_code == 302
    url = f"/personal/telefon/samtal/{call.pk}/"
    page = client.get(url).content.decode()
    assert w.resident.personal_number in page  # the phone menu's number is offered
    client.post(url + "identify", {"caller_kind": "self", "personal_number": w.resident.personal_number})
    page = client.get(url + "?q=hicka").content.decode()  # nothing fits: said, general offered
    assert "We found nothing that fits what you wrote" in page
    assert re.findall(r'name="protocol" value="([^"]*)"', page) == ["general"]
    page = client.get(url + "?q=ont+i+halsen").content.decode()
    assert 'value="sore_throat"' in page and "We found nothing" not in page
    client.post(url + "add-reason", {"protocol": "sore_throat"})
    answer_through_the_page(client, call, url)
    page = client.get(url).content.decode()
    assert "4. Proposal" in page and "Decision support" in page
    client.post(url + "override", {"urgency": "P2", "care_need": "urgent_care", "reason_code": "caller_situation",
                                   "note": "Lives alone, worried"})
    client.post(url + "finish", {"outcome": "medical_callback", "minutes": "60", "note": "Follow up fever"})
    call.refresh_from_db()
    assert call.outcome == "medical_callback" and call.override_urgency == "P2" and call.closed_at
    assert call.scheduled_callbacks.get().kind == CallbackKind.MEDICAL
    page = client.get(url).content.decode()
    assert "Copy the documentation" in page and "Lives alone, worried" in page
    assert re.search(r'<textarea id="doc-text"[^>]*>TELEPHONE ADVICE', page)
    assert AccessLogEntry.objects.filter(resident=w.resident, detail__what="telephony_call").exists()
    assert "Follow up fever" in client.get("/personal/telefon/aterringning/").content.decode()


def test_staff_without_telephone_advice_are_refused(w: World, client: Client) -> None:
    factories.staff_client(client, w.admin_staff)
    assert client.get("/personal/telefon/").status_code == 403


def test_training_and_scores(w: World, client: Client) -> None:
    v = next(v for v in actions.vignettes() if v.age_days > 20 * 365)
    factories.staff_client(client, w.nurse_pool)
    assert client.get("/personal/telefon/ovning/").status_code == 200
    response = client.post("/personal/telefon/ovning/", {"vignette": v.id})
    call = Call.objects.get(is_training=True)
    assert response["Location"] == f"/personal/telefon/samtal/{call.pk}/"
    assert v.case in client.get(response["Location"]).content.decode()
    for _ in range(80):
        call.refresh_from_db()
        step = actions.current_step(call)
        if not isinstance(step, QuestionStep):
            break
        value = v.answers.get(step.finding, plain_answer(step))
        actions.do_answer(w.nurse_pool, call, step.finding, value, len(call.triage_session.answers))
    call.refresh_from_db()
    client.post(f"/personal/telefon/samtal/{call.pk}/submit-training")
    attempt = TrainingAttempt.objects.get(call=call)
    assert attempt.expected_urgency == v.expected.value
    assert attempt.score == actions.score(v.expected.value, call.effective_urgency)
    assert client.get("/personal/telefon/ovning/resultat/").status_code == 403  # a nurse is not a manager
    manager = factories.staff(Role.UNIT_MANAGER, w.pool)
    other = Client()
    other.cookies["vardlots_language"] = "en"
    factories.staff_client(other, manager)
    page = other.get("/personal/telefon/ovning/resultat/").content.decode()
    assert v.id in page and w.nurse_pool.get_full_name() in page


def test_score() -> None:
    assert actions.score("P2", "P2") == 100
    assert actions.score("P2", "P1") == 50
    assert actions.score("P2", "P4") == 0


def test_the_proposal_shows_the_risk_factors_answered(w: World, client: Client) -> None:
    factories.staff_client(client, w.nurse_pool)
    call = actions.do_start_call(w.nurse_pool, w.pool)
    url = f"/personal/telefon/samtal/{call.pk}/"
    client.post(url + "identify", {"caller_kind": "self", "personal_number": w.resident.personal_number})
    client.post(url + "add-reason", {"protocol": "fever_adult"})
    answer_through_the_page(client, call, url, yes={"immunosuppressed"})
    page = client.get(url).content.decode()
    assert "Risk factors" in page and "Weakened immune system: yes" in page


def test_risk_factors_the_caller_knows_answer_their_questions(w: World, client: Client) -> None:
    """The nurse records the profile once; it answers its question in whatever protocol asks it."""
    factories.staff_client(client, w.nurse_pool)
    call = actions.do_start_call(w.nurse_pool, w.pool)
    url = f"/personal/telefon/samtal/{call.pk}/"
    client.post(url + "identify", {"caller_kind": "self", "personal_number": w.resident.personal_number})
    page = client.get(url).content.decode()
    assert "Risk factors the caller knows" in page and 'name="immunosuppressed"' in page
    assert client.post(url + "profile", {"immunosuppressed": "yes", "on_anticoagulants": "no"}).status_code == 302
    call.refresh_from_db()
    assert call.known_vitals == {"immunosuppressed": "yes", "on_anticoagulants": "no"}
    client.post(url + "add-reason", {"protocol": "fever_adult"})
    answer_through_the_page(client, call, url)  # never asked about immunosuppression: it is known
    call.refresh_from_db()
    assert ["immunosuppressed", "yes"] in call.triage_session.answers
    assert call.triage_session.urgency == "P1"
    page = client.get(url).content.decode()
    assert "Weakened immune system: yes" in page
