"""Chat messages of a case, between the resident (or the guardian who acted) and staff."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Side(models.TextChoices):
    STAFF = "staff", _("Staff")
    RESIDENT = "resident", _("Resident")


class Message(models.Model):
    """One chat message. ``id`` is ordered; ``client_id`` (made by the sending client) makes sending
    idempotent: the same ``client_id`` in the same case is the same message."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="messages",
                             verbose_name=_("case"))
    side = models.CharField(_("sent by"), max_length=10, choices=Side.choices)
    sender_staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("staff member"))
    sender_resident = models.ForeignKey("accounts.Resident", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("resident"))
    body = models.TextField(_("message"))
    client_id = models.CharField(_("client id"), max_length=64)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True,
                                        help_text=_("When the other side's client received it."))
    read_at = models.DateTimeField(_("read"), null=True, blank=True,
                                   help_text=_("When the other side read it."))

    class Meta:
        ordering = ["id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(fields=["case", "client_id"], name="message_client_id_unique"),
            models.CheckConstraint(
                condition=Q(side=Side.STAFF, sender_staff__isnull=False, sender_resident__isnull=True)
                | Q(side=Side.RESIDENT, sender_staff__isnull=True, sender_resident__isnull=False),
                name="message_sender_matches_side",
            ),
        ]
        indexes = [models.Index(fields=["case", "id"], name="message_case_id")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.side}"
