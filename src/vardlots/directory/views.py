"""Find care (*Hitta vård*): public search of the directory and a page per unit. No log-in."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from vardlots.directory.holidays import holiday_on
from vardlots.directory.hours import HOURS_PREFETCH, closes_at, hours_text, is_open, local, next_opening
from vardlots.directory.models import Channel, EServiceKind, Region, Unit, UnitKind

PER_PAGE = 20
PUBLIC_KINDS = [k for k in UnitKind if k != UnitKind.NURSE_ADVICE] + [UnitKind.NURSE_ADVICE]


def search_units(*, q: str = "", kind: str = "", municipality: str = "", region: str = "", eservice: str = "",
                 open_now: bool = False, at: dt.datetime | None = None) -> list[Unit]:
    """The units matching a find-care search, by name; ``open_now`` is decided from the hours."""
    units: QuerySet[Unit] = Unit.objects.filter(active=True).select_related("region")
    if q:
        for word in q.split()[:5]:
            units = units.filter(Q(name__icontains=word) | Q(city__icontains=word)
                                 | Q(municipality__icontains=word) | Q(street_address__icontains=word))
    if kind in UnitKind.values:
        units = units.filter(kind=kind)
    if municipality:
        units = units.filter(municipality__iexact=municipality)
    if region:
        units = units.filter(region__code=region)
    if eservice in EServiceKind.values:
        units = units.filter(eservices__kind=eservice)
    found = list(units.prefetch_related(*HOURS_PREFETCH, "eservices").order_by("name").distinct())
    if open_now:
        now = at or timezone.now()
        found = [u for u in found if is_open(u, now)]
    return found


def _status(unit: Unit, now: dt.datetime) -> dict[str, Any]:
    today = local(now).date()
    open_now = is_open(unit, now)
    return {
        "open_now": open_now,
        "closes_at": closes_at(unit, now) if open_now else None,
        "next_opening": None if open_now else next_opening(unit, now),
        "today": hours_text(unit, today),
        "round_the_clock": hours_text(unit, today) == ["00:00–24:00"],
    }


def find_care(request: HttpRequest) -> HttpResponse:
    params = {k: request.GET.get(k, "").strip()[:100] for k in ("q", "kind", "municipality", "region", "eservice")}
    open_now = request.GET.get("open_now") == "1"
    searched = any(params.values()) or open_now
    now = timezone.now()
    results = search_units(**params, open_now=open_now, at=now) if searched else []
    page = Paginator(results, PER_PAGE).get_page(request.GET.get("page"))
    rows = [{"unit": u, **_status(u, now)} for u in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "directory/find_care.html", {
        **params, "open_now": open_now, "searched": searched, "page": page, "rows": rows, "count": len(results),
        "kinds": PUBLIC_KINDS, "eservices": EServiceKind.choices,
        "municipalities": (Unit.objects.filter(active=True).exclude(municipality="")
                           .order_by("municipality").values_list("municipality", flat=True).distinct()),
        "regions": Region.objects.filter(units__active=True).distinct(),
        "query": query.urlencode(),
    })


def unit_page(request: HttpRequest, hsa_id: str) -> HttpResponse:
    unit = get_object_or_404(Unit.objects.select_related("region").prefetch_related(
        *HOURS_PREFETCH, "eservices", "care_offerings"), hsa_id=hsa_id, active=True)
    now = timezone.now()
    today = local(now).date()
    week = []
    for offset in range(7):
        day = today + dt.timedelta(days=offset)
        week.append({"date": day, "hours": hours_text(unit, day), "chat": hours_text(unit, day, Channel.CHAT),
                     "holiday": holiday_on(day)})
    from vardlots.booking.models import Schedule

    bookable = Schedule.objects.filter(unit=unit, active=True, resident_bookable=True).exists()
    return render(request, "directory/unit.html", {
        "unit": unit, "view_status": _status(unit, now), "week": week,
        "has_chat": any(d["chat"] for d in week),
        "chat_today": hours_text(unit, today, Channel.CHAT),
        "chat_open": is_open(unit, now, Channel.CHAT),
        "eservices": list(unit.eservices.all()), "care": list(unit.care_offerings.all()),
        "bookable": bookable,
    })
