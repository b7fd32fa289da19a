"""Demo callback capacity: each 1177 unit publishes callback times 08–21, 3 per quarter hour, for
two weeks. Idempotent; called from ``vardlots.directory.demo.seed_demo``."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from vardlots.directory.models import Unit, UnitKind
from vardlots.telephony.actions import do_publish_callback_capacity

DEMO_DAYS = 14


def seed_telephony_demo(units: dict[str, Unit], start: dt.date | None = None) -> None:
    start = start or timezone.localdate()
    for unit in units.values():
        if unit.kind != UnitKind.NURSE_ADVICE:
            continue
        for offset in range(DEMO_DAYS):
            do_publish_callback_capacity(unit, start + dt.timedelta(days=offset), dt.time(8), dt.time(21),
                                         minutes=15, capacity=3)
