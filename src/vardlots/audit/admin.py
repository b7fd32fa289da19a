from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from vardlots.audit.models import AccessLogEntry


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """View only: the access log can never be edited or deleted, not even by a superuser."""

    list_display = ["seq", "at", "kind", "staff_name", "role", "unit_name", "resident", "purpose", "case_id"]
    list_filter = ["kind", "purpose"]
    search_fields = ["staff_hsa_id", "staff_name", "unit_name", "case_id"]
    date_hierarchy = "at"
    list_select_related = ["resident"]
    readonly_fields = [f.name for f in AccessLogEntry._meta.fields]
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
