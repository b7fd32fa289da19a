"""SITHS-style staff log-in through OpenID Connect (authorization code flow with PKCE)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from vardlots.accounts import actions
from vardlots.accounts.backends import BACKEND
from vardlots.accounts.oidc import OidcError, OidcStaffProvider
from vardlots.core.middleware import start_session_clock

SESSION_KEY = "vardlots_oidc"


@require_POST
def oidc_start(request: HttpRequest) -> HttpResponse:
    if settings.STAFF_AUTH != "oidc":
        messages.error(request, _("SITHS log-in is not switched on in this installation."))
        return redirect("accounts:staff_login")
    redirect_uri = request.build_absolute_uri(reverse("accounts:staff_oidc_callback"))
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    try:
        provider = OidcStaffProvider.from_settings()
        url, state = provider.authorization_request(redirect_uri, next_url=next_url)
    except OidcError:
        messages.error(request, _("The SITHS log-in service could not be reached. Try again in a moment."))
        return redirect("accounts:staff_login")
    request.session[SESSION_KEY] = state
    return HttpResponseRedirect(url)


@require_GET
def oidc_callback(request: HttpRequest) -> HttpResponse:
    state = request.session.pop(SESSION_KEY, None)
    if settings.STAFF_AUTH != "oidc" or not isinstance(state, dict):
        messages.error(request, _("The SITHS log-in was not started or has expired. Try again."))
        return redirect("accounts:staff_login")
    try:
        provider = OidcStaffProvider.from_settings()
        staff = provider.complete(state, request.GET)
    except OidcError as error:
        actions.do_record_login_attempt(error.account or "oidc", request, succeeded=False, stage="oidc",
                                        reason=error.code)
        messages.error(request, _("The SITHS log-in failed. Try again or contact your manager."))
        return redirect("accounts:staff_login")
    request.session.cycle_key()
    login(request, staff, backend=BACKEND)
    start_session_clock(request, "staff")
    actions.do_record_login_attempt(staff.hsa_id, request, succeeded=True, stage="oidc", staff=staff)
    return redirect(state.get("next") or reverse("accounts:staff_home"))
