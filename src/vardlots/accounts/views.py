"""Resident e-ID log-in and "My pages"; staff log-in (password + TOTP, or OIDC) and landing page."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vardlots.accounts import actions, eid, forms
from vardlots.accounts import session as resident_session
from vardlots.accounts.backends import BACKEND
from vardlots.accounts.eid.base import CollectStatus, EidSessionState
from vardlots.accounts.models import GuardianRelation, Resident, StaffUser, active_relations_q
from vardlots.accounts.permissions import can
from vardlots.audit.actions import access_resident, client_ip, do_record_security_event, shows_resident_data
from vardlots.audit.models import EntryKind
from vardlots.core.middleware import start_session_clock

COLLECT_INTERVAL = 2.0  # seconds between collect calls, as BankID recommends
STAFF_PENDING_KEY = "vardlots_staff_pending"
STAFF_PENDING_MAX = 5 * 60


def _safe_next(request: HttpRequest, value: str | None, default: str) -> str:
    if value and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()},
                                                 require_https=request.is_secure()):
        return value
    return default


def rrender(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """Render a resident-side page (the header shows who is logged in)."""
    context.setdefault("current_resident", resident_session.current_resident(request))
    return render(request, template, context, status=status)


def refused(request: HttpRequest, message: str) -> HttpResponse:
    """403 with the specific reason, in the user's language."""
    return render(request, "accounts/refused.html", {"message": message}, status=403)


# --- resident log-in with e-ID ----------------------------------------------------------------

def _provider() -> eid.EidProvider:
    try:
        return eid.get_provider()
    except ImproperlyConfigured as error:
        raise PermissionDenied(str(error)) from error


@require_http_methods(["GET", "POST"])
def resident_login(request: HttpRequest) -> HttpResponse:
    """Start page of the log-in; POST starts an order and goes to the waiting page."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"),
                          reverse("accounts:resident_home"))
    provider = _provider()
    if request.method == "POST":
        state = EidSessionState.load(request.session)
        if state is not None and state.status == CollectStatus.PENDING.value:
            _cancel_quietly(provider, state)
        try:
            started = provider.start(client_ip(request))
        except eid.EidError:
            messages.error(request, _("The e-ID service could not be reached. Please try again in a moment."))
            return redirect("accounts:resident_login")
        EidSessionState.begin(provider.name, started, next_url).store(request.session)
        return redirect("accounts:resident_login_pending")
    if resident_session.current_resident(request) is not None:
        return redirect(next_url)
    return rrender(request, "accounts/resident_login.html", {"next": next_url, "is_test": provider.is_test})


def _cancel_quietly(provider: eid.EidProvider, state: EidSessionState) -> None:
    try:
        provider.cancel(state.order_ref)
    except eid.EidError:
        pass


def _collect(request: HttpRequest, state: EidSessionState, *, log_in: bool = True) -> EidSessionState:
    """Ask the provider for the order state (at most every two seconds while it is pending); log
    in when complete. With `log_in=False` (the background poll) a complete order is only noted:
    the log-in, which renews the session, happens in the page request that follows, so a poll
    never renews the session under a page request that is still running."""
    provider = _provider()
    if state.provider != provider.name:
        state.status, state.hint_code = CollectStatus.FAILED.value, "cancelled"
        return state
    if state.status == CollectStatus.COMPLETE.value and not log_in:
        return state
    if state.status not in (CollectStatus.PENDING.value, CollectStatus.COMPLETE.value):
        return state
    now = time.time()
    if state.status == CollectStatus.PENDING.value:
        last = float(request.session.get("vardlots_eid_collected_at", 0))
        if last and now - last < COLLECT_INTERVAL:
            return state
        request.session["vardlots_eid_collected_at"] = now
    try:
        result = provider.collect(state.order_ref)
    except eid.EidError as error:
        if error.code == "timeout" or error.code == "unavailable":
            return state  # try again at the next poll
        state.status, state.hint_code = CollectStatus.FAILED.value, "internalError"
        state.store(request.session)
        return state
    if result.status == CollectStatus.PENDING and state.timed_out(now):
        _cancel_quietly(provider, state)
        state.status, state.hint_code = CollectStatus.FAILED.value, "expiredTransaction"
    elif result.status == CollectStatus.COMPLETE and result.user is not None and not log_in:
        state.status, state.hint_code = CollectStatus.COMPLETE.value, ""
    elif result.status == CollectStatus.COMPLETE and result.user is not None:
        try:
            resident = actions.do_resident_from_eid(result.user.personal_number, result.user.given_name,
                                                    result.user.surname)
        except ValidationError:
            state.status, state.hint_code = CollectStatus.FAILED.value, "internalError"
        else:
            resident_session.login_resident(request, resident)  # flushes the e-ID state
            state.status, state.hint_code = CollectStatus.COMPLETE.value, ""
            return state
    else:
        state.status, state.hint_code = result.status.value, result.hint_code
    state.store(request.session)
    return state


def _pending_context(request: HttpRequest, state: EidSessionState) -> dict[str, Any]:
    context: dict[str, Any] = {
        "state": state,
        "message": eid.hint_message(state.status, state.hint_code, qr=True),
        "failed": state.status == CollectStatus.FAILED.value,
        "is_test": state.provider == "test",
        "autostart_url": state.autostart_url(),
    }
    if state.status == CollectStatus.PENDING.value:
        context["qr_image"] = eid.base.qr_svg_data_uri(state.qr_data())
    if context["is_test"] and state.status == CollectStatus.PENDING.value:
        context["test_people"] = Resident.objects.order_by("family_name", "given_name")[:50]
    return context


@require_GET
def resident_login_pending(request: HttpRequest) -> HttpResponse:
    """The waiting page: QR code, autostart link, hint; works without JavaScript (meta refresh)."""
    state = EidSessionState.load(request.session)
    if state is None:
        return redirect("accounts:resident_login")
    next_url = state.next_url
    state = _collect(request, state)
    if state.status == CollectStatus.COMPLETE.value:
        return redirect(_safe_next(request, next_url, reverse("accounts:resident_home")))
    return rrender(request, "accounts/resident_login_pending.html", _pending_context(request, state))


@require_GET
def resident_login_status(request: HttpRequest) -> JsonResponse:
    """JSON for eid.js: status, message and a fresh QR code every second."""
    state = EidSessionState.load(request.session)
    if state is None:
        return JsonResponse({"status": "failed", "message": _("The log-in was not started or has ended."),
                             "restart": reverse("accounts:resident_login")})
    state = _collect(request, state, log_in=False)
    if state.status == CollectStatus.COMPLETE.value:
        # The waiting page logs in and goes on to where the resident was going.
        return JsonResponse({"status": "complete", "redirect": reverse("accounts:resident_login_pending")})
    data: dict[str, Any] = {"status": state.status, "hintCode": state.hint_code,
                            "message": eid.hint_message(state.status, state.hint_code, qr=True)}
    if state.status == CollectStatus.PENDING.value:
        data["qr"] = eid.base.qr_svg_data_uri(state.qr_data())
    return JsonResponse(data)


@require_POST
def resident_login_cancel(request: HttpRequest) -> HttpResponse:
    state = EidSessionState.load(request.session)
    if state is not None:
        _cancel_quietly(_provider(), state)
        EidSessionState.clear(request.session)
    messages.info(request, _("The log-in was cancelled."))
    return redirect("accounts:resident_login")


@require_POST
def resident_test_identify(request: HttpRequest) -> HttpResponse:
    """TEST e-ID only: the simulated app, where the tester picks the test person."""
    from vardlots.accounts.eid.testprovider import TestEidProvider

    provider = _provider()
    state = EidSessionState.load(request.session)
    if not isinstance(provider, TestEidProvider) or state is None or state.provider != "test":
        raise PermissionDenied("The test e-ID is not in use.")
    form = forms.TestIdentifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a test person."))
        return redirect("accounts:resident_login_pending")
    resident: Resident = form.cleaned_data["resident"]
    try:
        provider.simulate_identify(state.order_ref, resident)
    except eid.EidError:
        messages.error(request, _("The log-in has ended. Start again."))
        return redirect("accounts:resident_login")
    request.session.pop("vardlots_eid_collected_at", None)  # the waiting page collects at once
    return redirect("accounts:resident_login_pending")


@require_POST
def resident_logout(request: HttpRequest) -> HttpResponse:
    resident_session.logout_resident(request)
    messages.info(request, _("You are logged out."))
    return redirect("core:home")


# --- My pages ----------------------------------------------------------------------------------

@resident_session.resident_required
@require_GET
def resident_home(request: HttpRequest) -> HttpResponse:
    resident = resident_session.current_resident(request)
    assert resident is not None
    child = resident_session.acting_for(request)
    relations = (GuardianRelation.objects.filter(active_relations_q(_today()), guardian=resident)
                 .select_related("child").order_by("child__birth_date"))
    actionable = {c.pk for c in actions.children_in_care(resident)}
    children = [{"resident": r.child, "can_act": r.child.pk in actionable} for r in relations]
    return rrender(request, "accounts/resident_home.html", {
        "resident": resident, "acting_for": child, "children": children,
    })


def _today() -> Any:
    from django.utils import timezone

    return timezone.localdate()


@resident_session.resident_required
@require_POST
def resident_act_for(request: HttpRequest) -> HttpResponse:
    guardian = resident_session.current_resident(request)
    assert guardian is not None
    form = forms.ActForForm(request.POST)
    if not form.is_valid():
        return refused(request, _("Choose one of your children."))
    child = Resident.objects.filter(pk=form.cleaned_data["child"]).first()
    if child is None:
        return refused(request, actions.NOT_GUARDIAN_MESSAGE())
    try:
        acting = actions.check_act_for(guardian, child)
    except PermissionDenied as error:
        return refused(request, str(error))
    resident_session.start_acting_for(request, acting)
    messages.success(request, _("You are now acting for %(name)s.") % {"name": child.get_full_name()})
    return redirect("accounts:resident_home")


@resident_session.resident_required
@require_POST
def resident_act_for_stop(request: HttpRequest) -> HttpResponse:
    resident_session.stop_acting_for(request)
    messages.info(request, _("You are acting for yourself again."))
    return redirect("accounts:resident_home")


# --- staff log-in ------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def staff_login(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"),
                          reverse("accounts:staff_home"))
    password_enabled = settings.STAFF_AUTH == "password_totp"
    form = forms.StaffPasswordForm(request.POST or None)
    if request.method == "POST":
        if not password_enabled:
            raise PermissionDenied("Password log-in is switched off.")
        if form.is_valid():
            identifier = form.cleaned_data["identifier"]
            try:
                actions.check_login_allowed(identifier, client_ip(request))
            except PermissionDenied as error:
                actions.do_record_login_attempt(identifier, request, succeeded=False, stage="password",
                                                reason="rate_limited")
                form.add_error(None, str(error))
                return render(request, "accounts/staff_login.html",
                              {"form": form, "next": next_url, "password_enabled": True}, status=429)
            staff = actions.check_password_step(identifier, form.cleaned_data["password"])
            if staff is None:
                actions.do_record_login_attempt(identifier, request, succeeded=False, stage="password",
                                                staff=actions.find_staff(identifier), reason="bad_password")
                form.add_error(None, _("Wrong HSA-id, username or password."))
            else:
                request.session.cycle_key()
                request.session[STAFF_PENDING_KEY] = {"id": staff.pk, "at": time.time(), "next": next_url,
                                                      "identifier": identifier}
                return redirect("accounts:staff_totp")
    return render(request, "accounts/staff_login.html", {
        "form": form, "next": next_url, "password_enabled": password_enabled,
        "oidc_enabled": settings.STAFF_AUTH == "oidc",
    })


def _pending_staff(request: HttpRequest) -> tuple[StaffUser, dict[str, Any]] | None:
    data = request.session.get(STAFF_PENDING_KEY)
    if not isinstance(data, dict) or time.time() - float(data.get("at", 0)) > STAFF_PENDING_MAX:
        request.session.pop(STAFF_PENDING_KEY, None)
        return None
    staff = StaffUser.objects.filter(pk=int(data.get("id") or 0), is_active=True).first()
    return (staff, data) if staff is not None else None


@require_http_methods(["GET", "POST"])
def staff_totp(request: HttpRequest) -> HttpResponse:
    """Second step: the TOTP code; on first log-in (demo/development) enrol an authenticator app."""
    pending = _pending_staff(request)
    if pending is None:
        messages.info(request, _("Log in again."))
        return redirect("accounts:staff_login")
    staff, data = pending
    enrolling = not staff.totp_confirmed
    if enrolling:
        try:
            actions.do_start_totp_enrolment(staff)
        except PermissionDenied as error:
            return refused(request, str(error))
    form = forms.TotpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            actions.check_login_allowed(data["identifier"], client_ip(request))
        except PermissionDenied as error:
            request.session.pop(STAFF_PENDING_KEY, None)
            actions.do_record_login_attempt(data["identifier"], request, succeeded=False, stage="totp",
                                            staff=staff, reason="rate_limited")
            return render(request, "accounts/staff_login.html",
                          {"form": forms.StaffPasswordForm(), "password_enabled": True,
                           "locked_message": str(error)}, status=429)
        if actions.check_totp(staff, form.cleaned_data["code"]):
            if enrolling:
                actions.do_confirm_totp(staff)
            request.session.pop(STAFF_PENDING_KEY, None)
            login(request, staff, backend=BACKEND)  # cycles the session key
            start_session_clock(request, "staff")
            actions.do_record_login_attempt(data["identifier"], request, succeeded=True,
                                            stage="password_totp", staff=staff)
            return HttpResponseRedirect(_safe_next(request, data.get("next"), reverse("accounts:staff_home")))
        actions.do_record_login_attempt(data["identifier"], request, succeeded=False, stage="totp",
                                        staff=staff, reason="bad_code")
        form.add_error("code", _("The code is wrong or has already been used. "
                                 "Wait for a new code and try again."))
        status = 400
    context: dict[str, Any] = {"form": form, "enrolling": enrolling, "staff": staff}
    if enrolling:
        context["secret"] = staff.totp_secret
        context["qr_image"] = eid.base.qr_svg_data_uri(actions.provisioning_uri(staff))
    return render(request, "accounts/staff_totp.html", context, status=status)


@require_POST
def staff_logout(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        do_record_security_event(EntryKind.LOGOUT, staff=request.user, request=request)
    logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("accounts:staff_login")


@login_required
@require_GET
def staff_home(request: HttpRequest) -> HttpResponse:
    staff: StaffUser = request.user  # type: ignore[assignment]
    memberships = list(staff.active_memberships())
    return render(request, "accounts/staff_home.html", {
        "memberships": memberships,
        "can_look_up": any(can(staff, "resident.view", m.unit) for m in memberships),
        "can_admin": staff.is_staff,
    })


@shows_resident_data("accounts:staff_resident")
@login_required
@require_http_methods(["GET", "POST"])
def staff_resident(request: HttpRequest) -> HttpResponse:
    """Open a resident's basic data: state unit and purpose first; the read is access-logged."""
    staff: StaffUser = request.user  # type: ignore[assignment]
    form = forms.ResidentLookupForm(staff, request.POST or None)
    if request.method == "POST" and form.is_valid():
        resident = Resident.objects.filter(personal_number=form.cleaned_data["personal_number"]).first()
        if resident is None:
            form.add_error("personal_number", _("No resident with this personal identity number."))
        else:
            try:
                access_resident(staff, resident, form.cleaned_data["purpose"], form.cleaned_data["unit"],
                                request=request, what="resident.basic")
            except PermissionDenied:
                return refused(request, _("Your role in this unit does not give access to resident data."))
            guardians = GuardianRelation.objects.filter(active_relations_q(_today()), child=resident) \
                .select_related("guardian")
            return render(request, "accounts/staff_resident.html", {
                "resident": resident, "unit": form.cleaned_data["unit"], "guardians": guardians,
                "purpose": form.cleaned_data["purpose"],
            })
    return render(request, "accounts/staff_resident_lookup.html", {"form": form})
