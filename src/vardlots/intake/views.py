"""The resident's questionnaire: search a contact reason, one question per page, the outcome.

Works without JavaScript: every step is a form POST followed by a redirect to a GET page that
shows the current state from the database, so a reload, a dropped network or a closed tab resumes
exactly where the resident was.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID, uuid4

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from vardlots.accounts.models import Resident
from vardlots.accounts.session import acting_for, current_resident, resident_required
from vardlots.booking.models import Schedule
from vardlots.directory.routing import route
from vardlots.intake import actions
from vardlots.intake.care import (
    CARE_NEED_PLAIN,
    URGENCY_PLAIN,
    next_regional_chat_opening,
    regional_chat_open,
)
from vardlots.intake.content import get_content, get_search
from vardlots.intake.models import AssessmentPhoto, TriageSession
from vardlots.intake.summary import answer_label, answer_rows, finding_label
from vardlots.triage.engine import QuestionStep
from vardlots.triage.model import DAYS_PER_YEAR, QuestionType, Sex, Text

DURATION_UNITS = [("min", 1 / 60), ("h", 1.0), ("d", 24.0), ("w", 168.0)]


def _lang() -> str:
    return "en" if (get_language() or "sv").startswith("en") else "sv"


def _t(text: Text | None) -> str:
    return text.get(_lang()) if text is not None else ""


def _people(request: HttpRequest) -> tuple[Resident, Resident | None]:
    """(the person assessed, the guardian acting for them or None)."""
    me = current_resident(request)
    assert me is not None
    child = acting_for(request)
    return (child, me) if child is not None else (me, None)


def _sex(resident: Resident) -> Sex:
    return Sex.FEMALE if resident.sex == "F" else Sex.MALE


def _own_session(request: HttpRequest, session_id: UUID) -> TriageSession:
    """The session, only if it is the logged-in resident's (or the child's they act for, by them)."""
    subject, guardian = _people(request)
    session = get_object_or_404(TriageSession, pk=session_id)
    if session.resident_id != subject.pk or session.acting_guardian_id != (guardian.pk if guardian else None):
        raise Http404
    return session


@resident_required
def start(request: HttpRequest) -> HttpResponse:
    """Seek care: who it is for, what the problem is (search), and unfinished assessments."""
    subject, guardian = _people(request)
    query = request.GET.get("q", "").strip()[:300]
    hits = []
    nothing_fits = False
    fallback = None
    if query:
        age_days = (timezone.localdate() - subject.birth_date).days
        found = get_search().find(query, age_days=age_days, sex=_sex(subject), limit=5)
        hits = [
            {"id": h.protocol_id, "title": _t(h.title),
             "description": _t(get_content().protocols[h.protocol_id].description)}
            for h in found.hits
        ]
        nothing_fits = found.nothing_fits
        if found.fallback is not None:
            p = get_content().protocols[found.fallback]
            fallback = {"id": p.id, "title": _t(p.title), "description": _t(p.description)}
    unfinished = TriageSession.objects.filter(
        resident=subject, acting_guardian=guardian, state=TriageSession.State.IN_PROGRESS,
        channel=TriageSession.Channel.WEB,
    )[:3]
    return render(request, "intake/start.html", {
        "subject": subject, "guardian": guardian, "query": query, "hits": hits, "searched": bool(query),
        "nothing_fits": nothing_fits, "fallback": fallback,
        "unfinished": unfinished,
    })


@require_POST
@resident_required
def begin(request: HttpRequest) -> HttpResponse:
    subject, guardian = _people(request)
    protocol_id = request.POST.get("protocol", "")
    req = actions.StartRequest(
        sex=_sex(subject).value, language=_lang(), birth_date=subject.birth_date,
        protocol_ids=(protocol_id,) if protocol_id else (), complaint=request.POST.get("q", ""),
        channel=TriageSession.Channel.WEB,
    )
    try:
        session, _step = actions.do_start_session(req, resident=subject, acting_guardian=guardian)
    except actions.IntakeError as err:
        messages.error(request, err.message(_lang()))
        return redirect("intake:start")
    return redirect("intake:question", session_id=session.pk)


def _question_context(session: TriageSession, step: QuestionStep, error: str = "",
                      previous: dict[str, Any] | None = None) -> dict[str, Any]:
    q = step.question
    answered = [
        {"index": i, "label": finding_label(finding), "value": answer_label(finding, value, session.protocol_ids)}
        for i, (finding, value) in enumerate(session.answers)
    ]
    return {
        "confirm_text": actions.confirm_text(session, step),
        "session": session, "step": step, "question": q, "type": q.type.value,
        "text": _t(step.resident_text), "help": _t(q.help),
        "options": [{"id": o.id, "label": _t(o.label)} for o in q.options],
        "position": len(session.answers), "answered": answered, "error": error,
        "previous": previous or {}, "number": len(session.answers) + 1,
        "progress_percent": round(step.progress.fraction * 100),
        "duration_units": [u for u, _h in DURATION_UNITS],
        "is_yes_no": q.type is QuestionType.YES_NO,
    }


def _raw_answer(request: HttpRequest, qtype: QuestionType) -> Any:
    post = request.POST
    if post.get("unknown"):
        return "unknown"
    if qtype is QuestionType.MULTI_CHOICE:
        return post.getlist("value")
    if qtype is QuestionType.DURATION:
        amount, unit = post.get("value", "").strip().replace(",", "."), post.get("unit", "d")
        if not amount:
            return None
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", amount):
            return amount  # written out ("sedan igår", "2 mån"): the engine reads it
        return f"{amount}{unit}" if unit in {u for u, _h in DURATION_UNITS} else amount
    if qtype is QuestionType.NUMBER:
        value = post.get("value", "").strip().replace(",", ".")
        if not value:
            return None
        try:
            return float(value)
        except ValueError:
            return value
    return post.get("value") or None


@require_http_methods(["GET", "POST"])
@resident_required
def question(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session = _own_session(request, session_id)
    if session.state == TriageSession.State.COMPLETED:
        return redirect("intake:outcome", session_id=session.pk)
    step = actions.current_step(session)
    if not isinstance(step, QuestionStep):  # completed by a concurrent request
        return redirect("intake:outcome", session_id=session.pk)
    if request.method == "GET":
        return render(request, "intake/question.html", _question_context(session, step))
    raw = _raw_answer(request, step.question.type)
    if raw is None:
        error = _("Choose an answer, or press Don't know.")
        return render(request, "intake/question.html", _question_context(session, step, error), status=400)
    try:
        position = int(request.POST.get("position", ""))
    except ValueError:
        return render(request, "intake/question.html",
                      _question_context(session, step, _("The form was incomplete. Try again.")), status=400)
    try:
        session, _new_step = actions.do_answer(session.pk, request.POST.get("finding", ""), raw, position)
    except actions.IntakeError as err:
        if err.status == 409:  # an old page or a double click: show where the assessment really is
            messages.info(request, err.message(_lang()))
            return redirect("intake:question", session_id=session.pk)
        return render(request, "intake/question.html",
                      _question_context(session, step, err.message(_lang()), request.POST.dict()), status=400)
    if session.state == TriageSession.State.COMPLETED:
        return redirect("intake:outcome", session_id=session.pk)
    return redirect("intake:question", session_id=session.pk)


@require_POST
@resident_required
def back(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """Go back one question, or to a chosen earlier answer (``index``) to change it."""
    session = _own_session(request, session_id)
    try:
        target = int(request.POST.get("index", len(session.answers) - 1))
    except ValueError:
        target = len(session.answers) - 1
    target = max(0, target)
    try:
        while len(session.answers) > target:
            session, _step = actions.do_go_back(session.pk)
    except actions.IntakeError as err:
        messages.info(request, err.message(_lang()))
    return redirect("intake:question", session_id=session.pk)


@resident_required
def outcome(request: HttpRequest, session_id: UUID) -> HttpResponse:
    session = _own_session(request, session_id)
    if session.state != TriageSession.State.COMPLETED or not session.result:
        return redirect("intake:question", session_id=session.pk)
    result = session.result
    lang = _lang()
    subject, _guardian = _people(request)
    age_years = int(session.age_days / DAYS_PER_YEAR)
    listed = subject.listed_unit
    context = {
        "session": session,
        "urgency": result["urgency"],
        "emergency": result["urgency"] == "EMERGENCY_112",
        "urgency_label": result["urgency_label"][lang],
        "urgency_plain": URGENCY_PLAIN[result["urgency"]],
        "care_need": CARE_NEED_PLAIN.get(result["care_need"], result["care_need"]),
        "explanation": result["explanation"][lang],
        "advice": (result.get("advice") or {}).get(lang, ""),
        "safety_net": (result.get("safety_net") or {}).get(lang, ""),
        "self_care": (result.get("self_care") or {}).get(lang, ""),
        "routing": _routing(result, age_years, listed),
        "self_care_only": result["urgency"] == "P5",
        "answers": answer_rows(session),
        "photos": list(session.photos.filter(deleted_at__isnull=True)),
        "can_attach": not session.cases.exists() and result["urgency"] != "EMERGENCY_112",
        "max_photos": actions.MAX_PHOTOS_PER_ASSESSMENT,
        "existing_case": session.cases.exclude(status="closed").first(),
        "chat_open": regional_chat_open(),
        "next_opening": date_format(timezone.localtime(next_regional_chat_opening()), "l j F H:i"),
    }
    return render(request, "intake/outcome.html", context)


def _routing(result: dict[str, Any], age_years: int, listed: Any) -> dict[str, Any] | None:
    """Where to get care: the region's routing table picks care forms and units open in time."""
    if result["urgency"] == "EMERGENCY_112":
        return None
    routed = route(result["urgency"], result["care_need"], age_years, timezone.now(), resident_listed_unit=listed)
    # Residents book themselves only where the unit allows it and the urgency permits it (P3–P5).
    bookable = set()
    if result["urgency"] in {"P3", "P4", "P5"}:
        unit_ids = [u.unit.pk for option in routed.options for u in option.units]
        bookable = set(Schedule.objects.filter(unit_id__in=unit_ids, active=True, resident_bookable=True)
                       .values_list("unit_id", flat=True))
    options = [
        {"label": option.label, "units": [
            {"unit": u.unit, "listed": u.listed, "open_now": u.open_now, "bookable": u.unit.pk in bookable,
             "opens": timezone.localtime(u.opens_at) if u.opens_at else None,
             "closes": timezone.localtime(u.closes_at) if u.closes_at else None}
            for u in option.units]}
        for option in routed.options
    ]
    return {"options": options, "explanation": routed.explanation(_lang())}


def question_url(session: TriageSession) -> str:
    return reverse("intake:question", kwargs={"session_id": session.pk})


__all__ = ["HttpResponseRedirect", "question_url"]


MAX_UPLOAD_REQUEST_BYTES = 12 * 1024 * 1024


@require_POST
@resident_required
def upload_photo(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """Attach a photo to a completed assessment (before it is sent to a nurse)."""
    session = _own_session(request, session_id)
    # Refuse an oversized request before Django reads the body into a temporary file.
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_UPLOAD_REQUEST_BYTES:
        messages.error(request, _("The photo is too large. Send a photo of at most 10 MB."))
        return redirect("intake:outcome", session_id=session.pk)
    upload = request.FILES.get("photo")
    if upload is None:
        messages.error(request, _("Choose a photo to attach."))
        return redirect("intake:outcome", session_id=session.pk)
    me = current_resident(request)
    try:
        actions.do_attach_photo(session, me, upload)
    except actions.IntakeError as err:
        messages.error(request, err.message(_lang()))
    else:
        messages.success(request, _("The photo was attached."))
    return redirect(reverse("intake:outcome", kwargs={"session_id": session.pk}) + "#photos")


@require_POST
@resident_required
def remove_photo(request: HttpRequest, session_id: UUID, photo_id: UUID) -> HttpResponse:
    session = _own_session(request, session_id)
    photo = get_object_or_404(AssessmentPhoto, pk=photo_id, triage_session=session, deleted_at__isnull=True)
    try:
        actions.do_remove_photo(photo)
    except actions.IntakeError as err:
        messages.error(request, err.message(_lang()))
    return redirect(reverse("intake:outcome", kwargs={"session_id": session.pk}) + "#photos")


def photo_response(photo: AssessmentPhoto, thumbnail: bool) -> HttpResponse:
    """Serve a stored photo with headers that keep it out of caches and any script context."""
    from django.core.files.storage import storages

    name = photo.thumbnail_name if thumbnail else photo.name
    with storages["default"].open(name) as f:
        data = f.read()
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{photo.pk}.jpg"'
    return response


@resident_required
def photo(request: HttpRequest, session_id: UUID, photo_id: UUID, size: str) -> HttpResponse:
    """The resident's own photo (or their child's, when acting for the child)."""
    session = _own_session(request, session_id)
    item = get_object_or_404(AssessmentPhoto, pk=photo_id, triage_session=session, deleted_at__isnull=True)
    return photo_response(item, thumbnail=(size == "liten"))


@require_POST
@resident_required
def contact(request: HttpRequest, session_id: UUID) -> HttpResponse:
    """Send the assessment to the care: it becomes a case in the right queue (or the open one)."""
    from vardlots.cases.actions import CaseError, do_create_case_from_triage

    session = _own_session(request, session_id)
    subject, guardian = _people(request)
    if not session.cases.exclude(status="closed").exists() and not regional_chat_open():
        # The outcome page hides the button outside chat hours; a posted form is refused the same way.
        messages.error(request, _("The chat is closed now. It opens again %(next_opening)s.") % {
            "next_opening": date_format(timezone.localtime(next_regional_chat_opening()), "l j F H:i")})
        return redirect("intake:outcome", session_id=session.pk)
    content = get_content()
    reason = ", ".join(_t(content.protocols[p].title) for p in session.protocol_ids if p in content.protocols)
    try:
        case = do_create_case_from_triage(session, resident=subject, acting_guardian=guardian,
                                          contact_reason=reason)
    except CaseError as err:
        messages.error(request, str(err))
        return redirect("intake:outcome", session_id=session.pk)
    return redirect("cases:resident_case", case_id=case.pk)


ADMIN_FORMS_KEY = "vardlots_admin_forms"
ADMIN_TOPICS = [
    ("invoice", gettext_lazy("Invoice")),
    ("patient_fee", gettext_lazy("Patient fees")),
    ("high_cost_card", gettext_lazy("High-cost card")),
    ("opening_hours", gettext_lazy("Opening hours")),
    ("certificate", gettext_lazy("Certificate")),
    ("other", gettext_lazy("Other question")),
]


@require_http_methods(["GET", "POST"])
@resident_required
def admin_question(request: HttpRequest) -> HttpResponse:
    """Administrative questions: a topic and a message, which become a case in an administrative queue."""
    from vardlots.cases.actions import CaseError, do_create_admin_case
    from vardlots.chat.actions import do_send_message

    subject, guardian = _people(request)
    topics = dict(ADMIN_TOPICS)
    errors: dict[str, str] = {}
    topic = request.POST.get("topic", "")
    text = request.POST.get("message", "").strip()
    if request.method == "POST":
        if topic not in topics:
            errors["topic"] = _("Choose what your question is about.")
        if not text:
            errors["message"] = _("Write your question.")
        elif len(text) > 2000:
            errors["message"] = _("Write at most 2000 characters.")
        # A double click or a resent form must not create a second case.
        form_id = request.POST.get("form_id", "")[:64]
        sent: dict[str, int] = request.session.get(ADMIN_FORMS_KEY, {})
        if form_id and form_id in sent:
            return redirect("cases:resident_case", case_id=sent[form_id])
        if not errors:
            try:
                with transaction.atomic():
                    case = do_create_admin_case(subject, contact_reason=str(topics[topic]),
                                                acting_guardian=guardian)
                    do_send_message(guardian or subject, case, text, client_id=f"admin-question-{case.pk}")
            except CaseError as err:
                messages.error(request, str(err))
            else:
                if form_id:
                    request.session[ADMIN_FORMS_KEY] = {**sent, form_id: case.pk}
                return redirect("cases:resident_case", case_id=case.pk)
    return render(request, "intake/admin_question.html", {
        "topics": ADMIN_TOPICS, "topic": topic, "text": text, "errors": errors, "subject": subject,
        "guardian": guardian, "form_id": request.POST.get("form_id") or uuid4().hex,
    }, status=400 if errors else 200)
