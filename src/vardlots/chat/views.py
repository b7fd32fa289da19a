"""Plain HTTP fallback of the chat: GET messages after an id (JSON), POST a message (form or JSON).

Used when the websocket cannot connect, and without JavaScript (the form posts and redirects back
to the case page). The same ``client_id`` posted twice stores one message.
"""

from __future__ import annotations

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from vardlots.accounts import session as resident_session
from vardlots.accounts.models import Resident, StaffUser
from vardlots.audit.actions import shows_resident_data
from vardlots.cases.actions import CaseError, access_case, access_resident_case, resident_status
from vardlots.cases.models import Case
from vardlots.chat import actions


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


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@shows_resident_data("chat:messages")
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
            return JsonResponse({"error": error.key, "message": error.message}, status=400)
        flash.error(request, error.message)
    else:
        if _wants_json(request):
            return JsonResponse({"message": actions.serialise_message(message)}, status=201)
    target = "cases:staff_case" if isinstance(person, StaffUser) else "cases:resident_case"
    return redirect(target, case_id=case.pk)
