"""Back-office (Django admin) changes are recorded in the access log as security events."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q, QuerySet
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


def admin_regions(request: HttpRequest) -> QuerySet[Any]:
    """The regions a member of staff administers: those where they are region administrator
    (every region for a superuser)."""
    from vardlots.accounts.models import Role
    from vardlots.directory.models import Region

    user: Any = request.user
    if getattr(user, "is_superuser", False):
        return Region.objects.all()
    return Region.objects.filter(units__memberships__staff=user, units__memberships__role=Role.REGION_ADMIN,
                                 units__memberships__active=True).distinct()


def is_national(request: HttpRequest) -> bool:
    """A superuser administers every region (there is no national role besides)."""
    return bool(getattr(request.user, "is_superuser", False))


def staff_of_regions(regions: QuerySet[Any]) -> QuerySet[Any]:
    """Staff with a role (active or not) in a unit of ``regions``."""
    from vardlots.accounts.models import StaffUser

    return StaffUser.objects.filter(memberships__unit__region__in=regions).distinct()


def residents_of_regions(regions: QuerySet[Any]) -> QuerySet[Any]:
    """Residents a region's administrator may see: listed at one of its units, or with a case or a
    telephone call there."""
    from vardlots.accounts.models import Resident

    return Resident.objects.filter(Q(listed_unit__region__in=regions) | Q(cases__queue__unit__region__in=regions)
                                   | Q(calls__unit__region__in=regions)).distinct()


class RegionScopedAdmin(AuditedModelAdmin):
    """A region administrator sees and edits only their own region's rows, and can only choose
    their own region's regions, units, staff and residents in forms and list filters.
    ``region_path`` is the lookup from the model to its region (``"region"``, ``"unit__region"``, ...);
    models with no single path override ``scope``."""

    region_path = ""

    def scope(self, qs: QuerySet[Any], regions: QuerySet[Any]) -> QuerySet[Any]:
        if not self.region_path:
            raise ImproperlyConfigured(f"{type(self).__name__} needs region_path or scope()")
        return qs.filter(**{f"{self.region_path}__in": regions}).distinct()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if is_national(request):
            return qs
        return self.scope(qs, admin_regions(request))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        return scope_choice_field(super().formfield_for_foreignkey(db_field, request, **kwargs), db_field, request)


def scope_choice_field(field: Any, db_field: Any, request: HttpRequest) -> Any:
    """Limit a region, unit, staff or resident choice to the administrator's regions."""
    from vardlots.accounts.models import Resident, StaffUser
    from vardlots.directory.models import Region, Unit

    if field is None or is_national(request):
        return field
    regions = admin_regions(request)
    if db_field.related_model is Region:
        field.queryset = field.queryset.filter(pk__in=regions)
    elif db_field.related_model is Unit:
        field.queryset = field.queryset.filter(region__in=regions)
    elif db_field.related_model is StaffUser:
        field.queryset = field.queryset.filter(pk__in=staff_of_regions(regions).values("pk"))
    elif db_field.related_model is Resident:
        field.queryset = field.queryset.filter(pk__in=residents_of_regions(regions).values("pk"))
    return field


class RegionScopedInline(admin.StackedInline):  # type: ignore[type-arg]
    """An inline showing only the administrator's regions' rows (``region_path`` from the inline's
    model), whose region/unit/staff/resident choices are limited the same way."""

    region_path = ""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        if is_national(request) or not self.region_path:
            return qs
        return qs.filter(**{f"{self.region_path}__in": admin_regions(request)})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        return scope_choice_field(super().formfield_for_foreignkey(db_field, request, **kwargs), db_field, request)
