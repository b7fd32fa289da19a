"""Swedish personal identity numbers (personnummer) and coordination numbers (samordningsnummer).

Pure Python apart from lazy gettext for the error messages (no database, no settings).

Accepted input forms (surrounding whitespace ignored)::

    YYMMDD-NNNC   YYMMDD+NNNC   YYMMDDNNNC        10 digits; century from a reference date,
                                                  "+" means the person is 100 years or older
    YYYYMMDD-NNNC YYYYMMDDNNNC                    12 digits, century explicit

``NNN`` is the birth number (its last digit odd for men, even for women), ``C`` the Luhn check
digit computed over the 10-digit form. A coordination number adds 60 to the day of birth.
The canonical stored form is the 12-digit ``YYYYMMDDNNNC``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

_PATTERN = re.compile(
    r"^(?P<century>[0-9]{2})?(?P<yy>[0-9]{2})(?P<mm>[0-9]{2})(?P<dd>[0-9]{2})(?P<sep>[-+]?)(?P<serial>[0-9]{3})(?P<check>[0-9])$"
)


class ErrorCode(StrEnum):
    EMPTY = "empty"
    FORMAT = "format"
    SEPARATOR = "separator"
    DATE = "date"
    FUTURE = "future"
    SERIAL = "serial"
    CHECKSUM = "checksum"


_MESSAGES: dict[ErrorCode, Promise] = {
    ErrorCode.EMPTY: _("Enter a personal identity number."),
    ErrorCode.FORMAT: _(
        "A personal identity number has 10 or 12 digits, for example YYYYMMDD-NNNN or YYMMDD-NNNN."
    ),
    ErrorCode.SEPARATOR: _(
        "The plus sign (+) is only used in the 10-digit form, for people aged 100 or more."
    ),
    ErrorCode.DATE: _("The date of birth in the personal identity number does not exist."),
    ErrorCode.FUTURE: _("The date of birth in the personal identity number is in the future."),
    ErrorCode.SERIAL: _("The birth number (the three digits after the date) cannot be 000."),
    ErrorCode.CHECKSUM: _(
        "The last digit (check digit) does not match. Check that the number is typed correctly."
    ),
}


class PersonnummerError(ValueError):
    """A specific reason why a string is not a valid personal identity number."""

    def __init__(self, code: ErrorCode) -> None:
        self.code = code
        super().__init__(code.value)

    @property
    def message(self) -> str:
        return str(_MESSAGES[self.code])


class Sex(StrEnum):
    FEMALE = "F"
    MALE = "M"


def luhn_check_digit(nine_digits: str) -> int:
    """Luhn check digit over the first nine digits of the 10-digit form."""
    total = 0
    for index, char in enumerate(nine_digits):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


@dataclass(frozen=True)
class Personnummer:
    """A validated number. ``year``/``month``/``day`` are as written (day + 60 for coordination)."""

    year: int
    month: int
    day: int
    serial: str
    check: int

    @property
    def is_coordination_number(self) -> bool:
        return self.day > 60

    @property
    def birth_date(self) -> dt.date:
        return dt.date(self.year, self.month, self.day - 60 if self.is_coordination_number else self.day)

    @property
    def canonical(self) -> str:
        """The stored 12-digit form, ``YYYYMMDDNNNC``."""
        return f"{self.year:04d}{self.month:02d}{self.day:02d}{self.serial}{self.check}"

    @property
    def long_form(self) -> str:
        """``YYYYMMDD-NNNC``, for display where the full number is needed."""
        return f"{self.year:04d}{self.month:02d}{self.day:02d}-{self.serial}{self.check}"

    @property
    def masked(self) -> str:
        """``YYYYMMDD-****``: the date part only, for display where the full number is not needed."""
        return f"{self.year:04d}{self.month:02d}{self.day:02d}-****"

    @property
    def legal_sex(self) -> Sex:
        return Sex.MALE if int(self.serial[-1]) % 2 else Sex.FEMALE

    def age(self, on: dt.date) -> int:
        born = self.birth_date
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    def short_form(self, on: dt.date) -> str:
        """The 10-digit form with the separator valid on ``on`` (``+`` from the 100th birthday)."""
        sep = "+" if self.age(on) >= 100 else "-"
        return f"{self.year % 100:02d}{self.month:02d}{self.day:02d}{sep}{self.serial}{self.check}"

    def __str__(self) -> str:
        return self.long_form


def parse(value: str, *, today: dt.date | None = None) -> Personnummer:
    """Parse and validate; raise :class:`PersonnummerError` with a specific code.

    ``today`` is the reference date for 10-digit numbers (which century) and for rejecting
    future dates; it defaults to the current local date.
    """
    text = (value or "").strip()
    if not text:
        raise PersonnummerError(ErrorCode.EMPTY)
    match = _PATTERN.match(text)
    if match is None:
        raise PersonnummerError(ErrorCode.FORMAT)
    ref = today or dt.date.today()
    yy, mm, dd = int(match["yy"]), int(match["mm"]), int(match["dd"])
    sep = match["sep"]
    real_day = dd - 60 if dd > 60 else dd
    if match["century"] is not None:
        if sep == "+":
            raise PersonnummerError(ErrorCode.SEPARATOR)
        year = int(match["century"]) * 100 + yy
    else:
        year = ref.year - ref.year % 100 + yy
        if (year, mm, real_day) > (ref.year, ref.month, ref.day):
            year -= 100
        if sep == "+":
            year -= 100
    if not 1 <= dd <= 31 and not 61 <= dd <= 91:
        raise PersonnummerError(ErrorCode.DATE)
    try:
        born = dt.date(year, mm, real_day)
    except ValueError:
        raise PersonnummerError(ErrorCode.DATE) from None
    if born > ref:
        raise PersonnummerError(ErrorCode.FUTURE)
    serial = match["serial"]
    if serial == "000":
        raise PersonnummerError(ErrorCode.SERIAL)
    check = int(match["check"])
    if luhn_check_digit(f"{yy:02d}{mm:02d}{dd:02d}{serial}") != check:
        raise PersonnummerError(ErrorCode.CHECKSUM)
    return Personnummer(year=year, month=mm, day=dd, serial=serial, check=check)


def is_valid(value: str, *, today: dt.date | None = None) -> bool:
    try:
        parse(value, today=today)
    except PersonnummerError:
        return False
    return True


def canonical(value: str, *, today: dt.date | None = None) -> str:
    return parse(value, today=today).canonical


def mask(canonical_value: str) -> str:
    """Mask a stored 12-digit number for display: ``19900101-****``."""
    return f"{canonical_value[:8]}-****"


def build(born: dt.date, serial: str, *, coordination: bool = False) -> Personnummer:
    """Make a valid number (correct check digit) for a date and birth number; for tests and demo data."""
    if len(serial) != 3 or not serial.isdigit() or serial == "000":
        raise ValueError("serial must be three digits, not 000")
    day = born.day + 60 if coordination else born.day
    check = luhn_check_digit(f"{born.year % 100:02d}{born.month:02d}{day:02d}{serial}")
    return Personnummer(year=born.year, month=born.month, day=day, serial=serial, check=check)
