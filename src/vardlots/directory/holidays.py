"""Swedish public holidays, computed (never typed in).

Pure Python, no Django models. Two kinds of days make a unit keep its *holiday* hours:

* the public holidays of the law (lag 1989:253 om allmänna helgdagar): New Year's Day, Epiphany,
  Good Friday, Easter Day, Easter Monday, 1 May, Ascension Day, Whit Sunday, the National Day,
  Midsummer Day, All Saints' Day, Christmas Day and Boxing Day;
* the *de facto* holidays ("helgaftnar") that almost every employer and care unit treats as a
  Sunday: Easter Saturday, Whitsun Eve, Midsummer Eve, Christmas Eve and New Year's Eve.

``holidays(year)`` returns both, with their kind, so callers can choose.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

PUBLIC = "public"
EVE = "eve"


@dataclass(frozen=True)
class Holiday:
    date: dt.date
    key: str
    name: Promise
    kind: str  # PUBLIC or EVE


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Day (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _first_weekday_on_or_after(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


@lru_cache(maxsize=256)
def holidays(year: int) -> tuple[Holiday, ...]:
    """All Swedish public holidays and de facto holiday eves of ``year``, in date order."""
    easter = easter_sunday(year)
    midsummer_day = _first_weekday_on_or_after(dt.date(year, 6, 20), 5)  # Saturday 20–26 June
    all_saints = _first_weekday_on_or_after(dt.date(year, 10, 31), 5)  # Saturday 31 Oct – 6 Nov
    days = [
        Holiday(dt.date(year, 1, 1), "new_years_day", _("New Year's Day"), PUBLIC),
        Holiday(dt.date(year, 1, 6), "epiphany", _("Epiphany"), PUBLIC),
        Holiday(easter - dt.timedelta(days=2), "good_friday", _("Good Friday"), PUBLIC),
        Holiday(easter - dt.timedelta(days=1), "easter_saturday", _("Easter Saturday"), EVE),
        Holiday(easter, "easter_day", _("Easter Day"), PUBLIC),
        Holiday(easter + dt.timedelta(days=1), "easter_monday", _("Easter Monday"), PUBLIC),
        Holiday(dt.date(year, 5, 1), "may_day", _("May Day"), PUBLIC),
        Holiday(easter + dt.timedelta(days=39), "ascension_day", _("Ascension Day"), PUBLIC),
        Holiday(easter + dt.timedelta(days=48), "whitsun_eve", _("Whitsun Eve"), EVE),
        Holiday(easter + dt.timedelta(days=49), "whit_sunday", _("Whit Sunday"), PUBLIC),
        Holiday(dt.date(year, 6, 6), "national_day", _("National Day of Sweden"), PUBLIC),
        Holiday(midsummer_day - dt.timedelta(days=1), "midsummer_eve", _("Midsummer Eve"), EVE),
        Holiday(midsummer_day, "midsummer_day", _("Midsummer Day"), PUBLIC),
        Holiday(all_saints, "all_saints_day", _("All Saints' Day"), PUBLIC),
        Holiday(dt.date(year, 12, 24), "christmas_eve", _("Christmas Eve"), EVE),
        Holiday(dt.date(year, 12, 25), "christmas_day", _("Christmas Day"), PUBLIC),
        Holiday(dt.date(year, 12, 26), "boxing_day", _("Boxing Day"), PUBLIC),
        Holiday(dt.date(year, 12, 31), "new_years_eve", _("New Year's Eve"), EVE),
    ]
    return tuple(sorted(days, key=lambda h: h.date))


def holiday_on(day: dt.date) -> Holiday | None:
    """The holiday or holiday eve on ``day``, or None."""
    for h in holidays(day.year):
        if h.date == day:
            return h
    return None


def is_holiday(day: dt.date) -> bool:
    """A public holiday or a de facto holiday eve: units keep their holiday hours."""
    return holiday_on(day) is not None


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not a holiday or holiday eve (a *vardag*)."""
    return day.weekday() < 5 and not is_holiday(day)
