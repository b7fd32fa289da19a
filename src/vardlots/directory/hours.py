"""Opening hours: is a unit open at a given moment, and when does it next open?

Weekly rows (``OpeningHours``) per channel (visits, chat), per-date exceptions
(``OpeningException``) and Swedish public holidays (``holidays``) combine into concrete intervals
of aware datetimes. All arithmetic is done on UTC instants, so the daylight-saving changes (the
last Sunday of March and of October in Europe/Stockholm) neither lose nor duplicate an hour.

Pass units fetched with ``prefetch_related(*HOURS_PREFETCH)`` to avoid one query per unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from vardlots.directory.holidays import is_holiday
from vardlots.directory.models import Channel, Day, OpeningException, OpeningHours, Unit

STOCKHOLM = ZoneInfo("Europe/Stockholm")
HOURS_PREFETCH = ("opening_hours", "opening_exceptions")
LOOKAHEAD_DAYS = 21
MIDNIGHT = dt.time(0, 0)


@dataclass(frozen=True)
class Interval:
    """An opening interval: ``start`` inclusive, ``end`` exclusive, both aware (Swedish time)."""

    start: dt.datetime
    end: dt.datetime

    def contains(self, at: dt.datetime) -> bool:
        return _utc(self.start) <= _utc(at) < _utc(self.end)

    @property
    def round_the_clock(self) -> bool:
        return _utc(self.end) - _utc(self.start) >= dt.timedelta(hours=23)


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("opening hours need timezone-aware datetimes")
    return value.astimezone(dt.UTC)


def local(value: dt.datetime) -> dt.datetime:
    """``value`` in Swedish time (aware)."""
    return _utc(value).astimezone(STOCKHOLM)


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    """The instant ``time`` on ``day`` in Sweden. A wall time skipped by the spring change is
    moved forward (02:30 becomes 03:30); an ambiguous autumn time takes the first occurrence."""
    naive = dt.datetime.combine(day, time)
    aware = naive.replace(tzinfo=STOCKHOLM)
    round_trip = aware.astimezone(dt.UTC).astimezone(STOCKHOLM).replace(tzinfo=None)
    if round_trip != naive:  # does not exist: the gap at the spring change
        aware = (naive + dt.timedelta(hours=1)).replace(tzinfo=STOCKHOLM)
    return aware


def _interval(day: dt.date, opens: dt.time, closes: dt.time) -> Interval:
    end_day = day if closes > opens else day + dt.timedelta(days=1)
    return Interval(_at(day, opens), _at(end_day, closes))


def _rows(unit: Unit, channel: str) -> tuple[list[OpeningHours], list[OpeningException]]:
    hours = [h for h in unit.opening_hours.all() if h.channel == channel]
    exceptions = [e for e in unit.opening_exceptions.all() if e.channel == channel]
    return hours, exceptions


def intervals_on(unit: Unit, day: dt.date, channel: str = Channel.VISIT) -> list[Interval]:
    """The intervals that *start* on ``day`` (Swedish date), in order."""
    hours, exceptions = _rows(unit, channel)
    return _intervals_on(hours, exceptions, day)


def _intervals_on(hours: list[OpeningHours], exceptions: list[OpeningException], day: dt.date) -> list[Interval]:
    todays = [e for e in exceptions if e.date == day]
    if todays:
        if any(e.closed for e in todays):
            return []
        return sorted((_interval(day, e.opens, e.closes) for e in todays if e.opens and e.closes),
                      key=lambda i: _utc(i.start))
    weekday = day.weekday()
    if is_holiday(day):
        holiday_rows = [h for h in hours if h.day == Day.HOLIDAY]
        rows = holiday_rows or [h for h in hours if h.day == Day.SUNDAY]
    else:
        rows = [h for h in hours if h.day == weekday]
    return sorted((_interval(day, h.opens, h.closes) for h in rows), key=lambda i: _utc(i.start))


def _intervals_between(unit: Unit, first: dt.date, last: dt.date, channel: str) -> list[Interval]:
    hours, exceptions = _rows(unit, channel)
    found: list[Interval] = []
    day = first
    while day <= last:
        found.extend(_intervals_on(hours, exceptions, day))
        day += dt.timedelta(days=1)
    return _merge(found)


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Join touching or overlapping intervals (a 24/7 unit is one long interval)."""
    merged: list[Interval] = []
    for i in sorted(intervals, key=lambda i: _utc(i.start)):
        if merged and _utc(i.start) <= _utc(merged[-1].end):
            last = merged[-1]
            if _utc(i.end) > _utc(last.end):
                merged[-1] = Interval(last.start, i.end)
        else:
            merged.append(i)
    return merged


def current_interval(unit: Unit, at: dt.datetime, channel: str = Channel.VISIT) -> Interval | None:
    """The (merged) interval ``at`` falls in, or None when closed."""
    day = local(at).date()
    for interval in _intervals_between(unit, day - dt.timedelta(days=1), day + dt.timedelta(days=1), channel):
        if interval.contains(at):
            return interval
    return None


def is_open(unit: Unit, at: dt.datetime, channel: str = Channel.VISIT) -> bool:
    """Is ``unit`` open for visits (or its chat staffed, with ``channel="chat"``) at ``at``?"""
    return unit.active and current_interval(unit, at, channel) is not None


def chat_open(unit: Unit, at: dt.datetime) -> bool:
    """Is the unit's own chat staffed at ``at``? (A health centre's chat e.g. 08–16 on working
    days; the 1177 digital entry 08–21 every day.) A unit without chat hours has no chat."""
    return is_open(unit, at, Channel.CHAT)


def closes_at(unit: Unit, at: dt.datetime, channel: str = Channel.VISIT) -> dt.datetime | None:
    """When the interval ``at`` falls in ends (Swedish time), or None when closed now."""
    interval = current_interval(unit, at, channel)
    return local(interval.end) if interval else None


def next_opening(unit: Unit, after: dt.datetime, channel: str = Channel.VISIT,
                 within: dt.timedelta | None = None) -> dt.datetime | None:
    """The first moment at or after ``after`` when the unit is open (``after`` itself when open),
    in Swedish time; None when it does not open within ``within`` (default three weeks)."""
    if not unit.active:
        return None
    horizon = _utc(after) + (within if within is not None else dt.timedelta(days=LOOKAHEAD_DAYS))
    day = local(after).date()
    last = local(horizon).date()
    for interval in _intervals_between(unit, day - dt.timedelta(days=1), last, channel):
        if interval.contains(after):
            return local(after)
        if _utc(interval.start) >= _utc(after):
            return local(interval.start) if _utc(interval.start) <= horizon else None
    return None


def hours_text(unit: Unit, day: dt.date, channel: str = Channel.VISIT) -> list[str]:
    """``["08:00–17:00"]`` for ``day``; an interval round the clock is ``"00:00–24:00"``."""
    texts = []
    for interval in intervals_on(unit, day, channel):
        start, end = local(interval.start), local(interval.end)
        end_text = "24:00" if end.time() == MIDNIGHT and end.date() > start.date() else f"{end:%H:%M}"
        texts.append(f"{start:%H:%M}–{end_text}")
    return texts


def has_hours(unit: Unit, channel: str = Channel.VISIT) -> bool:
    return any(h.channel == channel for h in unit.opening_hours.all())


def local_datetime(day: dt.date, time: dt.time) -> dt.datetime:
    """The aware instant of wall time ``time`` on ``day`` in Sweden (DST gaps moved forward)."""
    return _at(day, time)
