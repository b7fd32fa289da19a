"""Who is logged in on the resident side, and for whom they act. Residents are not Django users."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from vardlots.accounts.actions import ActingFor, acting_for_payload
from vardlots.accounts.models import Resident
from vardlots.core.middleware import SESSION_KIND, start_session_clock

RESIDENT_KEY = "vardlots_resident_id"
ACTING_FOR_KEY = "vardlots_acting_for"  # {"guardian_id", "child_id", "relation_id", "since"}

V = TypeVar("V", bound=Callable[..., HttpResponse])


def login_resident(request: HttpRequest, resident: Resident) -> None:
    request.session.flush()  # a fresh session key; drops any staff log-in or half-done order
    request.session[RESIDENT_KEY] = resident.pk
    start_session_clock(request, "resident")


def logout_resident(request: HttpRequest) -> None:
    request.session.flush()


def current_resident(request: HttpRequest) -> Resident | None:
    """The logged-in resident (cached on the request)."""
    if hasattr(request, "_vardlots_resident"):
        return cast(Resident | None, request._vardlots_resident)
    resident = None
    pk = request.session.get(RESIDENT_KEY)
    if pk is not None and request.session.get(SESSION_KIND) == "resident":
        resident = Resident.objects.filter(pk=pk).select_related("listed_unit").first()
    request._vardlots_resident = resident  # type: ignore[attr-defined]
    return resident


def acting_for(request: HttpRequest) -> Resident | None:
    """The child the logged-in guardian acts for, re-checked against the recorded relation."""
    from django.core.exceptions import PermissionDenied

    from vardlots.accounts.actions import check_act_for

    guardian = current_resident(request)
    data = request.session.get(ACTING_FOR_KEY)
    if guardian is None or not isinstance(data, dict) or data.get("guardian_id") != guardian.pk:
        return None
    child = Resident.objects.filter(pk=int(data.get("child_id") or 0)).first()
    if child is None:
        request.session.pop(ACTING_FOR_KEY, None)
        return None
    try:
        check_act_for(guardian, child)
    except PermissionDenied:
        request.session.pop(ACTING_FOR_KEY, None)  # the relation ended or the child turned 13
        return None
    return child


def start_acting_for(request: HttpRequest, acting: ActingFor) -> None:
    request.session[ACTING_FOR_KEY] = acting_for_payload(acting)


def stop_acting_for(request: HttpRequest) -> None:
    request.session.pop(ACTING_FOR_KEY, None)


def subject(request: HttpRequest) -> Resident | None:
    """Whose data the resident side shows: the child acted for, else the resident themselves."""
    return acting_for(request) or current_resident(request)


def resident_required(view: V) -> V:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if current_resident(request) is None:
            url = reverse("accounts:resident_login") + "?" + urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(url)
        return view(request, *args, **kwargs)

    return cast(V, wrapper)
