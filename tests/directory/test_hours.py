"""Opening hours, Swedish holidays and daylight-saving edges."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.directory.helpers import at, daily, t, unit_with_hours, weekdays
from vardlots.directory import holidays
from vardlots.directory.actions import do_set_opening_exception, do_set_opening_hours
from vardlots.directory.hours import chat_open, closes_at, hours_text, is_open, next_opening
from vardlots.directory.models import UnitKind

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("year", "easter"), [(2024, dt.date(2024, 3, 31)), (2025, dt.date(2025, 4, 20)),
                                              (2026, dt.date(2026, 4, 5)), (2038, dt.date(2038, 4, 25)),
                                              (2285, dt.date(2285, 3, 22))])
def test_easter(year: int, easter: dt.date) -> None:
    assert holidays.easter_sunday(year) == easter


def test_holidays_2026_are_computed() -> None:
    days = {h.key: h.date for h in holidays.holidays(2026)}
    assert days["good_friday"] == dt.date(2026, 4, 3)
    assert days["easter_monday"] == dt.date(2026, 4, 6)
    assert days["ascension_day"] == dt.date(2026, 5, 14)
    assert days["whit_sunday"] == dt.date(2026, 5, 24)
    assert days["midsummer_eve"] == dt.date(2026, 6, 19)
    assert days["midsummer_day"] == dt.date(2026, 6, 20)
    assert days["all_saints_day"] == dt.date(2026, 10, 31)
    assert {days["christmas_eve"], days["new_years_eve"], days["national_day"]} == {
        dt.date(2026, 12, 24), dt.date(2026, 12, 31), dt.date(2026, 6, 6)}
    assert holidays.holiday_on(dt.date(2025, 6, 20)).key == "midsummer_eve"  # type: ignore[union-attr]
    assert holidays.holiday_on(dt.date(2025, 11, 1)).key == "all_saints_day"  # type: ignore[union-attr]
    assert not holidays.is_working_day(dt.date(2026, 6, 19))
    assert holidays.is_working_day(dt.date(2026, 6, 18))


@pytest.mark.parametrize("year", range(2020, 2060))
def test_midsummer_and_all_saints_are_always_saturdays_in_range(year: int) -> None:
    days = {h.key: h.date for h in holidays.holidays(year)}
    assert days["midsummer_day"].weekday() == 5 and 20 <= days["midsummer_day"].day <= 26
    assert days["midsummer_eve"].weekday() == 4
    assert days["all_saints_day"].weekday() == 5
    assert dt.date(year, 10, 31) <= days["all_saints_day"] <= dt.date(year, 11, 6)


def test_weekday_hours_and_the_16_boundary() -> None:
    hc = unit_with_hours(UnitKind.HEALTH_CENTRE, weekdays("08:00", "16:00"), chat=weekdays("08:00", "16:00"))
    assert is_open(hc, at(2026, 6, 17, 15, 55)) and chat_open(hc, at(2026, 6, 17, 15, 55))
    assert not is_open(hc, at(2026, 6, 17, 16, 0)) and not chat_open(hc, at(2026, 6, 17, 16, 5))
    assert closes_at(hc, at(2026, 6, 17, 15, 55)) == at(2026, 6, 17, 16, 0)
    assert next_opening(hc, at(2026, 6, 17, 16, 5)) == at(2026, 6, 18, 8, 0)
    # Saturday -> Monday; Midsummer Eve (Friday) is a holiday -> Monday 22 June.
    assert next_opening(hc, at(2026, 6, 13, 12)) == at(2026, 6, 15, 8)
    assert not is_open(hc, at(2026, 6, 19, 10))
    assert next_opening(hc, at(2026, 6, 18, 17)) == at(2026, 6, 22, 8)
    assert hours_text(hc, dt.date(2026, 6, 17)) == ["08:00–16:00"]
    assert hours_text(hc, dt.date(2026, 6, 19)) == []


def test_holiday_rows_or_sunday_rows_apply_on_holidays() -> None:
    pharmacy = unit_with_hours(UnitKind.PHARMACY, [*weekdays("09:00", "19:00"), (6, t("11:00"), t("16:00"))])
    assert is_open(pharmacy, at(2026, 12, 24, 12))  # Christmas Eve (Thursday): Sunday hours
    assert not is_open(pharmacy, at(2026, 12, 24, 17))
    do_set_opening_hours(pharmacy, [*weekdays("09:00", "19:00"), (6, t("11:00"), t("16:00")),
                                    (7, t("10:00"), t("13:00"))])
    pharmacy.refresh_from_db()
    assert not is_open(pharmacy, at(2026, 12, 24, 14)) and is_open(pharmacy, at(2026, 12, 24, 12))
    assert is_open(pharmacy, at(2026, 4, 6, 10, 30))  # Easter Monday


def test_exceptions_override_the_week() -> None:
    hc = unit_with_hours(UnitKind.HEALTH_CENTRE, weekdays("08:00", "17:00"))
    do_set_opening_exception(hc, dt.date(2026, 6, 17), closed=True, note="Training day")
    do_set_opening_exception(hc, dt.date(2026, 6, 13), opens=t("10:00"), closes=t("14:00"))
    assert not is_open(hc, at(2026, 6, 17, 10))
    assert is_open(hc, at(2026, 6, 13, 11))  # an extra Saturday
    assert next_opening(hc, at(2026, 6, 16, 18)) == at(2026, 6, 18, 8)


def test_overnight_and_round_the_clock() -> None:
    night = unit_with_hours(UnitKind.URGENT_CARE, daily("22:00", "08:00"))
    assert is_open(night, at(2026, 6, 17, 23)) and is_open(night, at(2026, 6, 18, 3))
    assert not is_open(night, at(2026, 6, 18, 12))
    ed = unit_with_hours(UnitKind.EMERGENCY, daily("00:00", "00:00"))
    for hour in range(24):
        assert is_open(ed, at(2026, 3, 29, hour)) if hour != 2 else True
    assert hours_text(ed, dt.date(2026, 6, 17)) == ["00:00–24:00"]


def test_daylight_saving_edges() -> None:
    # Spring: on 29 March 2026 clocks go 02:00 -> 03:00. Autumn: on 25 October 2026 03:00 -> 02:00.
    ed = unit_with_hours(UnitKind.EMERGENCY, daily("00:00", "00:00"))
    spring = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)  # 02:30 UTC+1 does not exist; this is 01:30 local
    for minutes in range(0, 240, 15):
        assert is_open(ed, spring + dt.timedelta(minutes=minutes))
    autumn = dt.datetime(2026, 10, 25, 0, 0, tzinfo=dt.UTC)  # 02:00 CEST; the hour 02-03 happens twice
    for minutes in range(0, 240, 15):
        assert is_open(ed, autumn + dt.timedelta(minutes=minutes))
    night = unit_with_hours(UnitKind.URGENT_CARE, daily("01:00", "04:00"))
    # 02:30 local does not exist on the spring day; the interval still runs 01:00-04:00 local = 2 real hours.
    assert is_open(night, dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC))  # 01:30 CET
    assert is_open(night, dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC))  # 03:30 CEST
    assert not is_open(night, dt.datetime(2026, 3, 29, 2, 0, tzinfo=dt.UTC))  # 04:00 CEST
    # Autumn: 01:00-04:00 local is 4 real hours.
    assert is_open(night, dt.datetime(2026, 10, 25, 2, 30, tzinfo=dt.UTC))  # 03:30 CET
    assert not is_open(night, dt.datetime(2026, 10, 25, 3, 0, tzinfo=dt.UTC))  # 04:00 CET
    hc = unit_with_hours(UnitKind.HEALTH_CENTRE, weekdays("08:00", "17:00"))
    assert next_opening(hc, at(2026, 3, 28, 12)) == at(2026, 3, 30, 8)
    assert next_opening(hc, at(2026, 3, 28, 12)).utcoffset() == dt.timedelta(hours=2)  # type: ignore[union-attr]


def test_naive_datetimes_are_refused() -> None:
    hc = unit_with_hours(UnitKind.HEALTH_CENTRE, weekdays("08:00", "17:00"))
    with pytest.raises(ValueError, match="aware"):
        is_open(hc, dt.datetime(2026, 6, 17, 12))
