"""Pages of cases: the resident's case list and case page; the staff queue page and case page.

Minimal but real: they call the actions, work without JavaScript (forms post and redirect), and
``chat/static/chat/case.js`` makes the chat live over the case websocket where JavaScript runs.
Every staff page showing a resident's data goes through ``access_case`` (access log).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from vardlots.accounts import session as resident_session
from vardlots.accounts.models import StaffUser
from vardlots.audit.actions import shows_resident_data
from vardlots.cases import actions
from vardlots.cases.actions import CaseError
from vardlots.cases.models import Case, CaseStatus, Outcome, Queue, Urgency
from vardlots.chat import actions as chat


def _staff(request: HttpRequest) -> StaffUser:
    user = request.user
    if not isinstance(user, StaffUser):
        raise PermissionDenied(_("Log in as staff."))
    return user


# --- resident ---------------------------------------------------------------------------------------

@resident_session.resident_required
@require_GET
def resident_cases(request: HttpRequest) -> HttpResponse:
    person = resident_session.current_resident(request)
    assert person is not None
    subject = resident_session.subject(request) or person
    cases = Case.objects.filter(resident=subject).select_related("queue__unit").order_by("-created_at")
    return render(request, "cases/resident_cases.html", {"cases": cases, "subject": subject,
                                                         "current_resident": person})


@resident_session.resident_required
@require_GET
def resident_case(request: HttpRequest, case_id: int) -> HttpResponse:
    person = resident_session.current_resident(request)
    assert person is not None
    case = actions.access_resident_case(person, case_id)
    return render(request, "cases/resident_case.html", {
        "case": case, "current_resident": person, "status": actions.resident_status(case),
        "messages_list": chat.messages_after(case), "client_id": uuid.uuid4().hex,
        "last_event_id": case.events.order_by("-pk").values_list("pk", flat=True).first() or 0,
    })


@resident_session.resident_required
@require_POST
def resident_reopen(request: HttpRequest, case_id: int) -> HttpResponse:
    person = resident_session.current_resident(request)
    assert person is not None
    case = actions.access_resident_case(person, case_id)
    try:
        actions.do_reopen(person, case)
    except CaseError as error:
        messages.error(request, error.message)
    return redirect("cases:resident_case", case_id=case.pk)


# --- staff ------------------------------------------------------------------------------------------

def _queue_rows(queue: Queue) -> list[dict[str, Any]]:
    now = timezone.now()
    rows = []
    for case in actions.waiting_cases(queue)[:200]:
        rows.append({
            "case": case, "age": case.resident.age(), "sex": case.resident.get_sex_display(),
            "waited_minutes": int((now - case.waiting_since).total_seconds() // 60),
            "warning": case.target_warning(now), "breached": case.target_breached(now),
        })
    return rows


@login_required
@require_GET
def staff_queues(request: HttpRequest) -> HttpResponse:
    """The queues the member of staff may see, in priority order, and their own cases in progress."""
    staff = _staff(request)
    queues = [{"queue": q, "rows": _queue_rows(q), "can_handle": actions.can_handle_queue(staff, q)}
              for q in actions.visible_queues(staff)]
    mine = Case.objects.filter(owner=staff, status=CaseStatus.IN_PROGRESS).select_related("queue__unit")
    unread = chat.unread_counts(staff)
    return render(request, "cases/staff_queues.html", {
        "queues": queues, "mine": [{"case": c, "unread": unread.get(c.pk, 0)} for c in mine],
    })


@login_required
@require_POST
def staff_claim_next(request: HttpRequest, queue_id: int) -> HttpResponse:
    staff = _staff(request)
    queue = get_object_or_404(Queue, pk=queue_id)
    try:
        case = actions.do_claim_next(staff, queue)
    except CaseError as error:
        messages.error(request, error.message)
        return redirect("cases:staff_queues")
    if case is None:
        messages.info(request, _("No case is waiting in this queue."))
        return redirect("cases:staff_queues")
    return redirect("cases:staff_case", case_id=case.pk)


@shows_resident_data("cases:staff_case")
@login_required
@require_GET
def staff_case(request: HttpRequest, case_id: int) -> HttpResponse:
    staff = _staff(request)
    case = actions.access_case(staff, case_id, request=request, what="case")
    is_owner = case.status == CaseStatus.IN_PROGRESS and case.owner_id == staff.pk
    transfer_queues = [q for q in Queue.objects.filter(kind=case.kind).exclude(pk=case.queue_id)
                       .select_related("unit", "unit__region")]
    return render(request, "cases/staff_case.html", {
        "case": case, "is_owner": is_owner, "can_handle": actions.can_handle_queue(staff, case.queue),
        "messages_list": chat.messages_after(case), "client_id": uuid.uuid4().hex,
        "history": case.events.select_related("actor_staff").order_by("pk"),
        "outcomes": Outcome.choices, "urgencies": Urgency.choices, "transfer_queues": transfer_queues,
        "last_event_id": case.events.order_by("-pk").values_list("pk", flat=True).first() or 0,
        "triage": case.triage_session,
    })


@login_required
@require_POST
def staff_case_action(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    """One form endpoint per case action: claim, release, transfer, escalate, override, close, reopen."""
    staff = _staff(request)
    case = get_object_or_404(Case, pk=case_id)
    data = request.POST
    try:
        if action == "claim":
            actions.do_claim(staff, case)
        elif action == "release":
            actions.do_release(staff, case, note=data.get("note", ""))
        elif action == "transfer":
            queue = get_object_or_404(Queue, pk=data.get("queue") or 0)
            actions.do_transfer(staff, case, queue, data.get("note", ""))
        elif action == "escalate":
            actions.do_escalate_to_doctor(staff, case, note=data.get("note", ""))
        elif action == "override":
            actions.do_override_urgency(staff, case, data.get("urgency", ""), data.get("reason", ""))
        elif action == "close":
            actions.do_close(staff, case, data.get("outcome", ""), note=data.get("note", ""))
        elif action == "reopen":
            actions.do_reopen(staff, case)
        else:
            raise PermissionDenied(_("Unknown action."))
    except CaseError as error:
        messages.error(request, error.message)
    if action in {"release", "transfer", "escalate"} or not actions.can_view_queue(staff, case.queue):
        return redirect("cases:staff_queues")
    return redirect("cases:staff_case", case_id=case.pk)
