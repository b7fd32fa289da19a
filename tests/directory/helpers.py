"""Units with hours for directory, routing and booking tests."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tests import factories
from vardlots.directory.actions import do_set_opening_hours, do_upsert_unit
from vardlots.directory.models import Channel, Unit, UnitKind

STHLM = ZoneInfo("Europe/Stockholm")


def t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def at(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=STHLM)


def weekdays(a: str, b: str) -> list[tuple[int, dt.time, dt.time]]:
    return [(d, t(a), t(b)) for d in range(5)]


def daily(a: str, b: str) -> list[tuple[int, dt.time, dt.time]]:
    return [(d, t(a), t(b)) for d in range(8)]


def unit_with_hours(kind: str, hours: list[tuple[int, dt.time, dt.time]], *, chat: list | None = None,
                    lat: float = 59.33, lon: float = 18.06, name: str | None = None, region_code: str = "01",
                    postal_code: str = "111 21") -> Unit:
    unit = factories.unit(kind, region_code=region_code, name=name)
    unit = do_upsert_unit(region=unit.region, hsa_id=unit.hsa_id, kind=kind, name=unit.name, latitude=lat,
                          longitude=lon, postal_code=postal_code, municipality="Stockholm", city="Stockholm")
    do_set_opening_hours(unit, hours, Channel.VISIT)
    if chat:
        do_set_opening_hours(unit, chat, Channel.CHAT)
    return unit


def small_region() -> dict[str, Unit]:
    """One unit of every kind in region 01, with typical hours."""
    return {
        "hc": unit_with_hours(UnitKind.HEALTH_CENTRE, weekdays("08:00", "17:00"), chat=weekdays("08:00", "16:00"),
                              name="Health centre"),
        "uc": unit_with_hours(UnitKind.URGENT_CARE, daily("08:00", "22:00"), name="Urgent care", lat=59.30),
        "ed": unit_with_hours(UnitKind.EMERGENCY, daily("00:00", "00:00"), name="Emergency", lat=59.35),
        "ced": unit_with_hours(UnitKind.CHILD_EMERGENCY, daily("00:00", "00:00"), name="Child emergency"),
        "psy": unit_with_hours(UnitKind.PSYCHIATRIC_EMERGENCY, daily("00:00", "00:00"), name="Psychiatry"),
        "dent": unit_with_hours(UnitKind.DENTAL_EMERGENCY, daily("08:00", "21:00"), name="Dentist"),
        "ph": unit_with_hours(UnitKind.PHARMACY, daily("08:00", "22:00"), name="Pharmacy"),
        "1177": unit_with_hours(UnitKind.NURSE_ADVICE, daily("00:00", "00:00"), chat=daily("08:00", "21:00"),
                                name="1177"),
    }
