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


class TemplateScope(models.TextChoices):
    PERSONAL = "personal", _("Personal")
    UNIT = "unit", _("Unit")
    REGION = "region", _("Region")


class PhraseTemplate(models.Model):
    """A reusable chat text with placeholders, found by its short code.

    Scope decides who sees it: ``personal`` (its owner only), ``unit`` (everyone working cases of
    the unit) or ``region`` (everyone in the region). ``kind`` separates care templates from the
    administrative staff's own. Placeholders: ``{first_name}``, ``{unit}``, ``{hours}``, ``{date}``
    (see ``vardlots.chat.templates``).
    """

    scope = models.CharField(_("scope"), max_length=10, choices=TemplateScope.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
                              related_name="phrase_templates", verbose_name=_("owner"))
    unit = models.ForeignKey("directory.Unit", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="phrase_templates", verbose_name=_("unit"))
    region = models.ForeignKey("directory.Region", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="phrase_templates", verbose_name=_("region"))
    kind = models.CharField(_("for cases of kind"), max_length=10,
                            choices=[("care", _("Care")), ("admin", _("Administrative"))], default="care")
    language = models.CharField(_("language"), max_length=5, choices=[("sv", "Svenska"), ("en", "English")],
                                default="sv")
    code = models.SlugField(_("short code"), max_length=20)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"), max_length=4000)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["code", "language", "scope"]
        verbose_name = _("phrase template")
        verbose_name_plural = _("phrase templates")
        constraints = [
            models.CheckConstraint(
                condition=Q(scope="personal", owner__isnull=False, unit__isnull=True, region__isnull=True)
                | Q(scope="unit", owner__isnull=True, unit__isnull=False, region__isnull=True)
                | Q(scope="region", owner__isnull=True, unit__isnull=True, region__isnull=False),
                name="phrasetemplate_scope_matches_holder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.language})"
