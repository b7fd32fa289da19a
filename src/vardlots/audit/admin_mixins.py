"""Back-office (Django admin) changes are recorded in the access log as security events."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from vardlots.audit.actions import do_record_security_event
from vardlots.audit.models import EntryKind


def record_admin_change(request: HttpRequest, obj: Model, action: str, message: Any = "") -> None:
    staff = request.user if request.user.is_authenticated else None
    do_record_security_event(
        EntryKind.ADMIN_CHANGE, staff=staff, request=request,
        detail={"action": action, "model": obj._meta.label, "object_id": str(obj.pk),
                "object": str(obj)[:200], "change": message if isinstance(message, list | str) else str(message)},
    )


class AuditedModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Every addition, change and deletion through this admin writes an access-log entry."""

    def log_addition(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        record_admin_change(request, obj, "add", message)
        return super().log_addition(request, obj, message)

    def log_change(self, request: HttpRequest, obj: Model, message: Any) -> Any:
        record_admin_change(request, obj, "change", message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        for obj in queryset:
            record_admin_change(request, obj, "delete")
        return super().log_deletions(request, queryset)
