"""Back office for staff, roles and residents. Only region administrators (or superusers) get in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from vardlots.accounts.actions import record_membership_change
from vardlots.accounts.models import GuardianRelation, LoginAttempt, Membership, Resident, StaffUser
from vardlots.accounts.permissions import can
from vardlots.audit.actions import access_resident
from vardlots.audit.admin_mixins import (
    RegionScopedAdmin,
    RegionScopedInline,
    admin_regions,
    is_national,
    residents_of_regions,
    staff_of_regions,
)
from vardlots.audit.models import Purpose


def admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin has no log-in of its own: staff log in with password + TOTP (or SITHS). Someone
    already logged in without back-office rights gets a clear 403, not the log-in form again."""
    if request.user.is_authenticated:
        raise PermissionDenied
    target = request.GET.get("next") or reverse("admin:index")
    return HttpResponseRedirect(reverse("accounts:staff_login") + "?" + urlencode({"next": target}))


admin.site.login = admin_login  # type: ignore[method-assign]
admin.site.site_header = "vardlots"
admin.site.site_title = "vardlots"


class MembershipInline(RegionScopedInline):
    """Only the memberships in the administrator's regions: a colleague's roles elsewhere are not theirs."""

    model = Membership
    region_path = "unit__region"
    extra = 0
    fields = ["unit", "role", "active", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["unit"]
    can_delete = False  # deactivate instead: the history of who had which role stays


@admin.register(StaffUser)
class StaffUserAdmin(RegionScopedAdmin):
    region_path = "memberships__unit__region"
    list_display = ["hsa_id", "family_name", "given_name", "username", "title", "is_active", "totp_confirmed"]
    list_filter = ["is_active", "totp_confirmed", "memberships__role"]
    search_fields = ["hsa_id", "username", "given_name", "family_name", "email"]
    fields = ["hsa_id", "username", "given_name", "family_name", "email", "title", "is_active",
              "totp_confirmed", "last_login", "date_joined"]
    readonly_fields = ["last_login", "date_joined"]
    inlines = [MembershipInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: the access log refers to staff

    def save_formset(self, request: HttpRequest, form: ModelForm[Any], formset: BaseInlineFormSet[Any, Any, Any],
                     change: bool) -> None:
        super().save_formset(request, form, formset, change)
        for membership in getattr(formset, "new_objects", []):
            record_membership_change(membership, "grant", acting=request.user, request=request)  # type: ignore[arg-type]
        for membership, fields in getattr(formset, "changed_objects", []):
            record_membership_change(membership, "change:" + ",".join(fields), acting=request.user,  # type: ignore[arg-type]
                                     request=request)


@admin.register(Membership)
class MembershipAdmin(RegionScopedAdmin):
    region_path = "unit__region"
    list_display = ["staff", "unit", "role", "active", "created_at"]
    list_filter = ["role", "active", ("unit__region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["staff__hsa_id", "staff__family_name", "unit__name", "unit__hsa_id"]
    autocomplete_fields = ["staff", "unit"]
    list_select_related = ["staff", "unit"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        action = "change:" + ",".join(form.changed_data) if change else "grant"
        record_membership_change(obj, action, acting=request.user, request=request)  # type: ignore[arg-type]


class GuardianInline(RegionScopedInline):
    model = GuardianRelation
    fk_name = "child"
    extra = 0
    fields = ["guardian", "source", "valid_from", "valid_to"]
    raw_id_fields = ["guardian"]
    verbose_name = "guardian"


def _admin_unit(request: HttpRequest) -> Any:
    """The unit through which the administrator may read resident data (for the access log)."""
    staff: StaffUser = request.user  # type: ignore[assignment]
    for membership in staff.active_memberships():
        if can(staff, "resident.view", membership.unit):
            return membership.unit
    raise PermissionDenied("Reading resident data needs a role in a unit; superuser alone is not enough.")


class ResidentAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Resident
        fields = ["personal_number", "given_name", "family_name", "listed_unit", "phone", "email"]

    def clean_personal_number(self) -> str:
        from vardlots.accounts.actions import check_personal_number

        return check_personal_number(self.cleaned_data["personal_number"]).canonical


@admin.register(Resident)
class ResidentAdmin(RegionScopedAdmin):
    """Residents are listed only after a search, and every resident shown is access-logged. A region
    administrator finds only residents listed in the region or with a case or call there."""

    def scope(self, qs: QuerySet[Any], regions: QuerySet[Any]) -> QuerySet[Any]:
        return qs.filter(pk__in=residents_of_regions(regions).values("pk"))

    list_display = ["masked", "family_name", "given_name", "listed_unit"]
    search_fields = ["=personal_number"]
    search_help_text = "Search with the full 12-digit personal identity number."
    fields = ["personal_number", "given_name", "family_name", "birth_date", "sex", "listed_unit", "phone", "email"]
    readonly_fields = ["birth_date", "sex"]
    autocomplete_fields = ["listed_unit"]
    inlines = [GuardianInline]
    form = ResidentAdminForm
    show_full_result_count = False

    @admin.display(description="personnummer")
    def masked(self, obj: Resident) -> str:
        return obj.masked_personal_number

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
                           ) -> tuple[QuerySet[Any], bool]:
        if not search_term.strip():
            return queryset.none(), False
        digits = "".join(ch for ch in search_term if ch in "0123456789")
        return super().get_search_results(request, queryset, digits)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        changelist = context.get("cl")
        if changelist is not None:
            unit = _admin_unit(request)
            for resident in changelist.result_list:
                access_resident(request.user, resident, Purpose.ADMINISTRATION, unit,  # type: ignore[arg-type]
                                request=request, what="admin.list")
        return response

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: Any = None) -> HttpResponse:
        resident = self.get_object(request, object_id)
        if resident is not None:
            access_resident(request.user, resident, Purpose.ADMINISTRATION, _admin_unit(request),  # type: ignore[arg-type]
                            request=request, what="admin.change")
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        from vardlots.accounts.actions import check_personal_number

        assert isinstance(obj, Resident)
        pnr = check_personal_number(obj.personal_number)
        obj.personal_number, obj.birth_date, obj.sex = pnr.canonical, pnr.birth_date, pnr.legal_sex.value
        super().save_model(request, obj, form, change)


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A region administrator sees the attempts on accounts of staff with a role in the region
    (attempts on unknown identifiers only a superuser sees)."""

    list_display = ["at", "account", "ip_address", "stage", "succeeded"]
    list_filter = ["succeeded", "stage"]
    search_fields = ["account", "ip_address"]
    readonly_fields = ["at", "account", "ip_address", "stage", "succeeded"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[LoginAttempt]:
        qs = super().get_queryset(request)
        if is_national(request):
            return qs
        return qs.filter(account__in=staff_of_regions(admin_regions(request)).values("hsa_id"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
