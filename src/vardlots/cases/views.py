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
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from vardlots.accounts import session as resident_session
from vardlots.accounts.models import StaffUser
from vardlots.audit.actions import shows_resident_data
from vardlots.cases import actions
from vardlots.cases.actions import CaseError
from vardlots.cases.events import EVENT_LABELS
from vardlots.cases.models import Case, CaseDocument, CaseStatus, Outcome, Queue, Urgency
from vardlots.chat import actions as chat
from vardlots.chat import phrases
from vardlots.chat import views as chat_views
from vardlots.core.http import id_or_404
from vardlots.intake.care import CARE_NEED_PLAIN
from vardlots.intake.summary import answer_rows


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
    messages_list, has_older = chat.messages_page(case)
    return render(request, "cases/resident_case.html", {
        "case": case, "current_resident": person, "status": actions.resident_status(case),
        "assessment": _assessment_for_resident(case), "draft": chat_views.pop_draft(request, case.pk),
        "messages_list": messages_list, "has_older": has_older, "client_id": uuid.uuid4().hex,
        "last_event_id": case.events.order_by("-pk").values_list("pk", flat=True).first() or 0,
    })


def _assessment_for_resident(case: Case) -> dict[str, Any] | None:
    """The advice and photos of the assessment the case was made from, in the page's language."""
    session = case.triage_session
    if session is None or not session.result:
        return None
    lang = "en" if (get_language() or "sv").startswith("en") else "sv"
    result = session.result

    def text(key: str) -> str:
        return str((result.get(key) or {}).get(lang, ""))

    return {
        "session": session, "urgency_label": text("urgency_label"), "explanation": text("explanation"),
        "advice": text("advice"), "self_care": text("self_care"), "safety_net": text("safety_net"),
        "photos": list(session.photos.filter(deleted_at__isnull=True)),
    }


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
    mine = (Case.objects.filter(owner=staff, status=CaseStatus.IN_PROGRESS)
            .select_related("queue__unit", "resident").order_by("claimed_at", "pk"))
    unread = chat.unread_counts(staff)
    template = "cases/_queues.html" if _is_fetch(request) else "cases/staff_queues.html"
    return render(request, template, {
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
    templates = phrases.rendered_for(staff, case)
    chosen = next((t for t in templates if str(t["id"]) == request.GET.get("mall", "")), None)
    messages_list, has_older = chat.messages_page(case)
    draft = chat_views.pop_draft(request, case.pk)
    return render(request, "cases/staff_case.html", {
        "case": case, "is_owner": is_owner, "can_handle": actions.can_handle_queue(staff, case.queue),
        "messages_list": messages_list, "has_older": has_older, "client_id": uuid.uuid4().hex,
        "history": [{"event": e, "label": EVENT_LABELS.get(e.kind, e.kind)}
                    for e in case.events.select_related("actor_staff").order_by("pk")
                    if e.kind not in {"messages_delivered", "messages_read"}],
        "answer_rows": answer_rows(case.triage_session) if case.triage_session else [],
        "care_need_label": CARE_NEED_PLAIN.get(case.care_need, case.care_need),
        "outcomes": Outcome.choices, "urgencies": Urgency.choices, "transfer_queues": transfer_queues,
        "last_event_id": case.events.order_by("-pk").values_list("pk", flat=True).first() or 0,
        "triage": case.triage_session, "templates": templates, "draft": chosen["text"] if chosen else draft,
        "notes": case.notes.select_related("author"), "documents": case.documents.all(),
        "photos": actions.case_photos(case), "colleagues": actions.colleagues_for(staff, case),
        "documentation": actions.documentation_text(case, language=get_language() or "sv"),
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
            queue = get_object_or_404(Queue, pk=id_or_404(data.get("queue")))
            actions.do_transfer(staff, case, queue, data.get("note", ""))
        elif action == "escalate":
            actions.do_escalate_to_doctor(staff, case, note=data.get("note", ""))
        elif action == "override":
            actions.do_override_urgency(staff, case, data.get("urgency", ""), data.get("reason", ""))
        elif action == "close":
            actions.do_close(staff, case, data.get("outcome", ""), note=data.get("note", ""))
        elif action == "reopen":
            actions.do_reopen(staff, case)
        elif action == "reassign":
            colleague = get_object_or_404(StaffUser, pk=id_or_404(data.get("staff")))
            actions.do_reassign(staff, case, colleague, note=data.get("note", ""))
        elif action == "note":
            actions.do_add_note(staff, case, data.get("body", ""))
        else:
            raise PermissionDenied(_("Unknown action."))
    except CaseError as error:
        messages.error(request, error.message)
    if action in {"release", "transfer", "escalate", "reassign"} or not actions.can_view_queue(staff, case.queue):
        return redirect("cases:staff_queues")
    return redirect("cases:staff_case", case_id=case.pk)


def _is_fetch(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@shows_resident_data("cases:staff_attach_document")
@login_required
@require_POST
def staff_attach_document(request: HttpRequest, case_id: int) -> HttpResponse:
    staff = _staff(request)
    case = actions.access_case(staff, case_id, request=request, what="case.document")
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to attach."))
    else:
        try:
            actions.do_attach_document(staff, case, upload, request.POST.get("title", ""))
        except CaseError as error:
            messages.error(request, error.message)
    return redirect("cases:staff_case", case_id=case.pk)


def _document_response(document: CaseDocument) -> HttpResponse:
    from django.core.files.storage import storages

    with storages["default"].open(document.storage_name) as f:
        data = f.read()
    response = HttpResponse(data, content_type=document.content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    disposition = "attachment" if document.content_type == "application/pdf" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="document-{document.pk}.{document.extension}"'
    return response


@shows_resident_data("cases:staff_document")
@login_required
@require_GET
def staff_document(request: HttpRequest, case_id: int, document_id: int) -> HttpResponse:
    return _document_response(actions.access_document(_staff(request), case_id, document_id, request=request))


@resident_session.resident_required
@require_GET
def resident_document(request: HttpRequest, case_id: int, document_id: int) -> HttpResponse:
    person = resident_session.current_resident(request)
    assert person is not None
    return _document_response(actions.access_document(person, case_id, document_id))


@shows_resident_data("cases:staff_photo")
@login_required
@require_GET
def staff_photo(request: HttpRequest, case_id: int, photo_id: uuid.UUID, size: str) -> HttpResponse:
    from vardlots.intake.views import photo_response

    photo = actions.access_case_photo(_staff(request), case_id, photo_id, request=request)
    return photo_response(photo, thumbnail=(size == "liten"))


@shows_resident_data("cases:staff_earlier")
@login_required
@require_GET
def staff_earlier(request: HttpRequest, case_id: int) -> HttpResponse:
    """The resident's earlier contacts (each look is written to the access log)."""
    staff = _staff(request)
    earlier = actions.access_earlier_contacts(staff, case_id, request=request)
    case = Case.objects.select_related("resident").get(pk=case_id)
    return render(request, "cases/staff_earlier.html", {"case": case, "earlier": earlier})


@shows_resident_data("cases:staff_templates")
@login_required
@require_GET
def staff_case_templates(request: HttpRequest, case_id: int) -> HttpResponse:
    """The phrase templates for a case with placeholders filled (JSON, for the chat script)."""
    staff = _staff(request)
    case = actions.access_case(staff, case_id, request=request, what="case.templates")
    return JsonResponse({"templates": phrases.rendered_for(staff, case)})


# --- managing phrase templates ----------------------------------------------------------------------

def _template_holders(staff: StaffUser) -> dict[str, list[Any]]:
    from vardlots.accounts.permissions import can
    from vardlots.directory.models import Region, Unit

    units = [u for u in Unit.objects.filter(memberships__staff=staff, memberships__active=True).distinct()
             .order_by("name") if can(staff, "unit.manage", u)]
    regions = [r for r in Region.objects.filter(units__memberships__staff=staff,
                                                units__memberships__role="region_admin",
                                                units__memberships__active=True).distinct()]
    return {"units": units, "regions": regions}


@login_required
def staff_phrase_templates(request: HttpRequest) -> HttpResponse:
    """List, add and remove phrase templates: one's own, and those of units/regions one manages."""
    from vardlots.chat.models import PhraseTemplate
    from vardlots.directory.models import Region, Unit

    staff = _staff(request)
    holders = _template_holders(staff)
    if request.method == "POST":
        data = request.POST
        try:
            if data.get("delete"):
                chat.do_delete_template(staff, get_object_or_404(PhraseTemplate, pk=id_or_404(data.get("delete"))))
                messages.success(request, _("The template was removed."))
            else:
                scope = data.get("scope", "personal")
                unit = Unit.objects.filter(pk=id_or_404(data.get("unit"))).first() if scope == "unit" else None
                region = Region.objects.filter(pk=id_or_404(data.get("region"))).first() if scope == "region" else None
                chat.do_save_template(staff, scope=scope, unit=unit, region=region, code=data.get("code", ""),
                                      title=data.get("title", ""), body=data.get("body", ""),
                                      language=data.get("language", "sv"), kind=data.get("kind", "care"))
                messages.success(request, _("The template was saved."))
        except CaseError as error:
            messages.error(request, error.message)
        return redirect("cases:staff_phrase_templates")
    return render(request, "cases/staff_templates.html", {
        "templates": chat.manageable_templates(staff), **holders,
        "placeholders": phrases.PLACEHOLDERS,
    })
