"""The JSON API (django-ninja), described by OpenAPI and browsable at /api/docs."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError

from vardlots.intake.actions import IntakeError
from vardlots.intake.api import router as triage_router
from vardlots.telephony.actions import TelephonyError
from vardlots.telephony.api import router as telephony_router
from vardlots.telephony.signing import SignatureError

api = NinjaAPI(title="vardlots API", version="1", urls_namespace="api", docs_url="/docs")
api.add_router("/triage/", triage_router)
api.add_router("/telephony/", telephony_router)


def _lang(request: HttpRequest) -> str:
    lang = getattr(request, "LANGUAGE_CODE", "sv") or "sv"
    return "en" if lang.startswith("en") else "sv"


@api.exception_handler(IntakeError)
def intake_error(request: HttpRequest, exc: IntakeError) -> HttpResponse:
    body = {"key": exc.key, "message": exc.message(_lang(request)), "messages": exc.messages, **exc.details}
    return api.create_response(request, {"error": body}, status=exc.status)


@api.exception_handler(TelephonyError)
@api.exception_handler(SignatureError)
def telephony_error(request: HttpRequest, exc: TelephonyError | SignatureError) -> HttpResponse:
    return api.create_response(request, {"error": {"key": exc.key, "message": exc.message}}, status=exc.status)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    messages = {"sv": "Förfrågan innehåller fel. Se 'fields'.", "en": "The request has errors. See 'fields'."}
    fields = [{"location": [str(p) for p in e.get("loc", [])], "problem": e.get("msg", "")} for e in exc.errors]
    body = {"key": "request.invalid", "message": messages[_lang(request)], "messages": messages, "fields": fields}
    return api.create_response(request, {"error": body}, status=422)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    messages = {"sv": "Det du frågade efter finns inte.", "en": "What you asked for does not exist."}
    body = {"key": "not_found", "message": messages[_lang(request)], "messages": messages}
    return api.create_response(request, {"error": body}, status=404)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:
        messages = {"sv": "Förfrågan kunde inte läsas. Skicka giltig JSON.",
                    "en": "The request could not be read. Send valid JSON."}
        key = "request.malformed"
    else:
        messages = {"sv": "Förfrågan kunde inte utföras.", "en": "The request could not be carried out."}
        key = f"http.{exc.status_code}"
    body = {"key": key, "message": messages[_lang(request)], "messages": messages}
    return api.create_response(request, {"error": body}, status=exc.status_code)
