"""Base data of the care directory: regions and units (a later issue adds hours and services)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """One of Sweden's 21 regions, keyed by its official county code (länskod)."""

    code = models.CharField(_("region code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class UnitKind(models.TextChoices):
    HEALTH_CENTRE = "health_centre", _("Health centre")
    URGENT_CARE = "urgent_care", _("Urgent care clinic")
    EMERGENCY = "emergency", _("Emergency department")
    CHILD_EMERGENCY = "child_emergency", _("Child emergency department")
    PSYCHIATRIC_EMERGENCY = "psychiatric_emergency", _("Psychiatric emergency")
    NURSE_ADVICE = "nurse_advice", _("1177 nurse advice")
    DENTAL_EMERGENCY = "dental_emergency", _("Dental emergency")
    PHARMACY = "pharmacy", _("Pharmacy")


class Unit(models.Model):
    """A care unit (vårdenhet) or pharmacy, identified by its HSA-id."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="units",
                               verbose_name=_("region"))
    kind = models.CharField(_("kind"), max_length=30, choices=UnitKind.choices)
    hsa_id = models.CharField(_("HSA-id"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["region__code", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    @property
    def address(self) -> str:
        return ", ".join(p for p in [self.street_address, f"{self.postal_code} {self.city}".strip()] if p)
