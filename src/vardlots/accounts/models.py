"""Staff, their unit memberships and roles; residents and guardian relations; log-in attempts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vardlots.accounts import personnummer
from vardlots.directory.models import Unit

GUARDIAN_MAX_CHILD_AGE = 13  # a guardian acts for a child *under* this age


class Role(models.TextChoices):
    NURSE = "nurse", _("Nurse")
    DOCTOR = "doctor", _("Doctor")
    ADMIN_STAFF = "admin_staff", _("Administrative staff")
    UNIT_MANAGER = "unit_manager", _("Unit manager")
    REGION_ADMIN = "region_admin", _("Region administrator")
    CONTENT_EDITOR = "content_editor", _("Content editor")
    QUALITY_REVIEWER = "quality_reviewer", _("Quality reviewer")


class StaffUserManager(BaseUserManager["StaffUser"]):
    def create_user(self, hsa_id: str, password: str | None = None, **fields: Any) -> StaffUser:
        if not hsa_id:
            raise ValueError("Staff need an HSA-id.")
        user = self.model(hsa_id=hsa_id.strip().upper(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, hsa_id: str, password: str | None = None, **fields: Any) -> StaffUser:
        fields["is_superuser"] = True
        return self.create_user(hsa_id, password, **fields)


class StaffUser(AbstractBaseUser):
    """A member of staff. Log-in: HSA-id (or username) + password + TOTP, or SITHS through OIDC."""

    hsa_id = models.CharField(_("HSA-id"), max_length=64, unique=True)
    username = models.CharField(_("username"), max_length=64, unique=True, null=True, blank=True)
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    email = models.EmailField(_("e-mail"), blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_superuser = models.BooleanField(_("superuser"), default=False)
    totp_secret = models.CharField(_("TOTP secret"), max_length=64, blank=True)
    totp_confirmed = models.BooleanField(_("TOTP confirmed"), default=False)
    totp_last_step = models.BigIntegerField(default=0, editable=False)
    date_joined = models.DateTimeField(_("created"), default=timezone.now)

    objects = StaffUserManager()

    USERNAME_FIELD = "hsa_id"
    REQUIRED_FIELDS = ["given_name", "family_name"]

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self) -> str:
        return f"{self.get_full_name()} ({self.hsa_id})"

    def get_full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    def get_short_name(self) -> str:
        return self.given_name

    def active_memberships(self) -> models.QuerySet[Membership]:
        return self.memberships.filter(active=True).select_related("unit", "unit__region")

    # --- Django admin integration: only region administrators (or superusers) ----------------
    @property
    def is_staff(self) -> bool:  # Django admin's gate
        from vardlots.accounts.permissions import can_use_admin

        return can_use_admin(self)

    def has_perm(self, perm: str, obj: object = None) -> bool:
        from vardlots.accounts.permissions import admin_model_permission

        return admin_model_permission(self, perm)

    def has_perms(self, perm_list: Any, obj: object = None) -> bool:
        return all(self.has_perm(p, obj) for p in perm_list)

    def has_module_perms(self, app_label: str) -> bool:
        from vardlots.accounts.permissions import admin_module_permission

        return admin_module_permission(self, app_label)


class Membership(models.Model):
    """A member of staff works in a unit with a role."""

    staff = models.ForeignKey(StaffUser, on_delete=models.CASCADE, related_name="memberships",
                              verbose_name=_("staff member"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships",
                             verbose_name=_("unit"))
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["unit__name", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["staff", "unit", "role"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.staff.get_full_name()} · {self.get_role_display()} · {self.unit.name}"


class ResidentQuerySet(models.QuerySet["Resident"]):
    pass


class Resident(models.Model):
    """A resident (patient), identified by the canonical 12-digit personal identity number."""

    personal_number = models.CharField(_("personal identity number"), max_length=12, unique=True)
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("legal sex"), max_length=1, choices=[("F", _("Female")), ("M", _("Male"))])
    listed_unit = models.ForeignKey(Unit, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="listed_residents", verbose_name=_("listed health centre"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")

    def __str__(self) -> str:
        return f"{self.get_full_name()} ({self.masked_personal_number})"

    def get_full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def masked_personal_number(self) -> str:
        return personnummer.mask(self.personal_number)

    @property
    def formatted_personal_number(self) -> str:
        return f"{self.personal_number[:8]}-{self.personal_number[8:]}"

    def age(self, on: dt.date | None = None) -> int:
        on = on or timezone.localdate()
        born = self.birth_date
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class GuardianRelation(models.Model):
    """A recorded custody relation: ``guardian`` may act for ``child`` while it is valid."""

    class Source(models.TextChoices):
        POPULATION_REGISTER = "population_register", _("Population register (Navet)")
        MANUAL = "manual", _("Recorded by staff")
        DEMO = "demo", _("Demo data")

    guardian = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="child_relations",
                                 verbose_name=_("guardian"))
    child = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="guardian_relations",
                              verbose_name=_("child"))
    source = models.CharField(_("source"), max_length=30, choices=Source.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("guardian relation")
        verbose_name_plural = _("guardian relations")
        constraints = [
            models.CheckConstraint(condition=~Q(guardian=models.F("child")), name="guardian_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.guardian.get_full_name()} → {self.child.get_full_name()}"

    def is_active_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


def active_relations_q(day: dt.date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


class LoginAttempt(models.Model):
    """One staff log-in attempt; counted for rate limiting across processes."""

    account = models.CharField(max_length=64, db_index=True)  # normalised identifier typed
    ip_address = models.GenericIPAddressField(null=True, db_index=True)
    succeeded = models.BooleanField()
    # password | totp (failed steps) | password_totp | oidc (successful log-ins by method)
    stage = models.CharField(max_length=20, default="password",
                             choices=[("password", "password"), ("totp", "totp"),
                                      ("password_totp", "password + TOTP"), ("oidc", "OIDC")])
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["account", "at"]), models.Index(fields=["ip_address", "at"])]


class EidTestOrder(models.Model):
    """An order of the built-in *test* e-ID provider (never used in production)."""

    order_ref = models.CharField(max_length=64, unique=True)
    auto_start_token = models.CharField(max_length=64)
    qr_start_token = models.CharField(max_length=64)
    qr_start_secret = models.CharField(max_length=64)
    end_user_ip = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, default="pending")  # pending | complete | failed
    hint_code = models.CharField(max_length=40, default="outstandingTransaction")
    personal_number = models.CharField(max_length=12, blank=True)
    name = models.CharField(max_length=200, blank=True)
    given_name = models.CharField(max_length=100, blank=True)
    surname = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
