"""Resident log-in with the test e-ID, My pages, acting for a child: through the real views."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from tests.factories import guardian_with_children, personas, resident, resident_client
from vardlots.accounts import actions
from vardlots.accounts.eid.base import SESSION_KEY
from vardlots.accounts.models import EidTestOrder, GuardianRelation
from vardlots.accounts.session import ACTING_FOR_KEY, RESIDENT_KEY
from vardlots.core.middleware import SESSION_KIND

pytestmark = pytest.mark.django_db


def test_login_page_is_marked_test(client: Client) -> None:
    response = client.get("/konto/logga-in")
    assert response.status_code == 200
    assert "TEST" in response.content.decode()


def test_full_test_eid_flow_sets_resident_session(client: Client) -> None:
    rut = personas.resident()
    response = client.post("/konto/logga-in", {"next": "/konto/"})
    assert response["Location"] == "/konto/logga-in/vantar"
    order = EidTestOrder.objects.get()
    assert client.session[SESSION_KEY]["order_ref"] == order.order_ref

    pending = client.get("/konto/logga-in/vantar")
    html = pending.content.decode()
    assert pending.status_code == 200
    assert 'http-equiv="refresh"' in html  # works without JavaScript
    assert "<script>" not in html  # no inline scripts (CSP)
    assert 'src="/static/accounts/eid.js"' in html
    assert "data:image/svg+xml;base64," in html
    assert f"bankid:///?autostarttoken={order.auto_start_token}" in html
    assert rut.get_full_name() in html  # the simulated app lists test persons

    status = client.get("/konto/logga-in/status").json()
    assert status["status"] == "pending"
    assert status["qr"].startswith("data:image/svg+xml;base64,")

    client.post("/konto/logga-in/test-app", {"resident": rut.pk})
    # The background poll only notes that the order is complete; the waiting page, a page
    # request, logs in (and renews the session), so a poll never renews the session under a page
    # request that is still running.
    done = client.get("/konto/logga-in/status").json()
    assert done == {"status": "complete", "redirect": "/konto/logga-in/vantar"}
    assert RESIDENT_KEY not in client.session
    assert client.get("/konto/logga-in/status").json()["status"] == "complete"  # polled again
    finished = client.get("/konto/logga-in/vantar")
    assert finished["Location"] == "/konto/"
    assert client.session[RESIDENT_KEY] == rut.pk
    assert client.session[SESSION_KIND] == "resident"
    assert SESSION_KEY not in client.session

    home = client.get("/konto/")
    text = home.content.decode()
    assert home.status_code == 200
    assert "19900517-****" in text
    assert rut.personal_number not in text  # never in full on My pages


def test_login_session_key_changes(client: Client) -> None:
    client.post("/konto/logga-in", {"next": "/konto/"})
    before = client.session.session_key
    resident_client(client, personas.resident())
    assert client.session.session_key != before


def test_cancel_and_user_cancel(client: Client) -> None:
    client.post("/konto/logga-in", {"next": "/konto/"})
    order = EidTestOrder.objects.get()
    response = client.post("/konto/logga-in/avbryt")
    assert response["Location"] == "/konto/logga-in"
    order.refresh_from_db()
    assert (order.status, order.hint_code) == ("failed", "cancelled")
    assert SESSION_KEY not in client.session


def test_user_cancel_in_app_shows_failure(client: Client) -> None:
    from vardlots.accounts.eid.testprovider import TestEidProvider

    client.post("/konto/logga-in", {"next": "/konto/"})
    TestEidProvider().simulate_user_cancel(EidTestOrder.objects.get().order_ref)
    data = client.get("/konto/logga-in/status", HTTP_ACCEPT_LANGUAGE="en").json()
    assert data["message"] == "Action cancelled."
    assert data["status"] == "failed"
    assert data["hintCode"] == "userCancel"
    page = client.get("/konto/logga-in/vantar")
    assert 'http-equiv="refresh"' not in page.content.decode()


def test_order_times_out(client: Client) -> None:
    client.post("/konto/logga-in", {"next": "/konto/"})
    EidTestOrder.objects.update(created_at=timezone.now() - dt.timedelta(minutes=4))
    session = client.session
    session[SESSION_KEY]["started_at"] -= 240
    session.save()
    data = client.get("/konto/logga-in/status").json()
    assert (data["status"], data["hintCode"]) == ("failed", "expiredTransaction")


def test_next_must_be_local(client: Client) -> None:
    client.post("/konto/logga-in", {"next": "https://evil.example/"})
    assert client.session[SESSION_KEY]["next_url"] == "/konto/"


@override_settings(PRODUCTION=True)
def test_test_eid_refused_in_production(client: Client) -> None:
    assert client.get("/konto/logga-in").status_code == 403
    assert client.post("/konto/logga-in").status_code == 403
    assert EidTestOrder.objects.count() == 0


def test_my_pages_need_login(client: Client) -> None:
    response = client.get("/konto/")
    assert response["Location"] == "/konto/logga-in?next=%2Fkonto%2F"


def test_new_person_from_eid_is_registered() -> None:
    created = actions.do_resident_from_eid("19900101-9919", "Anna", "Ny")
    assert (created.personal_number, created.birth_date, created.sex) == ("199001019919", dt.date(1990, 1, 1), "M")
    again = actions.do_resident_from_eid("199001019919", "Anna", "Nyare")
    assert again.pk == created.pk and again.family_name == "Nyare"


# --- acting for a child -------------------------------------------------------------------------

def test_guardian_sees_children_and_acts_for_young_child(client: Client) -> None:
    family = guardian_with_children()
    resident_client(client, family.guardian)
    page = client.get("/konto/").content.decode()
    assert family.young_child.get_full_name() in page
    assert family.teenager.get_full_name() in page
    response = client.post("/konto/agera-for", {"child": family.young_child.pk})
    assert response.status_code == 302
    acting = client.session[ACTING_FOR_KEY]
    assert acting["guardian_id"] == family.guardian.pk
    assert acting["child_id"] == family.young_child.pk
    relation = GuardianRelation.objects.get(guardian=family.guardian, child=family.young_child)
    assert acting["relation_id"] == relation.pk
    banner = client.get("/konto/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"You are acting for your child {family.young_child.get_full_name()}." in banner
    client.post("/konto/agera-for/sluta")
    assert ACTING_FOR_KEY not in client.session


def test_cannot_act_for_child_13_or_older(client: Client) -> None:
    family = guardian_with_children()
    resident_client(client, family.guardian)
    response = client.post("/konto/agera-for", {"child": family.teenager.pk})
    assert response.status_code == 403
    assert ACTING_FOR_KEY not in client.session
    response = client.post("/konto/agera-for", {"child": family.teenager.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Children who are 13 or older log in and contact the care themselves" in response.content.decode()


def test_cannot_act_for_someone_elses_child(client: Client) -> None:
    family = guardian_with_children()
    stranger = personas.resident()
    resident_client(client, stranger)
    response = client.post("/konto/agera-for", {"child": family.young_child.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "when you are recorded as the child" in response.content.decode()
    assert ACTING_FOR_KEY not in client.session
    assert family.young_child.get_full_name() not in client.get("/konto/").content.decode()


def test_cannot_act_without_active_relation(client: Client) -> None:
    family = guardian_with_children()
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    GuardianRelation.objects.filter(child=family.young_child).update(valid_to=yesterday)
    resident_client(client, family.guardian)
    assert client.post("/konto/agera-for", {"child": family.young_child.pk}).status_code == 403


def test_child_cannot_act_for_parent_or_for_nonexistent(client: Client) -> None:
    family = guardian_with_children()
    resident_client(client, family.teenager)
    assert client.post("/konto/agera-for", {"child": family.guardian.pk}).status_code == 403
    assert client.post("/konto/agera-for", {"child": 999999}).status_code == 403
    assert client.post("/konto/agera-for", {"child": "x"}).status_code == 403


def test_acting_ends_when_relation_ends(client: Client) -> None:
    family = guardian_with_children()
    resident_client(client, family.guardian)
    client.post("/konto/agera-for", {"child": family.young_child.pk})
    GuardianRelation.objects.filter(child=family.young_child).delete()
    page = client.get("/konto/")
    assert page.status_code == 200
    assert ACTING_FOR_KEY not in client.session


def test_resident_cannot_reach_staff_pages(client: Client) -> None:
    resident_client(client, personas.resident())
    other = resident()
    response = client.post("/konto/personal/invanare", {"personal_number": other.personal_number,
                                                        "unit": 1, "purpose": "care"})
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/personal/logga-in")
    assert client.get("/admin/").status_code == 302


def test_resident_and_staff_sessions_do_not_mix(client: Client) -> None:
    rut = personas.resident()
    resident_client(client, rut)
    assert "_auth_user_id" not in client.session
    assert client.get("/konto/personal/")["Location"].startswith("/konto/personal/logga-in")
