from __future__ import annotations

import uuid
from typing import Any

from django.db import models


class TriageSession(models.Model):
    """One assessment in progress or done: the inputs, every answer in order, and the result.

    The answers are the truth; the current question and the result are recomputed by the engine
    from them, and the result and trace are stored when the assessment completes, together with the
    content version they were computed with.
    """

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress"
        COMPLETED = "completed"
        ABANDONED = "abandoned"

    class Channel(models.TextChoices):
        WEB = "web"
        API = "api"
        PHONE = "phone"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    language = models.CharField(max_length=5, default="sv")
    resident = models.ForeignKey("accounts.Resident", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="triage_sessions")
    acting_guardian = models.ForeignKey("accounts.Resident", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="triage_sessions_as_guardian")
    age_days = models.PositiveIntegerField()
    sex = models.CharField(max_length=6)
    pregnant = models.BooleanField(null=True)
    protocol_ids = models.JSONField(default=list)
    complaint_text = models.CharField(max_length=300, blank=True)
    audience = models.CharField(
        max_length=5, default="self", choices=[("self", "self"), ("child", "child"), ("other", "other")],
        help_text="who answers: the person themself, a guardian about the child, or someone about another adult")
    answers = models.JSONField(default=list, help_text="ordered [finding, value] pairs")
    content_version = models.CharField(max_length=40)
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_PROGRESS, db_index=True)
    urgency = models.CharField(max_length=16, blank=True)
    care_need = models.CharField(max_length=32, blank=True)
    result = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"triage {self.id} ({self.state})"

    def answer_pairs(self) -> tuple[tuple[str, Any], ...]:
        return tuple((str(f), v) for f, v in self.answers)


class AssessmentPhoto(models.Model):
    """A photo a resident attached to an assessment: the cleaned, re-encoded JPEG and thumbnail.

    The original upload is never stored (see docs/decisions/0007-photo-uploads.md). Photos are read
    only through views that check who may see them.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    triage_session = models.ForeignKey(TriageSession, on_delete=models.PROTECT, related_name="photos")
    uploaded_by = models.ForeignKey("accounts.Resident", on_delete=models.PROTECT, related_name="uploaded_photos")
    name = models.CharField(max_length=200)
    thumbnail_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    thumbnail_sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    thumbnail_width = models.PositiveIntegerField()
    thumbnail_height = models.PositiveIntegerField()
    source_format = models.CharField(max_length=10)
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"photo {self.id}"
