"""A region administrator's back office shows and changes only their own region."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import personas, staff_client, unit
from vardlots.accounts.models import Membership, Role
from vardlots.audit.models import AccessLogEntry
from vardlots.directory.models import UnitKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_regions(client: Client) -> dict[str, object]:
    home = unit(UnitKind.HEALTH_CENTRE, region_code="01", name="Vårdcentralen Hemma")
    away = unit(UnitKind.HEALTH_CENTRE, region_code="03", name="Vårdcentralen Borta")
    admin = personas.administrator(at=home)
    nurse_away = personas.nurse(at=away)
    staff_client(client, admin)
    return {"home": home, "away": away, "admin": admin, "nurse_away": nurse_away}


def test_other_regions_units_staff_and_memberships_are_invisible(client: Client, two_regions: dict) -> None:
    away, nurse_away = two_regions["away"], two_regions["nurse_away"]
    units = client.get("/admin/directory/unit/").content.decode()
    assert "Vårdcentralen Hemma" in units and "Vårdcentralen Borta" not in units
    assert client.get(f"/admin/directory/unit/{away.pk}/change/").status_code == 302  # "does not exist"
    assert client.get(f"/admin/accounts/staffuser/{nurse_away.pk}/change/").status_code == 302
    membership = Membership.objects.get(staff=nurse_away)
    assert client.get(f"/admin/accounts/membership/{membership.pk}/change/").status_code == 302


def test_a_unit_of_another_region_cannot_be_chosen(client: Client, two_regions: dict) -> None:
    away = two_regions["away"]
    colleague = personas.nurse(at=two_regions["home"])
    membership = Membership.objects.get(staff=colleague)
    response = client.post(f"/admin/accounts/membership/{membership.pk}/change/", {
        "staff": colleague.pk, "unit": away.pk, "role": Role.DOCTOR, "active": "on",
        "created_at_0": "2026-01-01", "created_at_1": "10:00:00"})
    assert response.status_code == 200  # the form comes back with an error
    membership.refresh_from_db()
    assert membership.unit_id == two_regions["home"].pk and membership.role == Role.NURSE


def test_the_access_log_shows_only_the_own_region(client: Client, two_regions: dict) -> None:
    page = client.get("/admin/audit/accesslogentry/").content.decode()
    away_entries = AccessLogEntry.objects.filter(unit=two_regions["away"])
    for entry in away_entries:
        assert f"/admin/audit/accesslogentry/{entry.pk}/" not in page


def test_staff_without_back_office_rights_get_a_403_not_a_log_in_loop(client: Client) -> None:
    staff_client(client, personas.nurse())
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403
