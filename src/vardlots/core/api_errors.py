"""Every error under ``/api/`` is JSON: ``{"error": {"key", "message", "messages": {"sv", "en"}}}``.

django-ninja's own handlers (``vardlots.api``) answer what happens inside an operation. What
happens around it — an unknown path (404), a method the path does not have (405), a CSRF refusal
(403), a body over the upload limit (413), a server error (500) — is answered by Django's error
views, which call ``api_error_response`` under ``/api/``, and by ``ApiErrorsMiddleware``, which
turns any remaining non-JSON error response under ``/api/`` into the same shape (keeping headers
such as ``Allow``). See docs/subsystems/intake.md, "Errors".
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Schema
from pydantic import Field

API_PREFIX = "/api/"

# status → (key, Swedish, English)
ERRORS: dict[int, tuple[str, str, str]] = {
    400: ("request.malformed", "Förfrågan kunde inte läsas. Skicka giltig JSON.",
          "The request could not be read. Send valid JSON."),
    401: ("unauthenticated", "Förfrågan saknar giltig behörighet.", "The request is not authenticated."),
    403: ("forbidden", "Du har inte behörighet till detta.", "You do not have access to this."),
    404: ("not_found", "Det du frågade efter finns inte.", "What you asked for does not exist."),
    405: ("method_not_allowed", "Den metoden går inte att använda här.", "That method cannot be used here."),
    413: ("request.too_large", "Förfrågan är för stor.", "The request is too large."),
    500: ("server_error", "Något gick fel hos oss. Försök igen om en stund.",
          "Something went wrong on our side. Try again in a moment."),
}
CSRF = ("csrf", "Förfrågan saknar en giltig CSRF-token.", "The request lacks a valid CSRF token.")
GENERIC = ("Förfrågan kunde inte utföras.", "The request could not be carried out.")


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def language(request: HttpRequest) -> str:
    lang = getattr(request, "LANGUAGE_CODE", "sv") or "sv"
    return "en" if lang.startswith("en") else "sv"


def error_body(request: HttpRequest, status: int, entry: tuple[str, str, str] | None = None) -> dict[str, object]:
    key, sv, en = entry or ERRORS.get(status) or (f"http.{status}", *GENERIC)
    messages = {"sv": sv, "en": en}
    return {"error": {"key": key, "message": messages[language(request)], "messages": messages}}


def api_error_response(request: HttpRequest, status: int,
                       entry: tuple[str, str, str] | None = None) -> JsonResponse:
    return JsonResponse(error_body(request, status, entry), status=status)


class ApiErrorsMiddleware:
    """Replaces a non-JSON error response under ``/api/`` with the JSON error of its status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (response.status_code >= 400 and is_api(request)
                and not response.get("Content-Type", "").startswith("application/json")):
            replaced = api_error_response(request, response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replaced[header] = response[header]
            return replaced
        return response


class FieldProblemOut(Schema):
    location: list[str] = Field(description="where: body/query/path, then the field")
    problem: str
    key: str | None = Field(default=None, description="a stable key for some problems, e.g. text.unsafe")


class ErrorBodyOut(Schema):
    key: str = Field(description="stable and machine-readable, e.g. not_found, request.invalid")
    message: str = Field(description="for people, in the request's language (Accept-Language)")
    messages: dict[str, str] | None = Field(default=None, description="the message in Swedish and English")
    fields: list[FieldProblemOut] | None = Field(default=None, description="with request.invalid: each problem")


class ErrorOut(Schema):
    error: ErrorBodyOut


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The ``response=`` entries that declare an operation's error statuses in the OpenAPI."""
    return dict.fromkeys(statuses, ErrorOut)
