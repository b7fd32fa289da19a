"""The web shell over the Django test client: headers, language, error pages, session limits."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from vardlots.core.middleware import SESSION_KIND, SESSION_LAST_SEEN, SESSION_LOGIN_AT

pytestmark = pytest.mark.django_db


def test_start_page_is_swedish_by_default_with_security_headers(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="sv"' in html
    assert "Sök vård" in html
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"


def test_no_page_has_an_inline_script(client: Client) -> None:
    for url in ["/", reverse("accounts:staff_login"), reverse("accounts:resident_login"), "/finns-inte"]:
        html = client.get(url).content.decode()
        for chunk in html.split("<script")[1:]:
            assert chunk.split(">", 1)[0].strip().startswith("src="), f"inline script on {url}"


def test_language_switch_is_kept_across_pages(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "Seek care" in client.get("/").content.decode()
    assert '<html lang="en"' in client.get(reverse("accounts:staff_login")).content.decode()


@pytest.mark.parametrize(
    ("language", "text"), [("sv", "Sidan kunde inte hittas"), ("en", "The page could not be found")]
)
def test_404_page_in_both_languages(client: Client, language: str, text: str) -> None:
    client.cookies["vardlots_language"] = language
    response = client.get("/finns-inte")
    assert response.status_code == 404
    assert text in response.content.decode()


def test_csrf_failure_is_a_clear_page_not_a_stack_trace() -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.cookies["vardlots_language"] = "en"
    response = strict.post(reverse("set_language"), {"language": "en"})
    assert response.status_code == 403
    assert "The form had expired" in response.content.decode()


def _session_with(client: Client, kind: str, idle: int, age: int) -> None:
    now = int(time.time())
    session = client.session
    session[SESSION_KIND] = kind
    session[SESSION_LOGIN_AT] = now - age
    session[SESSION_LAST_SEEN] = now - idle
    session.save()


@pytest.mark.parametrize(
    ("kind", "idle", "age", "logged_out"),
    [
        ("resident", 14 * 60, 20 * 60, False),
        ("resident", 15 * 60 + 5, 20 * 60, True),
        ("staff", 29 * 60, 11 * 3600, False),
        ("staff", 30 * 60 + 5, 60 * 60, True),
        ("staff", 60, 12 * 3600 + 5, True),
    ],
)
def test_session_limits(client: Client, kind: str, idle: int, age: int, logged_out: bool) -> None:
    _session_with(client, kind, idle, age)
    response = client.get(reverse("core:session_status"), HTTP_X_VARDLOTS_BACKGROUND="1")
    if logged_out:
        assert response.status_code == 302
        assert SESSION_KIND not in client.session
    else:
        assert response.status_code == 200
        assert response.json()["authenticated"] is True


def test_background_polling_does_not_count_as_activity(client: Client) -> None:
    _session_with(client, "resident", idle=600, age=600)
    before = client.session[SESSION_LAST_SEEN]
    left = client.get(reverse("core:session_status"), HTTP_X_VARDLOTS_BACKGROUND="1").json()["seconds_left"]
    assert client.session[SESSION_LAST_SEEN] == before
    assert 290 <= left <= 300
    client.get("/")
    assert client.session[SESSION_LAST_SEEN] > before


def test_swedish_is_the_default_whatever_the_browser_asks_for(client: Client) -> None:
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="sv"' in html


def test_the_api_follows_accept_language(client: Client) -> None:
    response = client.get("/api/v1/triage/sessions/00000000-0000-0000-0000-000000000000",
                          HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["error"]["message"] == "What you asked for does not exist."
