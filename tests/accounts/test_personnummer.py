from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from vardlots.accounts import personnummer
from vardlots.accounts.personnummer import ErrorCode, PersonnummerError, Sex, luhn_check_digit, parse

TODAY = dt.date(2026, 11, 22)


def test_known_number_all_forms() -> None:
    for text in ["198112189876", "19811218-9876", "811218-9876", "8112189876", " 811218-9876 "]:
        pnr = parse(text, today=TODAY)
        assert pnr.canonical == "198112189876"
        assert pnr.long_form == "19811218-9876"
        assert pnr.masked == "19811218-****"
        assert pnr.birth_date == dt.date(1981, 12, 18)
        assert pnr.legal_sex == Sex.MALE
        assert pnr.age(TODAY) == 44
        assert pnr.short_form(TODAY) == "811218-9876"
        assert not pnr.is_coordination_number


def test_plus_means_hundred_or_older() -> None:
    pnr = parse("181218+9874", today=TODAY)  # check digit computed below
    assert pnr.year == 1918
    assert pnr.age(TODAY) == 107
    assert pnr.short_form(TODAY) == "181218+9874"
    assert parse("181218-9874", today=TODAY).year == 2018


def test_century_follows_reference_date() -> None:
    # born 22 Nov: on the reference date itself it is this century; the next day it is last century.
    number = personnummer.build(dt.date(2026, 11, 22), "123").short_form(TODAY)
    assert parse(number, today=TODAY).year == 2026
    later = personnummer.build(dt.date(1926, 11, 23), "123")
    assert parse(f"{later.canonical[2:8]}-{later.canonical[8:]}", today=TODAY).year == 1926


def test_coordination_number() -> None:
    pnr = parse("701063-2391", today=TODAY)
    assert pnr.is_coordination_number
    assert pnr.birth_date == dt.date(1970, 10, 3)
    assert pnr.canonical == "197010632391"
    assert pnr.legal_sex == Sex.MALE


def test_female_from_even_digit() -> None:
    assert parse("19860412-9828", today=TODAY).legal_sex == Sex.FEMALE


@pytest.mark.parametrize(("text", "code"), [
    ("", ErrorCode.EMPTY),
    ("   ", ErrorCode.EMPTY),
    ("abc", ErrorCode.FORMAT),
    ("8112189876x", ErrorCode.FORMAT),
    ("811218-987", ErrorCode.FORMAT),
    ("1981121898761", ErrorCode.FORMAT),
    ("811218 9876", ErrorCode.FORMAT),
    ("811218--9876", ErrorCode.FORMAT),
    ("19811218+9876", ErrorCode.SEPARATOR),
    ("811318-9876", ErrorCode.DATE),
    ("810230-9876", ErrorCode.DATE),
    ("810000-9876", ErrorCode.DATE),
    ("811240-9876", ErrorCode.DATE),
    ("811292-9876", ErrorCode.DATE),
    ("20300101-0000", ErrorCode.FUTURE),
    ("811218-0002", ErrorCode.SERIAL),
    ("811218-9875", ErrorCode.CHECKSUM),
])
def test_rejections_have_specific_codes(text: str, code: ErrorCode) -> None:
    with pytest.raises(PersonnummerError) as info:
        parse(text, today=TODAY)
    assert info.value.code == code


def test_messages_in_swedish_and_english() -> None:
    error = PersonnummerError(ErrorCode.CHECKSUM)
    with translation.override("en"):
        assert error.message == ("The last digit (check digit) does not match. "
                                 "Check that the number is typed correctly.")
    for code in ErrorCode:
        with translation.override("en"):
            assert PersonnummerError(code).message


def test_luhn_matches_published_example() -> None:
    # Skatteverket's example 811218-9876
    assert luhn_check_digit("811218987") == 6


# --- properties ------------------------------------------------------------------------------

dates = st.dates(min_value=dt.date(1850, 1, 1), max_value=TODAY)
serials = st.integers(min_value=1, max_value=999).map(lambda n: f"{n:03d}")


@given(born=dates, serial=serials, coordination=st.booleans())
def test_valid_numbers_round_trip(born: dt.date, serial: str, coordination: bool) -> None:
    pnr = personnummer.build(born, serial, coordination=coordination)
    assert parse(pnr.canonical, today=TODAY) == pnr
    assert parse(pnr.long_form, today=TODAY) == pnr
    assert parse(pnr.short_form(TODAY), today=TODAY) == pnr
    assert parse(pnr.short_form(TODAY).replace("-", ""), today=TODAY) == pnr or pnr.age(TODAY) >= 100
    assert pnr.birth_date == born
    assert pnr.is_coordination_number == coordination
    assert pnr.legal_sex == (Sex.MALE if int(serial[-1]) % 2 else Sex.FEMALE)
    assert pnr.masked == pnr.canonical[:8] + "-****"


@given(born=dates, serial=serials, position=st.integers(min_value=2, max_value=11), delta=st.integers(1, 9))
def test_every_single_digit_change_is_rejected(born: dt.date, serial: str, position: int, delta: int) -> None:
    """Changing any one digit of the 10-digit part never yields another valid number."""
    canonical = personnummer.build(born, serial).canonical
    digits = list(canonical)
    digits[position] = str((int(digits[position]) + delta) % 10)
    changed = "".join(digits)
    with pytest.raises(PersonnummerError) as info:
        parse(changed, today=TODAY)
    assert info.value.code in {ErrorCode.CHECKSUM, ErrorCode.DATE, ErrorCode.FUTURE, ErrorCode.SERIAL}
    if info.value.code != ErrorCode.CHECKSUM:
        return
    # when the date is still valid, the checksum is what catches it
    assert luhn_check_digit(changed[2:11]) != int(changed[11])


@given(born=dates, serial=serials)
def test_a_wrong_check_digit_is_a_checksum_error(born: dt.date, serial: str) -> None:
    pnr = personnummer.build(born, serial)
    wrong = (pnr.check + 1) % 10
    with pytest.raises(PersonnummerError) as info:
        parse(f"{pnr.canonical[:11]}{wrong}", today=TODAY)
    assert info.value.code == ErrorCode.CHECKSUM


@given(text=st.text(alphabet="0123456789-+ab ", max_size=16))
def test_never_crashes_and_either_parses_or_names_the_error(text: str) -> None:
    try:
        pnr = parse(text, today=TODAY)
    except PersonnummerError as error:
        assert error.code in set(ErrorCode)
    else:
        assert len(pnr.canonical) == 12 and pnr.canonical.isdigit()


@given(born=dates, serial=serials, extra=st.sampled_from(["", "1", "12", "123"]),
       cut=st.integers(min_value=1, max_value=3))
def test_wrong_length_is_a_format_error(born: dt.date, serial: str, extra: str, cut: int) -> None:
    canonical = personnummer.build(born, serial).canonical
    for text in (canonical + extra if extra else canonical[:-cut], canonical[2:-cut]):
        if len(text) in (10, 12):
            continue
        with pytest.raises(PersonnummerError) as info:
            parse(text, today=TODAY)
        assert info.value.code == ErrorCode.FORMAT


@given(born=dates, serial=serials)
def test_invalid_day_is_a_date_error(born: dt.date, serial: str) -> None:
    pnr = personnummer.build(born, serial)
    text = f"{pnr.canonical[:6]}32{pnr.canonical[8:]}"
    with pytest.raises(PersonnummerError) as info:
        parse(text, today=TODAY)
    assert info.value.code == ErrorCode.DATE
