"""Background jobs of cases: the hand-over of a health centre's chat queue at closing time."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from vardlots.cases import actions
from vardlots.core.jobs import job
from vardlots.directory.models import Unit


@job(actions.HAND_OVER_JOB)
def hand_over(payload: dict[str, Any]) -> None:
    """Runs at a unit's chat closing: move its open care cases to 1177, then schedule the next run."""
    unit = Unit.objects.filter(pk=payload["unit_id"]).first()
    if unit is None or not unit.active:
        return
    now = timezone.now()
    actions.do_hand_over(unit, now=now)
    actions.schedule_hand_over(unit, now)
