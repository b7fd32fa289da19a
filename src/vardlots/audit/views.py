"""The resident's own extract of the access log: who has read my data."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from vardlots.accounts import session as resident_session
from vardlots.audit.models import AccessLogEntry, EntryKind

GROUP_WINDOW = dt.timedelta(minutes=10)


def group_reads(entries: list[AccessLogEntry]) -> list[list[AccessLogEntry]]:
    """Collapse consecutive reads by the same person, unit, purpose and case within ten minutes
    into one row, so one nurse handling one case is one line, not fifteen. Every entry stays in the
    log; this only shapes the resident's extract (newest first)."""
    groups: list[list[AccessLogEntry]] = []
    for entry in entries:
        last = groups[-1] if groups else None
        if (last is not None and (last[0].staff_name, last[0].role, last[0].unit_name, last[0].purpose,
                                  last[0].case_id) == (entry.staff_name, entry.role, entry.unit_name,
                                                       entry.purpose, entry.case_id)
                and last[0].at - entry.at <= GROUP_WINDOW):
            last.append(entry)
        else:
            groups.append([entry])
    return groups


@resident_session.resident_required
@require_GET
def resident_log(request: HttpRequest) -> HttpResponse:
    """Reads of the data of the logged-in resident, or of the child they act for; newest first."""
    me = resident_session.current_resident(request)
    subject = resident_session.subject(request)
    assert me is not None and subject is not None
    entries = (AccessLogEntry.objects.filter(resident=subject, kind=EntryKind.READ)
               .order_by("-seq").only("at", "staff_name", "role", "unit_name", "purpose", "case_id"))
    page = Paginator(entries, 50).get_page(request.GET.get("sida"))
    from vardlots.accounts.models import Role

    roles = dict(Role.choices)
    rows = [{"entry": g[0], "first": g[-1], "count": len(g), "role": roles.get(g[0].role, g[0].role)}
            for g in group_reads(list(page.object_list))]
    return render(request, "audit/resident_log.html", {
        "current_resident": me, "subject": subject, "acting_for": subject.pk != me.pk,
        "page": page, "rows": rows,
    })
