from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vardlots.audit.admin_mixins import (
    AuditedModelAdmin,
    RegionScopedAdmin,
    admin_regions,
    is_national,
    record_admin_change,
)
from vardlots.directory.actions import RoutingTableInvalid, do_create_routing_draft, do_publish_routing_table
from vardlots.directory.models import (
    CareOffering,
    EService,
    OpeningException,
    OpeningHours,
    Region,
    RoutingRule,
    RoutingTable,
    Unit,
)
from vardlots.directory.routing import CARE_FORMS, CARE_NEEDS, URGENCIES, check_rules, parse_forms, route, rules_of


@admin.register(Region)
class RegionAdmin(RegionScopedAdmin):
    """A region administrator sees only their own region and may rename it; the code (SCB's county
    code, which the rest of the system keys on) only a superuser changes."""

    region_path = "pk"
    list_display = ["code", "name"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if is_national(request) else ["code"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the 21 regions are loaded by a migration

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Unit)
class UnitAdmin(RegionScopedAdmin):
    region_path = "region"
    list_display = ["name", "kind", "hsa_id", "region", "municipality", "phone", "active"]
    list_filter = [("region", admin.RelatedOnlyFieldListFilter), "kind", "active"]
    search_fields = ["name", "hsa_id", "municipality", "city"]
    list_select_related = ["region"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


# --- hours, care offered, e-services (inlines on the unit) ------------------------------------
class OpeningHoursInline(admin.StackedInline):  # type: ignore[type-arg]
    model = OpeningHours
    extra = 0


class OpeningExceptionInline(admin.StackedInline):  # type: ignore[type-arg]
    model = OpeningException
    extra = 0


class CareOfferingInline(admin.StackedInline):  # type: ignore[type-arg]
    model = CareOffering
    extra = 0


class EServiceInline(admin.StackedInline):  # type: ignore[type-arg]
    model = EService
    extra = 0


UnitAdmin.inlines = [OpeningHoursInline, OpeningExceptionInline, CareOfferingInline, EServiceInline]


# --- routing tables: versioned, validated, with a preview ---------------------------------------
_admin_regions = admin_regions


class RoutingRuleForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = RoutingRule
        fields = ["position", "urgency", "care_need", "age_from", "age_to", "days", "time_from", "time_to",
                  "care_forms"]
        widgets = {
            "urgency": forms.Select(choices=[(u, u) for u in URGENCIES]),
            "care_need": forms.Select(choices=[("", "*"), *[(c, c) for c in CARE_NEEDS]]),
        }

    def clean_care_forms(self) -> str:
        forms_ = parse_forms(self.cleaned_data["care_forms"])
        unknown = [f for f in forms_ if f not in CARE_FORMS]
        if unknown or not forms_:
            raise forms.ValidationError(gettext("Use care forms from: %(forms)s.") % {"forms": ", ".join(CARE_FORMS)})
        return ", ".join(forms_)


class RoutingRuleInline(admin.StackedInline):  # type: ignore[type-arg]
    model = RoutingRule
    form = RoutingRuleForm
    extra = 0

    def _editable(self, obj: Any) -> bool:
        return obj is None or obj.status == RoutingTable.Status.DRAFT

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(obj) and super().has_delete_permission(request, obj)


class RoutingTableForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = RoutingTable
        fields = ["note"]


class PreviewForm(forms.Form):
    urgency = forms.ChoiceField(label=_("Urgency"), choices=[(u, u) for u in URGENCIES], initial="P3")
    care_need = forms.ChoiceField(label=_("Care need"), choices=[(c, c) for c in CARE_NEEDS], initial="health_centre")
    age_years = forms.IntegerField(label=_("Age (years)"), min_value=0, max_value=130, initial=35)
    at = forms.DateTimeField(label=_("Date and time (Swedish time)"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    postcode = forms.CharField(label=_("Postcode"), required=False, max_length=10)
    listed_unit = forms.CharField(label=_("Listed unit (HSA-id)"), required=False, max_length=64)


@admin.register(RoutingTable)
class RoutingTableAdmin(AuditedModelAdmin):
    list_display = ["region", "version", "status", "note", "published_at"]
    list_filter = [("region", admin.RelatedOnlyFieldListFilter), "status"]
    inlines = [RoutingRuleInline]
    form = RoutingTableForm
    actions = ["publish", "new_draft"]
    change_form_template = "directory/admin/routingtable_change_form.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[RoutingTable]:
        return super().get_queryset(request).filter(region__in=_admin_regions(request))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # new versions come from the "new draft" action (a copy), never from scratch

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(obj is not None and obj.status == RoutingTable.Status.DRAFT
                    and super().has_delete_permission(request, obj))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["note"] if obj is not None and obj.status != RoutingTable.Status.DRAFT else []

    @admin.action(description=_("Publish the selected draft (after validation)"))
    def publish(self, request: HttpRequest, queryset: QuerySet[RoutingTable]) -> None:
        for table in queryset:
            try:
                do_publish_routing_table(table, staff=request.user)
            except RoutingTableInvalid as invalid:
                for error in invalid.errors:
                    self.message_user(request, f"{table}: {error}", messages.ERROR)
            else:
                record_admin_change(request, table, "publish")
                self.message_user(request, gettext("Published %(table)s.") % {"table": table}, messages.SUCCESS)

    @admin.action(description=_("Start a new draft version from the selected table"))
    def new_draft(self, request: HttpRequest, queryset: QuerySet[RoutingTable]) -> None:
        for table in queryset:
            draft = do_create_routing_draft(table.region, copy_from=table, staff=request.user,
                                            note=gettext("Copy of version %(n)s") % {"n": table.version})
            record_admin_change(request, draft, "add")
            self.message_user(request, gettext("Created %(table)s.") % {"table": draft}, messages.SUCCESS)

    def get_urls(self) -> list[Any]:
        return [path("<int:pk>/preview/", self.admin_site.admin_view(self.preview_view),
                     name="directory_routingtable_preview"),
                path("start/", self.admin_site.admin_view(self.start_view), name="directory_routingtable_start"),
                *super().get_urls()]

    def start_view(self, request: HttpRequest) -> HttpResponse:
        """Start a region's first draft from the built-in default table."""
        regions = _admin_regions(request)
        if request.method == "POST":
            region = get_object_or_404(regions, code=request.POST.get("region", ""))
            draft = do_create_routing_draft(region, staff=request.user)
            record_admin_change(request, draft, "add")
            return redirect("admin:directory_routingtable_change", draft.pk)
        return render(request, "directory/admin/routing_start.html",
                      {**self.admin_site.each_context(request), "regions": regions, "title": _("New routing table")})

    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        table = get_object_or_404(self.get_queryset(request), pk=pk)
        rules = rules_of(table)
        errors = check_rules(rules)
        form = PreviewForm(request.GET or None, initial={"at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
        result = None
        if form.is_valid():
            data = form.cleaned_data
            at = data["at"] if timezone.is_aware(data["at"]) else timezone.make_aware(data["at"])
            listed = Unit.objects.filter(hsa_id=data["listed_unit"]).first() if data["listed_unit"] else None
            result = route(data["urgency"], data["care_need"], data["age_years"], at, listed,
                           postcode=data["postcode"], region=table.region, rules=rules if not errors else None)
        return render(request, "directory/admin/routing_preview.html", {
            **self.admin_site.each_context(request), "table": table, "form": form, "result": result,
            "errors": errors, "title": gettext("Preview of %(table)s") % {"table": table}, "opts": self.model._meta,
        })

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        problems = check_rules(rules_of(form.instance))
        for problem in problems:
            self.message_user(request, problem, messages.WARNING)
