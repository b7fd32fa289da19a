"""The JSON API (django-ninja), described by OpenAPI and browsable at /api/docs."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema

from vardlots.core import api_errors
from vardlots.core.text import UNSAFE_KEY, declare_safe_text, unsafe_messages
from vardlots.intake.actions import IntakeError
from vardlots.intake.api import router as triage_router
from vardlots.telephony.actions import TelephonyError
from vardlots.telephony.api import SignatureAuth
from vardlots.telephony.api import router as telephony_router
from vardlots.telephony.signing import SignatureError


class VardlotsAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI also declares what django-ninja cannot: the text rule of every query
    parameter (``SAFE_TEXT_PATTERN``; the middleware enforces it), and the telephony timestamp
    header, required together with the signature (ninja lists auth callbacks as alternatives)."""

    def get_openapi_schema(self, *, path_prefix: str | None = None,
                           path_params: dict[str, Any] | None = None) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for item in schema["paths"].values():
            for operation in item.values():
                for parameter in operation.get("parameters", []):
                    if parameter.get("in") == "query":
                        declare_safe_text(parameter.get("schema", {}))
        schemes = schema.get("components", {}).get("securitySchemes", {})
        if "SignatureAuth" in schemes:
            schemes["TimestampHeader"] = SignatureAuth.timestamp_security_schema
            for item in schema["paths"].values():
                for operation in item.values():
                    for requirement in operation.get("security", []):
                        if "SignatureAuth" in requirement:
                            requirement["TimestampHeader"] = []
        return schema


api = VardlotsAPI(title="vardlots API", version="1", urls_namespace="api", docs_url="/docs")
api.add_router("/triage/", triage_router)
api.add_router("/telephony/", telephony_router)


_lang = api_errors.language


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
    fields = [_field(request, e) for e in exc.errors]
    body = {"key": "request.invalid", "message": messages[_lang(request)], "messages": messages, "fields": fields}
    return api.create_response(request, {"error": body}, status=422)


def _field(request: HttpRequest, error: dict[str, object]) -> dict[str, object]:
    location = error.get("loc", [])
    out: dict[str, object] = {"location": [str(p) for p in location] if isinstance(location, list | tuple) else [],
                              "problem": error.get("msg", "")}
    if error.get("type") == UNSAFE_KEY.replace(".", "_"):
        out["key"] = UNSAFE_KEY
        out["problem"] = unsafe_messages()[_lang(request)]
    return out


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, api_errors.error_body(request, 404), status=404)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, api_errors.error_body(request, exc.status_code), status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return api.create_response(request, api_errors.error_body(request, 413), status=413)
