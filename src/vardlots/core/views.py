from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from vardlots.core import api_errors


def home(request: HttpRequest) -> HttpResponse:
    """The resident start page: two doors, seek care and administrative questions."""
    return render(request, "core/home.html")


def _error(request: HttpRequest, status: int, title: str, text: str,
           api_entry: tuple[str, str, str] | None = None) -> HttpResponse:
    """The error page, or under /api/ the JSON error of the same status."""
    if api_errors.is_api(request):
        return api_errors.api_error_response(request, status, api_entry)
    context: dict[str, Any] = {"status": status, "title": title, "text": text}
    return render(request, "core/error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig) and api_errors.is_api(request):
        return api_errors.api_error_response(request, 413)
    return _error(request, 400, _("Something was wrong with the request"),
                  _("The page could not understand what was sent. Go back and try again."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403, _("You do not have access to this page"),
                  _("If you think you should have access, contact your manager or log in again."))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404, _("The page could not be found"),
                  _("The address may be wrong, or the page has been moved."))


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500, _("Something went wrong on our side"),
                  _("Nothing you entered has been lost. Try again in a moment. "
                    "If you need care urgently, call 1177, or 112 in an emergency."))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _error(request, 403, _("The form had expired"),
                  _("For your security the form could only be sent once, or it was open too long. "
                    "Go back, reload the page and send it again."), api_errors.CSRF)


@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    """Seconds left of the session, for the warning before log-out. Not counted as activity."""
    expires = getattr(request, "vardlots_session_expires_at", None)
    if expires is None:
        return JsonResponse({"authenticated": False})
    return JsonResponse({"authenticated": True, "seconds_left": max(0, int(expires - time.time()))})


@require_POST
def session_keepalive(request: HttpRequest) -> JsonResponse:
    """'Stay logged in': a normal request, so the middleware has already renewed the idle clock."""
    expires = getattr(request, "vardlots_session_expires_at", None)
    return JsonResponse({"authenticated": expires is not None})
