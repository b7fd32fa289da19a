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


# --- every back-office list, form and object of region B is absent for region A's administrator ---

def _page(client: Client, url: str, **params: str) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _missing(client: Client, url: str) -> None:
    """The admin answers an object outside the queryset like one that does not exist."""
    response = client.get(url)
    assert response.status_code in (302, 403, 404), (url, response.status_code)
    if response.status_code == 302:
        assert response["Location"] in ("/admin/", "/admin/" + url.split("/admin/")[1].split("/")[0] + "/"), response


@pytest.fixture
def region_b(two_regions: dict) -> dict[str, object]:
    from tests import factories
    from tests.cases.helpers import triage_session
    from vardlots.accounts.models import LoginAttempt
    from vardlots.booking.models import Schedule
    from vardlots.cases import actions as cases
    from vardlots.cases.models import CaseKind

    home, away = two_regions["home"], two_regions["away"]
    nurse_home = personas.nurse(at=home)
    pool_home = unit(UnitKind.NURSE_ADVICE, region_code="01", name="1177 Hemma")
    listed_away = factories.resident(given_name="Bodil", listed_unit=away)
    listed_home = factories.resident(given_name="Hanna", listed_unit=home)
    cared_home = factories.resident(given_name="Kerstin", listed_unit=away)  # has a case in region A
    cases.do_create_case_from_triage(triage_session(cared_home), queue=cases.queue_of(pool_home, CaseKind.CARE))
    LoginAttempt.objects.create(account=two_regions["nurse_away"].hsa_id, ip_address="10.0.0.2", succeeded=False)
    LoginAttempt.objects.create(account=nurse_home.hsa_id, ip_address="10.0.0.1", succeeded=False)
    schedule_away = Schedule.objects.create(unit=away, name="Schema Borta", staff=two_regions["nurse_away"])
    return {**two_regions, "nurse_home": nurse_home, "listed_away": listed_away, "listed_home": listed_home,
            "cared_home": cared_home, "schedule_away": schedule_away}


def test_regions_only_the_own_and_its_code_is_fixed(client: Client, region_b: dict) -> None:
    from vardlots.directory.models import Region

    home_region, away_region = region_b["home"].region, region_b["away"].region
    page = _page(client, "/admin/directory/region/")
    assert home_region.name in page and away_region.name not in page
    assert Region.objects.count() > 2 and "Region Gotland" not in page
    _missing(client, f"/admin/directory/region/{away_region.pk}/change/")
    client.post(f"/admin/directory/region/{away_region.pk}/change/", {"code": "99", "name": "Kapad"})
    away_region.refresh_from_db()
    assert (away_region.code, away_region.name) == ("03", "Region Uppsala")
    client.post(f"/admin/directory/region/{home_region.pk}/change/", {"code": "98", "name": "Region Hemma"})
    home_region.refresh_from_db()
    assert (home_region.code, home_region.name) == ("01", "Region Hemma")  # renamed, never re-coded


def test_residents_by_listing_or_case_relation(client: Client, region_b: dict) -> None:
    away_person, home_person, cared = region_b["listed_away"], region_b["listed_home"], region_b["cared_home"]
    assert away_person.masked_personal_number not in _page(client, "/admin/accounts/resident/",
                                                           q=away_person.personal_number)
    _missing(client, f"/admin/accounts/resident/{away_person.pk}/change/")
    client.post(f"/admin/accounts/resident/{away_person.pk}/change/", {
        "personal_number": away_person.personal_number, "given_name": "Ändrad", "family_name": "X",
        "phone": "", "email": "", "guardian_relations_as_child-TOTAL_FORMS": "0",
        "guardian_relations_as_child-INITIAL_FORMS": "0"})
    away_person.refresh_from_db()
    assert away_person.given_name == "Bodil"
    assert not AccessLogEntry.objects.filter(resident=away_person).exists()
    for person in (home_person, cared):
        assert person.masked_personal_number in _page(client, "/admin/accounts/resident/", q=person.personal_number)
        assert person.get_full_name() in _page(client, f"/admin/accounts/resident/{person.pk}/change/")


def test_a_resident_cannot_be_listed_in_another_region(client: Client, region_b: dict) -> None:
    person = region_b["listed_home"]
    page = _page(client, f"/admin/accounts/resident/{person.pk}/change/")
    assert "Vårdcentralen Borta" not in page
    from tests.audit.test_admin import form_values

    values = form_values(page)
    values["listed_unit"] = str(region_b["away"].pk)
    response = client.post(f"/admin/accounts/resident/{person.pk}/change/", values)
    assert response.status_code == 200  # back with an error
    person.refresh_from_db()
    assert person.listed_unit == region_b["home"]


def test_login_attempts_only_of_the_own_regions_staff(client: Client, region_b: dict) -> None:
    page = _page(client, "/admin/accounts/loginattempt/")
    assert region_b["nurse_home"].hsa_id in page
    assert region_b["nurse_away"].hsa_id not in page and "10.0.0.2" not in page


def test_schedules_staff_choices_and_filters_stay_in_the_region(client: Client, region_b: dict) -> None:
    from vardlots.booking.models import Schedule

    schedule_away, nurse_away = region_b["schedule_away"], region_b["nurse_away"]
    page = _page(client, "/admin/booking/schedule/")
    assert "Schema Borta" not in page and "Region Uppsala" not in page
    _missing(client, f"/admin/booking/schedule/{schedule_away.pk}/change/")
    add = _page(client, "/admin/booking/schedule/add/")
    assert region_b["nurse_home"].hsa_id in add
    assert nurse_away.hsa_id not in add and "Vårdcentralen Borta" not in add
    response = client.post("/admin/booking/schedule/add/", {
        "unit": region_b["home"].pk, "name": "Nytt", "staff": nurse_away.pk, "active": "on",
        "templates-TOTAL_FORMS": "0", "templates-INITIAL_FORMS": "0",
        "exceptions-TOTAL_FORMS": "0", "exceptions-INITIAL_FORMS": "0"})
    assert response.status_code == 200 and not Schedule.objects.filter(name="Nytt").exists()
    for url in ("/admin/directory/unit/", "/admin/accounts/membership/", "/admin/accounts/staffuser/",
                "/admin/directory/routingtable/"):
        assert "Region Uppsala" not in _page(client, url), url


def test_a_colleagues_role_in_another_region_is_not_shown_or_editable(client: Client, region_b: dict) -> None:
    from vardlots.accounts.actions import do_grant_role

    both = region_b["nurse_home"]
    do_grant_role(both, region_b["away"], Role.DOCTOR)
    page = _page(client, f"/admin/accounts/staffuser/{both.pk}/change/")
    assert "Vårdcentralen Hemma" in page and "Vårdcentralen Borta" not in page
    assert 'name="memberships-TOTAL_FORMS" value="1"' in page
    _missing(client, f"/admin/accounts/membership/{Membership.objects.get(staff=both, role=Role.DOCTOR).pk}/change/")


def test_a_superuser_sees_every_region(region_b: dict) -> None:
    from tests.cases.helpers import staff_login
    from vardlots.accounts.models import StaffUser

    root = StaffUser.objects.create_superuser("SE2321000016-ROOT", "x" * 20, username="root")
    client = staff_login(Client(), root)
    assert "Region Uppsala" in _page(client, "/admin/directory/region/")
    assert region_b["nurse_away"].hsa_id in _page(client, "/admin/accounts/loginattempt/")
    assert "Schema Borta" in _page(client, "/admin/booking/schedule/")
    assert region_b["nurse_away"].hsa_id in _page(client, "/admin/booking/schedule/add/")
    assert "Region Uppsala" in _page(client, f"/admin/directory/region/{region_b['away'].region.pk}/change/")
