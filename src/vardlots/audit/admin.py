from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from vardlots.audit.admin_mixins import admin_regions
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

    def get_queryset(self, request: HttpRequest) -> QuerySet[AccessLogEntry]:
        """A region administrator reads the entries of their own region's units only."""
        qs = super().get_queryset(request)
        if getattr(request.user, "is_superuser", False):
            return qs
        return qs.filter(unit__region__in=admin_regions(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
