"""Staff log-in: password (argon2) + TOTP, enrolment, rate limiting, security events."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from django.test import Client, override_settings
from django.utils import timezone

from tests.factories import PASSWORD, personas, staff, staff_client, totp_now
from vardlots.accounts.models import LoginAttempt, Role, StaffUser
from vardlots.audit.models import AccessLogEntry, EntryKind
from vardlots.core.middleware import SESSION_KIND

pytestmark = pytest.mark.django_db


def test_password_is_argon2() -> None:
    nurse = personas.nurse()
    assert nurse.password.startswith("argon2$")


def test_password_then_totp_logs_in(client: Client) -> None:
    nurse = personas.nurse()
    response = client.post("/konto/personal/logga-in", {"identifier": nurse.hsa_id.lower(), "password": PASSWORD})
    assert response["Location"] == "/konto/personal/kod"
    assert "_auth_user_id" not in client.session  # not logged in before the second factor
    assert client.get("/konto/personal/").status_code == 302
    response = client.post("/konto/personal/kod", {"code": totp_now(nurse)})
    assert response["Location"] == "/konto/personal/"
    assert client.session["_auth_user_id"] == str(nurse.pk)
    assert client.session[SESSION_KIND] == "staff"
    home = client.get("/konto/personal/")
    assert home.status_code == 200
    assert "Nina" in home.content.decode()
    login = AccessLogEntry.objects.filter(kind=EntryKind.LOGIN).get()
    assert (login.staff_id, login.staff_hsa_id, login.detail) == (nurse.pk, nurse.hsa_id,
                                                                   {"method": "password_totp"})


def test_username_works_too(client: Client) -> None:
    nurse = personas.nurse()
    response = client.post("/konto/personal/logga-in", {"identifier": nurse.username, "password": PASSWORD})
    assert response["Location"] == "/konto/personal/kod"


def test_staff_home_lists_units_and_roles(client: Client) -> None:
    doctor = personas.doctor()
    staff_client(client, doctor)
    page = client.get("/konto/personal/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    membership = doctor.memberships.get()
    assert membership.unit.name in page
    assert "Doctor" in page


def test_wrong_password_recorded(client: Client) -> None:
    nurse = personas.nurse()
    response = client.post("/konto/personal/logga-in", {"identifier": nurse.hsa_id, "password": "wrong"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Wrong HSA-id, username or password." in response.content.decode()
    entry = AccessLogEntry.objects.get(kind=EntryKind.LOGIN_FAILED)
    assert entry.staff_id == nurse.pk
    assert entry.detail == {"account": nurse.hsa_id, "stage": "password", "reason": "bad_password"}
    assert entry.ip_address == "127.0.0.1"


def test_wrong_and_reused_totp(client: Client) -> None:
    nurse = personas.nurse()
    client.post("/konto/personal/logga-in", {"identifier": nurse.hsa_id, "password": PASSWORD})
    wrong = f"{(int(totp_now(nurse)) + 1) % 1000000:06d}"
    assert client.post("/konto/personal/kod", {"code": wrong}).status_code == 400
    code = totp_now(nurse)
    assert client.post("/konto/personal/kod", {"code": code}).status_code == 302
    # the same code cannot log in a second session
    other = Client()
    other.post("/konto/personal/logga-in", {"identifier": nurse.hsa_id, "password": PASSWORD})
    assert other.post("/konto/personal/kod", {"code": code}).status_code == 400
    assert list(AccessLogEntry.objects.filter(kind=EntryKind.LOGIN_FAILED).values_list("detail__stage", flat=True)) \
        == ["totp", "totp"]


def test_totp_page_needs_password_step(client: Client) -> None:
    assert client.get("/konto/personal/kod")["Location"] == "/konto/personal/logga-in"


def test_enrolment_on_first_login(client: Client) -> None:
    new = staff(Role.NURSE, totp=False)
    client.post("/konto/personal/logga-in", {"identifier": new.hsa_id, "password": PASSWORD})
    page = client.get("/konto/personal/kod")
    new.refresh_from_db()
    assert new.totp_secret and not new.totp_confirmed
    html = page.content.decode()
    assert new.totp_secret in html and "data:image/svg+xml;base64," in html
    response = client.post("/konto/personal/kod", {"code": pyotp.TOTP(new.totp_secret).now()})
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.totp_confirmed


@override_settings(PRODUCTION=True)
def test_no_enrolment_in_production(client: Client) -> None:
    new = staff(Role.NURSE, totp=False)
    client.post("/konto/personal/logga-in", {"identifier": new.hsa_id, "password": PASSWORD})
    assert client.get("/konto/personal/kod").status_code == 403


@override_settings(STAFF_AUTH="oidc")
def test_password_login_off_when_oidc(client: Client) -> None:
    nurse = personas.nurse()
    page = client.get("/konto/personal/logga-in").content.decode()
    assert 'name="password"' not in page
    response = client.post("/konto/personal/logga-in", {"identifier": nurse.hsa_id, "password": PASSWORD})
    assert response.status_code == 403


def test_account_locked_after_five_failures(client: Client) -> None:
    nurse = personas.nurse()
    for _ in range(5):
        client.post("/konto/personal/logga-in", {"identifier": nurse.hsa_id, "password": "wrong"})
    response = client.post("/konto/personal/logga-in", {"identifier": nurse.hsa_id, "password": PASSWORD},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    assert "Too many failed log-in attempts for this account. Try again in 15 minutes" in response.content.decode()
    # a different address does not help: counted per account, in the database
    other = Client(REMOTE_ADDR="10.0.0.9")
    response = other.post("/konto/personal/logga-in", {"identifier": nurse.username, "password": PASSWORD})
    assert response.status_code == 429
    # after the window it works again
    LoginAttempt.objects.update(at=timezone.now() - dt.timedelta(minutes=16))
    assert other.post("/konto/personal/logga-in", {"identifier": nurse.hsa_id, "password": PASSWORD}).status_code == 302


def test_ip_locked_after_twenty_failures() -> None:
    client = Client(REMOTE_ADDR="192.0.2.7")
    for n in range(20):
        client.post("/konto/personal/logga-in", {"identifier": f"nobody{n}", "password": "wrong"})
    nurse = personas.nurse()
    response = client.post("/konto/personal/logga-in", {"identifier": nurse.hsa_id, "password": PASSWORD})
    assert response.status_code == 429
    assert Client(REMOTE_ADDR="192.0.2.8").post(
        "/konto/personal/logga-in", {"identifier": nurse.hsa_id, "password": PASSWORD}).status_code == 302


def test_totp_failures_count_too(client: Client) -> None:
    nurse = personas.nurse()
    client.post("/konto/personal/logga-in", {"identifier": nurse.hsa_id, "password": PASSWORD})
    for _ in range(5):
        client.post("/konto/personal/kod", {"code": "000000"})
    response = client.post("/konto/personal/kod", {"code": totp_now(nurse)})
    assert response.status_code == 429
    assert client.get("/konto/personal/").status_code == 302  # not logged in


def test_logout_recorded(client: Client) -> None:
    nurse = personas.nurse()
    staff_client(client, nurse)
    assert client.post("/konto/personal/logga-ut")["Location"] == "/konto/personal/logga-in"
    assert AccessLogEntry.objects.filter(kind=EntryKind.LOGOUT, staff=nurse).count() == 1
    assert "_auth_user_id" not in client.session


def test_inactive_staff_cannot_log_in(client: Client) -> None:
    nurse = personas.nurse()
    StaffUser.objects.filter(pk=nurse.pk).update(is_active=False)
    response = client.post("/konto/personal/logga-in", {"identifier": nurse.hsa_id, "password": PASSWORD})
    assert response.status_code == 200


def test_django_authenticate_never_logs_in_with_password_only(client: Client) -> None:
    from django.contrib.auth import authenticate

    nurse = personas.nurse()
    assert authenticate(hsa_id=nurse.hsa_id, password=PASSWORD) is None
    assert authenticate(username=nurse.hsa_id, password=PASSWORD) is None
    response = client.get("/admin/login/?next=/admin/")
    assert response["Location"] == "/konto/personal/logga-in?next=%2Fadmin%2F"
