"""Pages of telephone advice: the nurse workspace and call page, the callback list, training and
scores; on the resident side, advice messages and callback booking.

Every page works without JavaScript (forms post and redirect to a page that shows the state from
the database). ``static/telephony/workspace.js`` adds keyboard shortcuts (J/N/V, digits, "/") and
the copy button. Staff pages showing a resident's data go through ``access_call`` (access log).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vardlots.accounts import session as resident_session
from vardlots.accounts.models import StaffUser
from vardlots.accounts.permissions import can
from vardlots.audit.actions import access_resident, shows_resident_data
from vardlots.audit.models import Purpose
from vardlots.core.http import id_or_404, is_whole_number
from vardlots.directory.models import Unit, UnitKind
from vardlots.intake import actions as intake_actions
from vardlots.intake.care import CARE_NEED_PLAIN
from vardlots.intake.content import get_content, get_search
from vardlots.intake.models import TriageSession
from vardlots.telephony import actions
from vardlots.telephony.actions import TelephonyError
from vardlots.telephony.models import (
    AttemptResult,
    Call,
    CallbackSlot,
    CallbackSource,
    CallbackStatus,
    CallerKind,
    CallOutcome,
    OverrideReason,
    ResidentMessage,
)
from vardlots.telephony.models import Callback as CallbackRow
from vardlots.triage.engine import QuestionStep, Result
from vardlots.triage.model import QuestionType, Sex, Urgency


def _staff(request: HttpRequest) -> StaffUser:
    user = request.user
    if not isinstance(user, StaffUser):
        raise PermissionDenied(_("Log in as staff."))
    return user


def _units(staff: StaffUser) -> list[Unit]:
    units = actions.telephony_units(staff)
    if not units:
        raise PermissionDenied(_("Your roles do not include telephone advice."))
    return units


def _lang() -> str:
    return actions._lang()


# --- workspace ----------------------------------------------------------------------------------

@login_required
@require_GET
def workspace(request: HttpRequest) -> HttpResponse:
    """Incoming calls of the nurse's units, the nurse's open calls, and starting a call by hand."""
    staff = _staff(request)
    units = _units(staff)
    open_calls = (Call.objects.filter(unit__in=units, closed_at__isnull=True, is_training=False)
                  .select_related("unit", "nurse").order_by("offered_at"))
    incoming = [c for c in open_calls if c.nurse_id is None]
    mine = [c for c in open_calls if c.nurse_id == staff.pk]
    due = {u.pk: actions.callback_list(u).count() for u in units}
    return render(request, "telephony/workspace.html", {
        "units": units, "incoming": incoming, "mine": mine,
        "callbacks_waiting": sum(due.values()),
        "is_manager": bool(actions.manageable_units(staff)),
    })


@login_required
@require_POST
def start_call(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    units = _units(staff)
    unit = next((u for u in units if str(u.pk) == request.POST.get("unit")), units[0])
    call = actions.do_start_call(staff, unit, caller_number=request.POST.get("caller_number", ""))
    return redirect("telephony:call", call_id=call.pk)


# --- the call page --------------------------------------------------------------------------------

def _mention_text(session: TriageSession | None, step: QuestionStep) -> str:
    """The caller's own words behind a confirmation question."""
    return intake_actions.confirm_text(session, step)


def _step_context(call: Call, step: QuestionStep | Result | None) -> dict[str, Any]:
    if not isinstance(step, QuestionStep):
        return {}
    lang = _lang()
    q = step.question
    content = get_content()
    finding = content.findings.get(step.finding)
    red_flag = False
    session = call.triage_session
    if session is not None:
        for pid in [*session.protocol_ids, "__screen__"]:
            p = content.screen if pid == "__screen__" else content.protocols.get(pid)
            if p is None:
                continue
            red_flag = red_flag or any(r.red_flag and r.id == step.rule_id for r in p.rules)
    options = [{"id": o.id, "label": o.label.get(lang), "key": str(i + 1) if i < 9 else ""}
               for i, o in enumerate(q.options)]
    return {
        "q": q, "q_text": q.nurse.get(lang), "q_help": q.help.get(lang) if q.help else "",
        "q_type": q.type.value, "q_options": options, "q_finding_label": finding.label.get(lang) if finding else "",
        "q_red_flag": red_flag or step.rule_id.startswith("screen") or step.repeat, "q_repeat": step.repeat,
        "q_position": len(session.answers) if session else 0, "q_unit": q.unit or "",
        "q_is_vital": step.finding in actions.VITAL_FINDINGS,
        "q_confirm_text": _mention_text(session, step),
    }


def _result_context(call: Call) -> dict[str, Any]:
    session = call.triage_session
    if session is None or session.state != TriageSession.State.COMPLETED:
        return {}
    from vardlots.booking.actions import ensure_slots, free_slots
    from vardlots.booking.models import Schedule

    routed = actions.proposal(call)
    lang = _lang()
    result = session.result or {}
    slots_units: list[Unit] = []
    if routed is not None:
        for option in routed.options:
            slots_units += [r.unit for r in option.units]
    if call.resident is not None and call.resident.listed_unit is not None:
        slots_units.insert(0, call.resident.listed_unit)
    for schedule in Schedule.objects.filter(unit__in=slots_units, active=True):
        ensure_slots(schedule)
    slots = []
    for unit in dict.fromkeys(slots_units):
        slots += list(free_slots(unit=unit).exclude(kind="callback")[:4])
    explanation = result.get("explanation", {})
    content = get_content()
    profile = []
    for fid, value in (result.get("risk_profile") or {}).items():
        finding = content.findings.get(fid)
        if finding is not None and value in ("yes", "no"):
            profile.append(f"{finding.label.get(lang)}: {_('yes') if value == 'yes' else _('no')}")
    return {
        "risk_profile": profile,
        "routed": routed, "routing_lines": routed.explanation() if routed else [],
        "computed_label": actions._urgency_label(call.computed_urgency),
        "effective_label": actions._urgency_label(call.effective_urgency),
        "computed_need_label": CARE_NEED_PLAIN.get(call.computed_care_need, call.computed_care_need),
        "effective_need_label": CARE_NEED_PLAIN.get(call.effective_care_need, call.effective_care_need),
        "explanation": explanation.get(lang, "") if isinstance(explanation, dict) else "",
        "advice": actions.advice_text(call), "slots": slots[:12],
        "is_112": call.effective_urgency == "EMERGENCY_112",
        "district_units": Unit.objects.filter(region=call.unit.region, kind=UnitKind.HEALTH_CENTRE, active=True)[:40],
    }


@shows_resident_data("telephony:call")
@login_required
@require_GET
def call_page(request: HttpRequest, call_id: int) -> HttpResponse:
    staff = _staff(request)
    try:
        call = actions.access_call(staff, call_id, request=request)
    except TelephonyError as err:
        return render(request, "telephony/refused.html", {"message": err.message}, status=err.status)
    if call.nurse_id is None and call.closed_at is None:
        return render(request, "telephony/take.html", {"call": call})
    step = actions.current_step(call)
    query = request.GET.get("q", "").strip()[:200]
    hits = []
    lang = _lang()
    nothing_fits = False
    fallback = None
    if query:
        sex = Sex(call.patient_sex) if call.patient_sex else None
        content = get_content()
        found = get_search().find(query, age_days=call.patient_age_days, sex=sex, limit=6)
        for h in found.hits:
            p = content.protocols[h.protocol_id]
            hits.append({"id": h.protocol_id, "title": p.title.get(lang),
                         "description": p.description.get(lang) if p.description else ""})
        nothing_fits = found.nothing_fits
        if found.fallback is not None:
            fp = content.protocols[found.fallback]
            fallback = {"id": fp.id, "title": fp.title.get(lang),
                        "description": fp.description.get(lang) if fp.description else ""}
    protocol_ids = list(call.triage_session.protocol_ids) if call.triage_session else []
    content = get_content()
    reasons = [{"id": p, "title": content.protocols[p].title.get(lang) if p in content.protocols else p}
               for p in protocol_ids]
    ctx: dict[str, Any] = {
        "call": call, "step": step, "query": query, "hits": hits, "reasons": reasons,
        "nothing_fits": nothing_fits, "fallback": fallback,
        "answered": actions.answered(call), "caller_kinds": CallerKind.choices[1:],
        "earlier": actions.earlier_contacts(staff, call) if call.resident else None,
        "vitals": [{"finding": f, "label": _vital_label(f), "value": (call.known_vitals or {}).get(f, "")}
                   for f in actions.VITAL_FINDINGS],
        "profile": [{"finding": f, "label": content.findings[f].label.get(lang),
                     "value": (call.known_vitals or {}).get(f, "")}
                    for f in actions.profile_findings(call) if f in content.findings],
        "urgencies": [(u.value, f"{u.label(lang)} ({u.value})") for u in Urgency.ordered()],
        "care_needs": [(k, str(v)) for k, v in CARE_NEED_PLAIN.items()],
        "override_reasons": OverrideReason.choices, "outcomes": CallOutcome,
        "documentation": call.documentation or actions.documentation_text(call),
        "negatives": actions.pertinent_negatives(call),
        "age_years": actions.age_years(call) if call.patient_age_days is not None else "",
        "is_result": isinstance(step, Result),
        "vignette": actions.vignette(call.vignette_id) if call.is_training else None,
        "handover": call.outcome_detail.get("handover", "") if call.outcome_detail else "",
    }
    ctx.update(_step_context(call, step))
    ctx.update(_result_context(call))
    if call.is_training and hasattr(call, "training_attempt"):
        ctx["attempt"] = call.training_attempt
    return render(request, "telephony/call.html", ctx)


def _vital_label(finding: str) -> str:
    f = get_content().findings.get(finding)
    q = get_content().shared_questions.get(finding)
    label = f.label.get(_lang()) if f else finding
    unit = q.unit if q is not None and q.unit else ""
    if not unit:
        for p in get_content().protocols.values():
            if finding in p.questions and p.questions[finding].unit:
                unit = p.questions[finding].unit or ""
                break
    return f"{label} ({unit})" if unit else label


def _number(value: str) -> float | None:
    value = value.strip().replace(",", ".")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise TelephonyError("telephony.bad_number", _("Give a number.")) from None


def _raw_answer(request: HttpRequest, qtype: str) -> Any:
    post = request.POST
    if post.get("value") == "unknown" or post.get("unknown"):
        return "unknown"
    if qtype == QuestionType.MULTI_CHOICE.value:
        return [] if post.get("none") else post.getlist("value")
    if qtype == QuestionType.DURATION.value:
        amount, unit = post.get("value", "").strip().replace(",", "."), post.get("unit", "d")
        return f"{amount}{unit}" if amount and unit in {"min", "h", "d", "w"} else (amount or None)
    if qtype == QuestionType.NUMBER.value:
        return _number(post.get("value", ""))
    return post.get("value") or None


def _call_url(call: Call, anchor: str = "") -> str:
    return reverse("telephony:call", args=[call.pk]) + (f"#{anchor}" if anchor else "")


@login_required
@require_POST
def call_action(request: HttpRequest, call_id: int, action: str) -> HttpResponse:
    """One form endpoint per step of the call."""
    staff = _staff(request)
    call = get_object_or_404(Call.objects.select_related("unit", "triage_session", "resident"), pk=call_id)
    post = request.POST
    anchor = ""
    try:
        if action == "take":
            actions.do_take_call(staff, call)
        elif action == "identify":
            age = post.get("age_years", "").strip()
            pregnant = {"yes": True, "no": False}.get(post.get("pregnant", ""))
            actions.do_identify(staff, call, caller_kind=post.get("caller_kind", ""),
                                personal_number=post.get("personal_number", ""),
                                age_years=_number(age) if age else None, sex=post.get("sex", ""),
                                caller_name=post.get("caller_name", ""),
                                caller_relation=post.get("caller_relation", ""),
                                pregnant=pregnant, location_note=post.get("location_note", ""))
            anchor = "reason"
        elif action == "add-reason":
            actions.do_add_reason(staff, call, post.get("protocol", ""))
            anchor = "assessment"
        elif action == "remove-reason":
            actions.do_remove_reason(staff, call, post.get("protocol", ""))
            anchor = "reason"
        elif action == "profile":
            actions.do_set_profile(staff, call, {f: post.get(f) or None for f in actions.profile_findings(call)})
        elif action == "vitals":
            actions.do_set_vitals(staff, call, {f: _number(post.get(f, "")) for f in actions.VITAL_FINDINGS})
            anchor = "assessment"
        elif action == "answer":
            step = actions.current_step(call)
            if not isinstance(step, QuestionStep):
                raise TelephonyError("telephony.no_question", _("There is no question to answer."), 409)
            raw = _raw_answer(request, step.question.type.value)
            if raw is None:
                raise TelephonyError("telephony.no_answer", _("Choose an answer, or Don't know."))
            position = int(post.get("position", "0") or 0)
            actions.do_answer(staff, call, post.get("finding", ""), raw, position)
            anchor = "assessment"
        elif action == "emergency-access":
            actions.do_emergency_access_earlier(staff, call, post.get("reason", ""), request=request)
            messages.warning(request, _("Emergency access is recorded in the access log with your reason. "
                                        "The contacts are shown for this call only."))
            anchor = "earlier"
        elif action == "back":
            actions.do_go_back(staff, call)
            anchor = "assessment"
        elif action == "override":
            actions.do_override(staff, call, urgency=post.get("urgency", ""), care_need=post.get("care_need", ""),
                                reason_code=post.get("reason_code", ""), note=post.get("note", ""))
            messages.success(request, _("Your assessment is saved beside the decision support's result."))
            anchor = "proposal"
        elif action == "clear-override":
            actions.do_clear_override(staff, call)
            anchor = "proposal"
        elif action == "finish":
            slot = post.get("slot", "")
            district = post.get("district_unit", "")
            actions.do_finish_call(staff, call, post.get("outcome", ""), note=post.get("note", ""),
                                   slot_id=int(slot) if is_whole_number(slot) else None,
                                   callback_minutes=int(post.get("minutes", "120") or 120),
                                   handover_location=post.get("location", ""),
                                   district_unit_id=int(district) if is_whole_number(district) else None)
            messages.success(request, _("The call is documented. Copy the text to the medical record."))
            anchor = "documentation"
        elif action == "submit-training":
            attempt = actions.do_submit_training(staff, call)
            messages.success(request, _("Practice scored: %(score)s of 100.") % {"score": attempt.score})
            anchor = "documentation"
        else:
            raise PermissionDenied(_("Unknown action."))
    except TelephonyError as err:
        messages.error(request, err.message)
    except ValueError:
        messages.error(request, _("The form was incomplete. Try again."))
    return redirect(_call_url(call, anchor))


# --- callbacks (staff) ----------------------------------------------------------------------------

@shows_resident_data("telephony:callbacks")
@login_required
@require_GET
def callback_list(request: HttpRequest) -> HttpResponse:
    """Waiting callbacks in time order, per unit, with every attempt; and the published capacity."""
    staff = _staff(request)
    units = _units(staff)
    now = timezone.now()
    sections = []
    for unit in units:
        rows = list(actions.callback_list(unit)[:200])
        for resident in {cb.resident_id: cb.resident for cb in rows if cb.resident is not None}.values():
            access_resident(staff, resident, Purpose.CARE, unit, request=request, what="callback_list",
                            permission=actions.ADVISE)
        slots = list(CallbackSlot.objects.filter(unit=unit, starts_at__gte=now - dt.timedelta(minutes=15),
                                                 starts_at__lt=now + dt.timedelta(hours=12)).order_by("starts_at")[:24])
        sections.append({"unit": unit, "rows": rows, "slots": slots,
                         "can_publish": can(staff, "schedule.manage", unit) or can(staff, "unit.manage", unit)})
    return render(request, "telephony/callbacks.html", {
        "sections": sections, "results": AttemptResult.choices, "now": now,
    })


@login_required
@require_POST
def callback_action(request: HttpRequest, callback_id: int, action: str) -> HttpResponse:
    staff = _staff(request)
    callback = get_object_or_404(CallbackRow.objects.select_related("unit", "resident"), pk=callback_id)
    try:
        if action == "attempt":
            actions.do_record_attempt(staff, callback, request.POST.get("result", ""), request.POST.get("note", ""))
            if request.POST.get("result") == AttemptResult.REACHED:
                call = actions.do_start_call(staff, callback.unit, caller_number=callback.phone, callback=callback)
                return redirect("telephony:call", call_id=call.pk)
        else:
            raise PermissionDenied(_("Unknown action."))
    except TelephonyError as err:
        messages.error(request, err.message)
    return redirect("telephony:callbacks")


@login_required
@require_POST
def publish_capacity(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    unit = get_object_or_404(Unit, pk=id_or_404(request.POST.get("unit")))
    if not (can(staff, "schedule.manage", unit) or can(staff, "unit.manage", unit)):
        raise PermissionDenied(_("Only those who manage the unit's schedules publish callback times."))
    try:
        day = dt.date.fromisoformat(request.POST.get("day", ""))
        starts = dt.time.fromisoformat(request.POST.get("starts", ""))
        ends = dt.time.fromisoformat(request.POST.get("ends", ""))
        created = actions.do_publish_callback_capacity(unit, day, starts, ends,
                                                       minutes=int(request.POST.get("minutes", "15")),
                                                       capacity=int(request.POST.get("capacity", "2")))
        messages.success(request, _("%(n)s callback times published.") % {"n": created})
    except (ValueError, TelephonyError) as err:
        messages.error(request, getattr(err, "message", _("Give a valid time range, length and capacity.")))
    return redirect("telephony:callbacks")


# --- training ---------------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def training(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    units = _units(staff)
    if request.method == "POST":
        unit = next((u for u in units if str(u.pk) == request.POST.get("unit")), units[0])
        try:
            call = actions.do_start_training(staff, unit, request.POST.get("vignette", ""))
        except TelephonyError as err:
            messages.error(request, err.message)
            return redirect("telephony:training")
        return redirect("telephony:call", call_id=call.pk)
    query = request.GET.get("q", "").strip().lower()
    items = [v for v in actions.vignettes() if not query or query in v.case.lower() or query in v.id]
    mine = (Call.objects.filter(nurse=staff, is_training=True).select_related("training_attempt")
            .order_by("-offered_at")[:20])
    return render(request, "telephony/training.html", {"vignettes": items[:40], "query": query, "mine": mine,
                                                       "units": units, "total": len(items)})


@login_required
@require_GET
def training_scores(request: HttpRequest) -> HttpResponse:
    staff = _staff(request)
    attempts = list(actions.training_scores(staff)[:500])
    by_nurse: dict[int, dict[str, Any]] = {}
    for a in attempts:
        row = by_nurse.setdefault(a.nurse_id, {"nurse": a.nurse, "n": 0, "total": 0, "under": 0})
        row["n"] += 1
        row["total"] += a.score
        try:
            row["under"] += Urgency(a.chosen_urgency).rank > Urgency(a.expected_urgency).rank
        except ValueError:
            pass
    summary = [{**r, "mean": round(r["total"] / r["n"])} for r in by_nurse.values()]
    return render(request, "telephony/scores.html", {"attempts": attempts[:100], "summary": summary})


# --- resident side ----------------------------------------------------------------------------------

@resident_session.resident_required
@require_http_methods(["GET", "POST"])
def resident_page(request: HttpRequest) -> HttpResponse:
    """Advice from 1177 calls, the resident's callbacks, and booking a callback instead of waiting."""
    person = resident_session.current_resident(request)
    assert person is not None
    unit = actions.callback_unit_for(person)
    if request.method == "POST":
        slot = CallbackSlot.objects.filter(pk=id_or_404(request.POST.get("slot")), unit=unit).first()
        if slot is None:
            messages.error(request, _("Choose a time."))
        else:
            try:
                actions.do_book_callback(slot, phone=request.POST.get("phone", ""), resident=person,
                                         reason=request.POST.get("reason", ""), source=CallbackSource.WEB)
                messages.success(request, _("Your callback is booked. A nurse will call you at the time you chose."))
            except TelephonyError as err:
                messages.error(request, err.message)
        return redirect("telephony:resident")
    return render(request, "telephony/resident.html", {
        "person": person, "unit": unit,
        "slots": list(actions.free_callback_slots(unit)[:40]) if unit else [],
        "callbacks": CallbackRow.objects.filter(resident=person).order_by("-due_at")[:10],
        "waiting": CallbackStatus.WAITING,
        "notes": ResidentMessage.objects.filter(resident=person)[:20],
    })


@resident_session.resident_required
@require_POST
def resident_cancel_callback(request: HttpRequest, callback_id: int) -> HttpResponse:
    person = resident_session.current_resident(request)
    assert person is not None
    callback = get_object_or_404(CallbackRow, pk=callback_id, resident=person)
    try:
        actions.do_cancel_callback(callback, resident=person)
        messages.success(request, _("Your callback is cancelled."))
    except TelephonyError as err:
        messages.error(request, err.message)
    return redirect("telephony:resident")
