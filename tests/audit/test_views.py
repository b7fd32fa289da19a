"""Through the real views: staff reads are logged; a resident sees only their own log."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import guardian_with_children, personas, resident_client, staff_client, unit
from vardlots.audit.actions import RESIDENT_DATA_VIEWS, access_resident
from vardlots.audit.models import AccessLogEntry, EntryKind, Purpose

pytestmark = pytest.mark.django_db


def test_staff_resident_view_writes_access_log(client: Client) -> None:
    centre = unit()
    nurse = personas.nurse(centre)
    rut = personas.resident()
    staff_client(client, nurse)
    form = client.get("/konto/personal/invanare")
    assert rut.get_full_name() not in form.content.decode()
    before = AccessLogEntry.objects.filter(kind=EntryKind.READ).count()
    page = client.post("/konto/personal/invanare", {"personal_number": "19900517" + rut.personal_number[8:],
                                                    "unit": centre.pk, "purpose": "care"})
    assert page.status_code == 200
    assert rut.get_full_name() in page.content.decode()
    entry = AccessLogEntry.objects.filter(kind=EntryKind.READ).get()
    assert before == 0
    assert (entry.staff_id, entry.resident_id, entry.unit_id, entry.role, entry.purpose) == (
        nurse.pk, rut.pk, centre.pk, "nurse", "care")


def test_staff_resident_view_refuses_other_unit(client: Client) -> None:
    centre, other = unit(), unit()
    nurse = personas.nurse(centre)
    rut = personas.resident()
    staff_client(client, nurse)
    page = client.post("/konto/personal/invanare", {"personal_number": rut.personal_number,
                                                    "unit": other.pk, "purpose": "care"})
    assert page.status_code == 200  # the unit is not a choice for this nurse
    assert rut.get_full_name() not in page.content.decode()
    assert not AccessLogEntry.objects.filter(kind=EntryKind.READ).exists()


def test_every_registered_staff_resident_view_logs(client: Client) -> None:
    """Every accounts view registered with @shows_resident_data writes one entry per display.

    Other apps register their views in the same registry and exercise them in their own tests.
    """
    assert "accounts:staff_resident" in RESIDENT_DATA_VIEWS
    centre = unit()
    doctor = personas.doctor(centre)
    rut = personas.resident()
    staff_client(client, doctor)
    requests = {
        "accounts:staff_resident": {"personal_number": rut.personal_number, "unit": centre.pk, "purpose": "care"},
    }
    for name in [n for n in RESIDENT_DATA_VIEWS if n.startswith("accounts:")]:
        before = AccessLogEntry.objects.filter(kind=EntryKind.READ, resident=rut).count()
        response = client.post(reverse(name), requests[name])
        assert rut.get_full_name() in response.content.decode()
        assert AccessLogEntry.objects.filter(kind=EntryKind.READ, resident=rut).count() == before + 1


def test_resident_sees_who_read_their_data_and_nothing_else(client: Client) -> None:
    centre = unit(name="Vårdcentral Test")
    nurse = personas.nurse(centre)
    rut = personas.resident()
    other = personas.guardian().guardian
    access_resident(nurse, rut, Purpose.CARE, centre)
    doctor = personas.doctor(centre)
    access_resident(doctor, other, Purpose.CARE, centre)
    resident_client(client, rut)
    page = client.get("/logg/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Nina Nurse" in page and "Vårdcentral Test" in page and "Care and treatment" in page
    assert "Dan Doctor" not in page
    assert "Nurse" in page  # role label


def test_guardian_acting_for_child_sees_childs_log(client: Client) -> None:
    family = guardian_with_children()
    centre = unit()
    doctor = personas.doctor(centre)
    nurse = personas.nurse(centre)
    access_resident(doctor, family.young_child, Purpose.CARE, centre)
    access_resident(nurse, family.guardian, Purpose.CARE, centre)
    resident_client(client, family.guardian)
    own = client.get("/logg/").content.decode()
    assert "Nina Nurse" in own and "Dan Doctor" not in own
    client.post("/konto/agera-for", {"child": family.young_child.pk})
    child_log = client.get("/logg/").content.decode()
    assert "Dan Doctor" in child_log and "Nina Nurse" not in child_log


def test_log_needs_login(client: Client) -> None:
    assert client.get("/logg/")["Location"] == "/konto/logga-in?next=%2Flogg%2F"


def test_staff_session_cannot_see_resident_log(client: Client) -> None:
    staff_client(client, personas.nurse())
    assert client.get("/logg/")["Location"].startswith("/konto/logga-in")


def test_repeated_reads_by_one_person_on_one_case_are_one_row() -> None:
    import datetime as dt

    from django.utils import timezone

    from vardlots.audit.models import AccessLogEntry
    from vardlots.audit.views import group_reads

    now = timezone.now()

    def entry(minutes: int, staff: str = "Nina", case: int | None = 1) -> AccessLogEntry:
        return AccessLogEntry(at=now - dt.timedelta(minutes=minutes), staff_name=staff, role="nurse",
                              unit_name="VC", purpose="care", case_id=case)

    newest_first = [entry(0), entry(2), entry(5), entry(30), entry(31, staff="Dan"), entry(32, case=2)]
    groups = group_reads(newest_first)
    assert [len(g) for g in groups] == [3, 1, 1, 1]
