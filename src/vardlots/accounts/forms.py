from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from vardlots.accounts import personnummer
from vardlots.accounts.models import Resident, StaffUser
from vardlots.accounts.permissions import can
from vardlots.audit.models import Purpose
from vardlots.directory.models import Unit


class PersonnummerField(forms.CharField):
    """A personal identity number; cleans to the canonical 12-digit form."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", _("12 digits, for example 19900101-1234."))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return ""
        from django.utils import timezone

        try:
            return personnummer.parse(text, today=timezone.localdate()).canonical
        except personnummer.PersonnummerError as error:
            raise ValidationError(error.message, code=error.code.value) from error


class StaffPasswordForm(forms.Form):
    identifier = forms.CharField(label=_("HSA-id or username"), max_length=64,
                                 widget=forms.TextInput(attrs={"autocomplete": "username",
                                                               "autocapitalize": "none"}))
    password = forms.CharField(label=_("Password"), max_length=256, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class TotpForm(forms.Form):
    code = forms.CharField(label=_("Six-digit code from your authenticator app"), max_length=10,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code",
                                                         "inputmode": "numeric"}))


class TestIdentifyForm(forms.Form):
    resident = forms.ModelChoiceField(queryset=Resident.objects.all(), label=_("Test person"),
                                      widget=forms.RadioSelect)


class ActForForm(forms.Form):
    child = forms.IntegerField(min_value=1)


class ResidentLookupForm(forms.Form):
    personal_number = PersonnummerField(label=_("Personal identity number"))
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), label=_("You work in"))
    purpose = forms.ChoiceField(label=_("Purpose"), choices=[
        (Purpose.CARE.value, Purpose.CARE.label),
        (Purpose.ADMINISTRATION.value, Purpose.ADMINISTRATION.label),
        (Purpose.QUALITY.value, Purpose.QUALITY.label),
    ])

    def __init__(self, staff: StaffUser, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_ids = [m.unit_id for m in staff.active_memberships() if can(staff, "resident.view", m.unit)]
        field = self.fields["unit"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Unit.objects.filter(pk__in=unit_ids)
