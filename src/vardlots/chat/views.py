"""Plain HTTP fallback of the chat: GET messages after an id (JSON), POST a message (form or JSON).

Used when the websocket cannot connect, and without JavaScript (the form posts and redirects back
to the case page). The same ``client_id`` posted twice stores one message.

``older_view`` pages back through a long chat: ``GET /arenden/<id>/meddelanden/aldre?fore=<id>``
renders the page of messages before that id — a whole page with a link further back without
JavaScript, the list items alone for ``case.js`` (``X-Requested-With: fetch``).
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from vardlots.accounts import session as resident_session
from vardlots.accounts.models import Resident, StaffUser
from vardlots.audit.actions import shows_resident_data
from vardlots.cases.actions import CaseError, access_case, access_resident_case, resident_status
from vardlots.cases.models import Case
from vardlots.chat import actions
from vardlots.chat.text import frame_text_problem
from vardlots.core.text import checks_own_text


def _who(request: HttpRequest, case_id: int, *, log: bool) -> tuple[StaffUser | Resident, Case]:
    user = request.user
    if isinstance(user, StaffUser) and user.is_authenticated:
        if log:
            return user, access_case(user, case_id, request=request, what="case.chat")
        case = Case.objects.select_related("queue", "queue__unit").filter(pk=case_id).first()
        if case is None:
            raise PermissionDenied(_("Your roles do not give access to this case."))
        from vardlots.cases.actions import check_view_case

        check_view_case(user, case)
        return user, case
    person = resident_session.current_resident(request)
    if person is None:
        raise PermissionDenied(_("Log in to see your cases."))
    return person, access_resident_case(person, case_id)


def _draft_key(case_id: int) -> str:
    return f"chat_draft_{case_id}"


def keep_draft(request: HttpRequest, case_id: int, body: str) -> None:
    """A refused form post (no JavaScript): keep the text for the case page's message box, without
    the characters that cannot be stored, so the person need not write it again."""
    request.session[_draft_key(case_id)] = "".join(
        c for c in body[:actions.MAX_BODY + 1000] if not frame_text_problem(c))


def pop_draft(request: HttpRequest, case_id: int) -> str:
    return str(request.session.pop(_draft_key(case_id), ""))


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@shows_resident_data("chat:messages")
@checks_own_text("body")
@require_http_methods(["GET", "POST"])
def messages_view(request: HttpRequest, case_id: int) -> HttpResponse:
    if request.method == "GET":
        person, case = _who(request, case_id, log=True)
        try:
            after = max(0, int(request.GET.get("after", "0")))
        except ValueError:
            after = 0
        found = actions.messages_after(case, after)
        body = {"messages": [actions.serialise_message(m) for m in found],
                "last_id": found[-1].pk if found else after}
        if isinstance(person, Resident):
            body["case"] = resident_status(case)
        return JsonResponse(body)
    person, case = _who(request, case_id, log=False)
    client_id = request.POST.get("client_id", "")
    try:
        message = actions.do_send_message(person, case, request.POST.get("body", ""), client_id)
    except CaseError as error:
        if _wants_json(request):
            return JsonResponse({"error": error.key, "message": error.message},
                                status=429 if error.key == "chat.too_fast" else 400)
        flash.error(request, error.message)
        keep_draft(request, case.pk, request.POST.get("body", ""))
    else:
        if _wants_json(request):
            return JsonResponse({"message": actions.serialise_message(message)}, status=201)
    target = "cases:staff_case" if isinstance(person, StaffUser) else "cases:resident_case"
    return redirect(target, case_id=case.pk)


@shows_resident_data("chat:older")
@require_GET
def older_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """One page of older messages (staff reads are access-logged: one entry per page)."""
    person, case = _who(request, case_id, log=True)
    try:
        before = int(request.GET.get("fore", ""))
    except ValueError:
        before = 0
    if not 0 < before <= actions.MAX_MESSAGE_ID:
        before = actions.MAX_MESSAGE_ID
    found, more = actions.messages_page(case, before)
    staff = isinstance(person, StaffUser)
    template = "chat/_older.html" if request.headers.get("X-Requested-With") == "fetch" else "chat/older.html"
    return render(request, template, {
        "case": case, "messages_list": found, "has_older": more, "current_resident": None if staff else person,
        "base_template": "core/staff_base.html" if staff else "accounts/resident_base.html",
        "case_url": "cases:staff_case" if staff else "cases:resident_case",
    })
