"""Every error under /api/ is JSON with a key and a message in the request's language."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _error(response: Any, status: int, key: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    error = response.json()["error"]
    assert error["key"] == key
    assert error["message"] and set(error["messages"]) == {"sv", "en"}
    return error


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v2/triage/sessions", "/api/"])
def test_unknown_api_paths_are_json_404(client: Client, path: str) -> None:
    error = _error(client.get(path, HTTP_ACCEPT_LANGUAGE="en"), 404, "not_found")
    assert error["message"] == "What you asked for does not exist."


def test_pages_outside_the_api_keep_the_html_404(client: Client) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_a_method_the_path_does_not_have_is_json_405_with_allow(client: Client) -> None:
    response = client.delete("/api/v1/triage/protocols")
    _error(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


def test_a_csrf_refusal_under_the_api_is_json_403() -> None:
    client = Client(enforce_csrf_checks=True)
    _error(client.post("/api/docs"), 403, "csrf")


def test_malformed_json_is_400(client: Client) -> None:
    response = client.post("/api/v1/triage/sessions", "{not json", content_type="application/json")
    _error(response, 400, "request.malformed")


def test_a_body_over_the_limit_is_json_413(client: Client, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"sex": "female", "complaint": "' + "x" * 2000 + '"}'
    _error(client.post("/api/v1/triage/sessions", body, content_type="application/json"), 413,
           "request.too_large")


def test_a_signed_telephony_body_over_the_limit_is_json_413(client: Client, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    _error(client.post("/api/v1/telephony/events", "x" * 2000, content_type="application/json",
                       headers={"X-Vardlots-Timestamp": "1", "X-Vardlots-Signature": "0"}), 413,
           "request.too_large")


def test_a_server_error_under_the_api_is_json_500(monkeypatch: pytest.MonkeyPatch) -> None:
    from vardlots.intake import api as intake_api

    def broken() -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(intake_api, "get_content", broken)
    client = Client(raise_request_exception=False)
    error = _error(client.get("/api/v1/triage/protocols"), 500, "server_error")
    assert "boom" not in str(error)
