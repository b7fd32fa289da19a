"""The access log (Patient Data Act, patientdatalagen 4 kap. 3 §): append-only and hash-chained.

Every entry stores the SHA-256 of the canonical JSON of its fields plus the previous entry's hash,
so altering, removing or reordering a row breaks the chain (see ``vardlots.audit.chain``).
Names are copied into the entry at write time: the log must read the same after a member of staff
changes name or role.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """The access log is append-only: entries can never be changed or deleted."""


class EntryKind(models.TextChoices):
    READ = "read", _("Read resident data")
    LOGIN = "login", _("Log-in")
    LOGIN_FAILED = "login_failed", _("Failed log-in")
    LOGOUT = "logout", _("Log-out")
    ROLE_CHANGE = "role_change", _("Role change")
    ADMIN_CHANGE = "admin_change", _("Back-office change")


SECURITY_KINDS = frozenset({EntryKind.LOGIN, EntryKind.LOGIN_FAILED, EntryKind.LOGOUT,
                            EntryKind.ROLE_CHANGE, EntryKind.ADMIN_CHANGE})


class Purpose(models.TextChoices):
    CARE = "care", _("Care and treatment")
    ADMINISTRATION = "administration", _("Administration of care")
    QUALITY = "quality", _("Quality review")
    SECURITY = "security", _("Security")


class AccessLogQuerySet(models.QuerySet["AccessLogEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("access log entries cannot be updated")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("access log entries cannot be deleted")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("access log entries cannot be updated")


class AccessLogEntry(models.Model):
    seq = models.PositiveBigIntegerField(_("sequence number"), unique=True)
    at = models.DateTimeField(_("time"), db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("staff member"))
    staff_hsa_id = models.CharField(_("staff HSA-id"), max_length=64, blank=True)
    staff_name = models.CharField(_("staff name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=30, blank=True)
    unit = models.ForeignKey("directory.Unit", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("unit"))
    unit_name = models.CharField(_("unit name"), max_length=200, blank=True)
    resident = models.ForeignKey("accounts.Resident", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="access_log", verbose_name=_("resident"))
    case_id = models.CharField(_("case"), max_length=64, blank=True)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip_address = models.CharField(_("IP address"), max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [models.Index(fields=["resident", "at"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind} {self.at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("access log entries cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("access log entries cannot be deleted")


class ChainHead(models.Model):
    """One row (pk=1): the last sequence number and hash. Locked to serialise appends."""

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("access log chain head")
