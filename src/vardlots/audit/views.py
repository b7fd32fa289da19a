"""The resident's own extract of the access log: who has read my data."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from vardlots.accounts import session as resident_session
from vardlots.audit.models import AccessLogEntry, EntryKind


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
    rows = [{"entry": e, "role": roles.get(e.role, e.role)} for e in page.object_list]
    return render(request, "audit/resident_log.html", {
        "current_resident": me, "subject": subject, "acting_for": subject.pk != me.pk,
        "page": page, "rows": rows,
    })
