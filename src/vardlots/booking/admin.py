from __future__ import annotations

from django.contrib import admin

from vardlots.audit.admin_mixins import RegionScopedAdmin
from vardlots.booking.models import Appointment, Schedule, ScheduleException, SlotTemplate


class SlotTemplateInline(admin.StackedInline):  # type: ignore[type-arg]
    model = SlotTemplate
    extra = 0


class ScheduleExceptionInline(admin.StackedInline):  # type: ignore[type-arg]
    model = ScheduleException
    extra = 0


@admin.register(Schedule)
class ScheduleAdmin(RegionScopedAdmin):
    region_path = "unit__region"
    list_display = ["name", "unit", "staff", "room", "resident_bookable", "active", "generated_until"]
    list_filter = ["resident_bookable", "active", ("unit__region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "unit__name", "room"]
    inlines = [SlotTemplateInline, ScheduleExceptionInline]


@admin.register(Appointment)
class AppointmentAdmin(RegionScopedAdmin):
    region_path = "slot__schedule__unit__region"
    """Read-only: appointments change only through the booking actions (capacity!)."""

    list_display = ["slot", "kind", "status", "created_at"]
    list_filter = ["status", "kind"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
