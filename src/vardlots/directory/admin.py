from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from vardlots.audit.admin_mixins import AuditedModelAdmin
from vardlots.directory.models import Region, Unit


@admin.register(Region)
class RegionAdmin(AuditedModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the 21 regions are loaded by a migration

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Unit)
class UnitAdmin(AuditedModelAdmin):
    list_display = ["name", "kind", "hsa_id", "region", "municipality", "phone", "active"]
    list_filter = ["region", "kind", "active"]
    search_fields = ["name", "hsa_id", "municipality", "city"]
    list_select_related = ["region"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
