"""Request-level security: headers, content security policy, session time limits."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.middleware.locale import LocaleMiddleware
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

# No inline scripts or styles anywhere: every script is a file under /static/.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self' ws: wss:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

API_DOCS_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The API browser (Swagger UI, served from our static files) sets inline styles.
        policy = API_DOCS_POLICY if request.path.startswith("/api/v1/docs") else CONTENT_SECURITY_POLICY
        response.setdefault("Content-Security-Policy", policy)
        response.setdefault("Permissions-Policy", "geolocation=(), microphone=(self), camera=(self)")
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if getattr(request, "vardlots_no_store", True) and not request.path.startswith(settings.STATIC_URL):
            response.setdefault("Cache-Control", "no-store")
        return response


SESSION_KIND = "vardlots_kind"  # "staff" | "resident"
SESSION_LOGIN_AT = "vardlots_login_at"
SESSION_LAST_SEEN = "vardlots_last_seen"
BACKGROUND_HEADER = "HTTP_X_VARDLOTS_BACKGROUND"


def session_limits(kind: str) -> tuple[int, int | None]:
    """(idle seconds, absolute seconds or None) for a session kind."""
    if kind == "staff":
        return settings.STAFF_SESSION_IDLE, settings.STAFF_SESSION_MAX
    return settings.RESIDENT_SESSION_IDLE, None


def start_session_clock(request: HttpRequest, kind: str) -> None:
    now = int(time.time())
    request.session[SESSION_KIND] = kind
    request.session[SESSION_LOGIN_AT] = now
    request.session[SESSION_LAST_SEEN] = now


class SessionTimeoutMiddleware:
    """Ends staff sessions after 30 min idle / 12 h, residents' after 15 min idle.

    Requests marked with the header ``X-Vardlots-Background: 1`` (polling by the page itself) do
    not count as activity. The page shows a warning before the end (see ``session.js``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        kind = request.session.get(SESSION_KIND)
        if kind:
            idle, absolute = session_limits(kind)
            now = int(time.time())
            last = int(request.session.get(SESSION_LAST_SEEN, now))
            login_at = int(request.session.get(SESSION_LOGIN_AT, now))
            if now - last > idle or (absolute is not None and now - login_at > absolute):
                logout(request)  # flushes the session
                messages.info(request, _("You were logged out because you were inactive for too long."))
                target = "accounts:staff_login" if kind == "staff" else "accounts:resident_login"
                return HttpResponseRedirect(reverse(target))
            if not request.META.get(BACKGROUND_HEADER):
                request.session[SESSION_LAST_SEEN] = now
                last = now
            expires = last + idle
            if absolute is not None:
                expires = min(expires, login_at + absolute)
            request.vardlots_session_expires_at = expires  # type: ignore[attr-defined]
        return self.get_response(request)


class LanguageMiddleware(LocaleMiddleware):
    """Swedish unless the person chose otherwise (the language cookie), whatever the browser says.

    The JSON API alone follows ``Accept-Language``, since API clients have no cookie to set.
    """

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith("/api/"):
            super().process_request(request)
            return
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
