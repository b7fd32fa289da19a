"""The access log's hash chain: append-only, and `audit verify` catches altered, removed or reordered rows."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from tests.factories import personas, unit
from vardlots.audit.actions import access_resident, do_record_security_event
from vardlots.audit.chain import GENESIS_HASH, verify_chain
from vardlots.audit.models import AccessLogEntry, AppendOnlyError, EntryKind, Purpose
from vardlots.directory.models import UnitKind

pytestmark = pytest.mark.django_db(transaction=False)


def _reads(n: int = 3) -> list[AccessLogEntry]:
    centre = unit(UnitKind.HEALTH_CENTRE)
    nurse = personas.nurse(centre)
    rut = personas.resident()
    for _ in range(n):
        access_resident(nurse, rut, Purpose.CARE, centre, case=42)
    return list(AccessLogEntry.objects.order_by("seq"))


def test_entries_are_linked() -> None:
    entries = _reads()
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
    read = entries[-1]
    assert (read.kind, read.role, read.purpose, read.case_id) == (EntryKind.READ, "nurse", "care", "42")
    assert verify_chain().ok


def test_access_needs_a_role_in_the_unit() -> None:
    centre, elsewhere = unit(), unit()
    nurse = personas.nurse(centre)
    manager = personas.administrator(unit(region_code="03"))
    rut = personas.resident()
    before = AccessLogEntry.objects.count()
    with pytest.raises(PermissionDenied):
        access_resident(nurse, rut, Purpose.CARE, elsewhere)
    with pytest.raises(PermissionDenied):
        access_resident(manager, rut, Purpose.CARE, centre)  # region admin of another region
    with pytest.raises(PermissionDenied):
        access_resident(nurse, rut, "curiosity", centre)
    assert AccessLogEntry.objects.count() == before


def test_region_wide_role_reaches_other_units_of_region() -> None:
    centre = unit()
    admin = personas.administrator(unit(UnitKind.NURSE_ADVICE))
    entry_count = AccessLogEntry.objects.count()
    access_resident(admin, personas.resident(), Purpose.ADMINISTRATION, centre)
    assert AccessLogEntry.objects.count() == entry_count + 1
    assert AccessLogEntry.objects.order_by("-seq").first().role == "region_admin"  # type: ignore[union-attr]


def test_model_refuses_update_and_delete() -> None:
    entry = _reads(1)[-1]
    entry.purpose = Purpose.QUALITY
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.filter(pk=entry.pk).update(purpose="quality")
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.all().delete()


def _sql(statement: str, params: list[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _verify_exit() -> str:
    with pytest.raises(CommandError) as info:
        call_command("audit", "verify")
    assert info.value.returncode == 1
    return str(info.value)


def test_verify_ok_message(capsys: pytest.CaptureFixture[str]) -> None:
    entries = _reads()
    call_command("audit", "verify")
    assert capsys.readouterr().out.strip() == f"Access log OK: {len(entries)} entries, hash chain intact."


def test_altered_entry_detected() -> None:
    entries = _reads()
    victim = entries[-2]
    _sql("UPDATE audit_accesslogentry SET purpose = %s WHERE seq = %s", ["quality", victim.seq])
    assert verify_chain().first_broken_seq == victim.seq
    assert f"BROKEN at entry {victim.seq}" in _verify_exit()


def test_altered_entry_with_recomputed_own_hash_detected() -> None:
    from vardlots.audit.chain import compute_hash

    entries = _reads()
    victim = entries[1]
    victim.staff_name = "Someone Else"
    forged = compute_hash(victim, victim.prev_hash)
    _sql("UPDATE audit_accesslogentry SET staff_name = %s, hash = %s WHERE seq = %s",
         ["Someone Else", forged, victim.seq])
    assert verify_chain().first_broken_seq == victim.seq + 1


def test_deleted_entry_detected() -> None:
    entries = _reads()
    victim = entries[2]
    _sql("DELETE FROM audit_accesslogentry WHERE seq = %s", [victim.seq])
    report = verify_chain()
    assert (report.ok, report.first_broken_seq) == (False, victim.seq)
    assert "missing" in _verify_exit()


def test_deleted_last_entry_detected() -> None:
    entries = _reads()
    _sql("DELETE FROM audit_accesslogentry WHERE seq = %s", [entries[-1].seq])
    assert verify_chain().first_broken_seq == entries[-1].seq
    _verify_exit()


def test_reordered_entries_detected() -> None:
    entries = _reads()
    a, b = entries[1], entries[2]
    _sql("UPDATE audit_accesslogentry SET seq = %s WHERE seq = %s", [999999, a.seq])
    _sql("UPDATE audit_accesslogentry SET seq = %s WHERE seq = %s", [a.seq, b.seq])
    _sql("UPDATE audit_accesslogentry SET seq = %s WHERE seq = %s", [b.seq, 999999])
    assert verify_chain().first_broken_seq == a.seq
    _verify_exit()


def test_security_events_are_in_the_chain() -> None:
    nurse = personas.nurse()
    entry = do_record_security_event(EntryKind.LOGIN_FAILED, staff=nurse, detail={"reason": "x"})
    assert entry.purpose == Purpose.SECURITY
    with pytest.raises(ValueError):
        do_record_security_event(EntryKind.READ, staff=nurse)
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_stay_linear() -> None:
    import threading

    from django.db import connections

    from tests.concurrency import join_all

    centre = unit()
    nurse = personas.nurse(centre)
    rut = personas.resident()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(5):
                access_resident(nurse, rut, Purpose.CARE, centre)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith("file:memorydb"):
        pytest.skip("in-memory SQLite is one connection; the lock is exercised on file SQLite/PostgreSQL")
    threads = [threading.Thread(target=worker, name=f"appender-{i}", daemon=True) for i in range(4)]
    for thread in threads:
        thread.start()
    join_all(threads, 60, errors=lambda: errors)
    assert errors == []
    report = verify_chain()
    assert report.ok
    assert AccessLogEntry.objects.filter(kind=EntryKind.READ).count() == 20
