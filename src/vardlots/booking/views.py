"""Booking pages: residents book, cancel and rebook; staff book for a resident or a case."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vardlots.accounts import personnummer
from vardlots.accounts.models import Resident
from vardlots.accounts.permissions import can
from vardlots.accounts.session import current_resident, resident_required, subject
from vardlots.audit.actions import access_resident, check_access_resident, shows_resident_data
from vardlots.audit.models import Purpose
from vardlots.booking import actions
from vardlots.booking.ics import appointment_ics
from vardlots.booking.models import Appointment, AppointmentStatus, Schedule, Slot
from vardlots.core.http import id_or_404, is_whole_number
from vardlots.directory.models import Unit


def _person(request: HttpRequest) -> Resident:
    person = subject(request)
    if person is None:
        raise PermissionDenied
    return person


def _own(request: HttpRequest, pk: int) -> Appointment:
    appointment = get_object_or_404(Appointment.objects.select_related("slot__schedule__unit"), pk=pk)
    if appointment.resident_id != _person(request).pk:
        raise Http404
    return appointment


def _by_day(slots: list[Slot]) -> list[tuple[Any, list[Slot]]]:
    return [(day, list(group)) for day, group in groupby(slots, key=lambda s: timezone.localtime(s.starts_at).date())]


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"current_resident": current_resident(request), "person": subject(request), **extra}


@resident_required
def my_appointments(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    now = timezone.now()
    appointments = list(Appointment.objects.filter(resident=person).select_related("slot__schedule__unit")
                        .order_by("slot__starts_at"))
    upcoming = [a for a in appointments if a.status == AppointmentStatus.BOOKED and a.slot.ends_at > now]
    other = [a for a in appointments if a not in upcoming][-20:]
    listed = person.listed_unit
    return render(request, "booking/my_appointments.html", _ctx(
        request, upcoming=upcoming, other=other, listed=listed,
        listed_bookable=bool(listed and Schedule.objects.filter(unit=listed, resident_bookable=True,
                                                                 active=True).exists())))


@resident_required
def unit_slots(request: HttpRequest, hsa_id: str) -> HttpResponse:
    unit = get_object_or_404(Unit, hsa_id=hsa_id, active=True)
    rebook = _own(request, int(request.GET["flytta"])) if is_whole_number(request.GET.get("flytta", "")) else None
    for schedule in Schedule.objects.filter(unit=unit, active=True, resident_bookable=True):
        actions.ensure_slots(schedule)
    slots = list(actions.free_slots(unit=unit, residents_only=True)[:300])
    return render(request, "booking/unit_slots.html", _ctx(request, unit=unit, days=_by_day(slots), rebook=rebook))


@require_POST
@resident_required
def book(request: HttpRequest, slot_id: int) -> HttpResponse:
    person = _person(request)
    me = current_resident(request)
    slot = get_object_or_404(Slot.objects.select_related("schedule__unit"), pk=slot_id)
    back = reverse("booking:unit_slots", args=[slot.schedule.unit.hsa_id])
    try:
        actions.check_resident_book(person, slot)
        rebook_id = request.POST.get("rebook", "")
        if is_whole_number(rebook_id):
            appointment = actions.do_rebook(_own(request, int(rebook_id)), slot, by_resident=me)
            messages.success(request, _("Your appointment has been moved."))
        else:
            appointment = actions.do_book(slot, person, by_resident=me)
            messages.success(request, _("Your appointment is booked."))
    except actions.BookingError as error:
        messages.error(request, str(error.message))
        return HttpResponseRedirect(back)
    return HttpResponseRedirect(reverse("booking:appointment", args=[appointment.pk]))


@resident_required
def appointment(request: HttpRequest, pk: int) -> HttpResponse:
    found = _own(request, pk)
    return render(request, "booking/appointment.html", _ctx(
        request, appointment=found, can_change=found.status == AppointmentStatus.BOOKED
        and found.slot.starts_at > timezone.now()))


@require_POST
@resident_required
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    found = _own(request, pk)
    try:
        actions.do_cancel(found, by_resident=current_resident(request))
        messages.success(request, _("Your appointment is cancelled."))
    except actions.BookingError as error:
        messages.error(request, str(error.message))
    return HttpResponseRedirect(reverse("booking:appointment", args=[pk]))


@resident_required
def ics(request: HttpRequest, pk: int) -> HttpResponse:
    found = _own(request, pk)
    response = HttpResponse(appointment_ics(found, host=request.get_host().split(":")[0]),
                            content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="vardlots-{found.pk}.ics"'
    return response


# --- staff -----------------------------------------------------------------------------------
STAFF_BOOKING_KEY = "vardlots_staff_booking"


def _staff_lookup(request: HttpRequest, staff: Any, unit: Unit, case_id: str) -> HttpResponse:
    target = reverse("booking:staff_book") + "?" + urlencode({"unit": unit.hsa_id})
    if is_whole_number(case_id):
        return HttpResponseRedirect(target + "&" + urlencode({"case": case_id}))
    try:
        number = personnummer.parse(request.POST.get("personnummer", "").strip()).canonical
    except ValueError:
        messages.error(request, _("That is not a valid personal identity number."))
        return HttpResponseRedirect(target)
    resident = Resident.objects.filter(personal_number=number).first()
    if resident is None:
        messages.error(request, _("No resident with that personal identity number."))
        return HttpResponseRedirect(target)
    # The look-up only authorises; the page it leads to shows the resident and writes the entry.
    check_access_resident(staff, resident, Purpose.CARE, unit)
    request.session[STAFF_BOOKING_KEY] = {"staff": staff.pk, "unit": unit.hsa_id, "resident": resident.pk}
    return HttpResponseRedirect(target)

@shows_resident_data("booking:staff_book")
@login_required
def staff_book(request: HttpRequest) -> HttpResponse:
    """Book a slot for a resident (optionally from a case): choose a unit, the resident, a slot."""
    staff = request.user
    units = [m.unit for m in staff.active_memberships() if can(staff, "booking.book", m.unit)]  # type: ignore[union-attr]
    if not units:
        raise PermissionDenied
    unit = next((u for u in units if u.hsa_id == (request.POST.get("unit") or request.GET.get("unit"))), units[0])
    case_id = (request.POST.get("case") or request.GET.get("case") or "").strip()
    if request.method == "POST" and request.POST.get("lookup"):
        # The personal identity number comes by POST and never appears in a URL; the look-up is a
        # read of the resident's data and goes through the access log.
        return _staff_lookup(request, staff, unit, case_id)
    resident = None
    number = ""
    if is_whole_number(case_id):
        # From a case: the case's resident, after the case access check (which writes the access log).
        from vardlots.cases.actions import access_case

        resident = access_case(staff, int(case_id), request=request, what="booking").resident  # type: ignore[arg-type]
    else:
        chosen = request.session.get(STAFF_BOOKING_KEY) or {}
        if chosen.get("staff") == staff.pk and chosen.get("unit") == unit.hsa_id:
            resident = Resident.objects.filter(pk=int(chosen.get("resident") or 0)).first()
            if resident is not None and request.method == "GET":
                access_resident(staff, resident, Purpose.CARE, unit, request=request, what="booking")  # type: ignore[arg-type]
    if resident is not None:
        number = resident.masked_personal_number
    if request.method == "POST" and resident is not None:
        slot = get_object_or_404(Slot.objects.select_related("schedule__unit"), pk=id_or_404(request.POST.get("slot")),
                                 schedule__unit=unit)
        try:
            actions.check_staff_book(staff, slot)  # type: ignore[arg-type]
            actions.do_book(slot, resident, by_staff=staff,  # type: ignore[arg-type]
                            case_id=int(case_id) if is_whole_number(case_id) else None,
                            reason=request.POST.get("reason", ""))
            messages.success(request, _("The appointment is booked."))
        except actions.BookingError as error:
            messages.error(request, str(error.message))
        return HttpResponseRedirect(request.get_full_path())
    for schedule in Schedule.objects.filter(unit=unit, active=True):
        actions.ensure_slots(schedule)
    slots = list(actions.free_slots(unit=unit)[:200]) if resident else []
    booked = (Appointment.objects.filter(resident=resident, status=AppointmentStatus.BOOKED,
                                         slot__starts_at__gt=timezone.now()).select_related("slot__schedule__unit")
              if resident else [])
    return render(request, "booking/staff_book.html", {
        "units": units, "unit": unit, "number": number, "case_id": case_id, "resident": resident,
        "days": _by_day(slots), "booked": booked,
    })
