"""Import and export of units: round trip, row-level errors, all-or-nothing."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from tests.directory.helpers import at
from vardlots.directory.hours import is_open
from vardlots.directory.importer import ImportFailed, do_import_units, export_units
from vardlots.directory.models import OpeningHours, Unit

pytestmark = pytest.mark.django_db

HEADER = ("hsa_id,region,kind,name,street_address,postal_code,city,municipality,phone,web,latitude,longitude,"
          "active,step_free_entrance,accessibility_note,hours,chat_hours,eservices,care\n")
GOOD = HEADER + (
    'SE1-A,01,health_centre,Vårdcentral A,Gatan 1,111 21,Stockholm,Stockholm,08-1,https://a.example,59.3,18.0,'
    'yes,yes,Ramp,mon-fri 08:00-17:00,mon-fri 08:00-16:00,chat|book_appointment,*:0-\n'
    "SE1-B,03,emergency,Akuten B,,,Uppsala,Uppsala,,,,,,,,daily 00:00-24:00,,,\n"
)


def test_csv_import_creates_units_with_hours_and_services() -> None:
    result = do_import_units(GOOD, "csv")
    assert (result.created, result.updated) == (2, 0)
    a = Unit.objects.get(hsa_id="SE1-A")
    assert a.region.code == "01" and a.step_free_entrance is True and a.latitude == 59.3
    assert sorted(a.eservices.values_list("kind", flat=True)) == ["book_appointment", "chat"]
    assert is_open(a, at(2026, 6, 17, 16, 30)) and not is_open(a, at(2026, 6, 20, 10))
    b = Unit.objects.get(hsa_id="SE1-B")
    assert is_open(b, at(2026, 12, 24, 3))
    again = do_import_units(GOOD, "csv")
    assert (again.created, again.updated) == (0, 2)


def test_export_then_import_is_a_round_trip() -> None:
    do_import_units(GOOD, "csv")
    for fmt in ("csv", "json"):
        exported = export_units(fmt)
        before = sorted(OpeningHours.objects.values_list("unit__hsa_id", "channel", "day", "opens", "closes"))
        result = do_import_units(exported, fmt)
        assert result.updated == 2 and result.created == 0
        assert sorted(OpeningHours.objects.values_list("unit__hsa_id", "channel", "day", "opens", "closes")) == before
    assert json.loads(export_units("json"))["units"][0]["hours"].startswith("mon 08:00-17:00")


def test_malformed_rows_give_row_level_errors_and_change_nothing() -> None:
    do_import_units(GOOD, "csv")
    before = list(Unit.objects.order_by("hsa_id").values())
    bad = HEADER + (
        "SE1-A,01,health_centre,Changed name,,,,,,,,,,,,,,,\n"  # fine on its own
        "SE1-C,99,hospital,,,,,,,,91,x,maybe,,,mon-fri 8-17,,teleport,*:9-3\n"
        "SE1-A,01,pharmacy,Duplicate,,,,,,,,,,,,,,,\n"
    )
    with pytest.raises(ImportFailed) as failed:
        do_import_units(bad, "csv")
    got = {(e.row, e.field) for e in failed.value.errors}
    assert {(2, "region"), (2, "kind"), (2, "name"), (2, "latitude"), (2, "longitude"), (2, "active"),
            (2, "hours"), (2, "eservices"), (2, "care"), (3, "hsa_id")} <= got
    assert (1, "name") not in got
    assert list(Unit.objects.order_by("hsa_id").values()) == before  # nothing changed, not even row 1
    assert str(failed.value.errors[0]).startswith("row 2, ")


def test_malformed_json() -> None:
    with pytest.raises(ImportFailed) as failed:
        do_import_units("{not json", "json")
    assert "not valid JSON" in failed.value.errors[0].message
    with pytest.raises(ImportFailed) as failed:
        do_import_units(json.dumps({"units": [{"hsa_id": "X", "region": "01", "kind": "pharmacy", "name": "P",
                                               "colour": "red"}, "nope"]}), "json")
    assert {(e.row, e.field) for e in failed.value.errors} == {(1, "colour"), (2, "-")}
    assert not Unit.objects.exists()


def test_management_commands(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "units.csv"
    path.write_text(GOOD, encoding="utf-8")
    call_command("import_units", str(path))
    assert "2 new" in capsys.readouterr().out
    call_command("export_units", "--format", "json", "--region", "03")
    assert '"SE1-B"' in capsys.readouterr().out
    path.write_text(HEADER + "X,01,nope,N,,,,,,,,,,,,,,,\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_units", str(path))
    assert "row 1, kind" in capsys.readouterr().err
