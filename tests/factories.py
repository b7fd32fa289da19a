"""Test data through the real actions, and named personas others can reuse.

    nurse = personas.nurse()          # a nurse at a health centre, TOTP confirmed
    staff_client(client, nurse)       # log in through the real password + TOTP views
    resident_client(client, resident) # log in through the real test e-ID views
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import pyotp
from django.test import Client
from django.utils import timezone

from vardlots.accounts import actions, personnummer
from vardlots.accounts.models import GuardianRelation, Resident, Role, StaffUser
from vardlots.directory.actions import do_upsert_unit
from vardlots.directory.models import Region, Unit, UnitKind

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def region(code: str = "01") -> Region:
    """One of the 21 regions (loaded by a data migration; a transactional test's flush removes
    them, so they are put back here when missing)."""
    import importlib

    regions = dict(importlib.import_module("vardlots.directory.migrations.0002_regions").REGIONS)
    found, _created = Region.objects.get_or_create(code=code, defaults={"name": regions[code]})
    return found


def unit(kind: str = UnitKind.HEALTH_CENTRE, *, region_code: str = "01", name: str | None = None) -> Unit:
    n = next(_counter)
    return do_upsert_unit(region=region(region_code), hsa_id=f"SE2321000016-T{n:04d}", kind=kind,
                          name=name or f"Test unit {n}", municipality="Stockholm", phone="08-000 00 00")


def staff(role: str, at: Unit | None = None, *, given_name: str = "Test", family_name: str | None = None,
          totp: bool = True) -> StaffUser:
    n = next(_counter)
    member = actions.do_create_staff(
        hsa_id=f"SE2321000016-S{n:04d}", username=f"user{n}", given_name=given_name,
        family_name=family_name or f"Staff{n}", password=PASSWORD,
        totp_secret=pyotp.random_base32() if totp else "", totp_confirmed=totp,
    )
    actions.do_grant_role(member, at or unit(), role)
    return member


def born_years_ago(years: int, *, days: int = 10) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - dt.timedelta(days=days)


def resident(*, born: dt.date | None = None, given_name: str = "Test", family_name: str | None = None,
             listed_unit: Unit | None = None) -> Resident:
    n = next(_counter)
    number = personnummer.build(born or dt.date(1980, 1, 1) + dt.timedelta(days=n), f"{(n % 998) + 1:03d}")
    return actions.do_register_resident(personal_number=number.canonical, given_name=given_name,
                                        family_name=family_name or f"Resident{n}", listed_unit=listed_unit,
                                        phone="070-000 00 00", email=f"r{n}@example.org")


@dataclass
class Family:
    guardian: Resident
    young_child: Resident  # under 13: the guardian may act for them
    teenager: Resident  # 13 or older: may not


def guardian_with_children() -> Family:
    guardian = resident(born=born_years_ago(40), given_name="Gun")
    young = resident(born=born_years_ago(6), given_name="Ylva")
    teen = resident(born=born_years_ago(14), given_name="Tore")
    for child in (young, teen):
        actions.do_add_guardian_relation(guardian, child, source=GuardianRelation.Source.MANUAL)
    return Family(guardian, young, teen)


class personas:  # a namespace of named test persons
    @staticmethod
    def nurse(at: Unit | None = None) -> StaffUser:
        return staff(Role.NURSE, at, given_name="Nina", family_name="Nurse")

    @staticmethod
    def doctor(at: Unit | None = None) -> StaffUser:
        return staff(Role.DOCTOR, at, given_name="Dan", family_name="Doctor")

    @staticmethod
    def administrator(at: Unit | None = None) -> StaffUser:
        """A region administrator (back office)."""
        return staff(Role.REGION_ADMIN, at, given_name="Ada", family_name="Admin")

    @staticmethod
    def resident() -> Resident:
        return resident(born=dt.date(1990, 5, 17), given_name="Rut", family_name="Resident")

    @staticmethod
    def guardian() -> Family:
        return guardian_with_children()


def totp_now(member: StaffUser, *, offset_steps: int = 0) -> str:
    totp = pyotp.TOTP(member.totp_secret)
    return totp.at(timezone.now() + dt.timedelta(seconds=totp.interval * offset_steps))


def staff_client(client: Client, member: StaffUser) -> Client:
    """Log ``member`` in through the real views: password, then a TOTP code."""
    response = client.post("/konto/personal/logga-in", {"identifier": member.hsa_id, "password": PASSWORD})
    assert response.status_code == 302, response.content
    member.refresh_from_db()
    response = client.post("/konto/personal/kod", {"code": totp_now(member)})
    assert response.status_code == 302, response.content
    return client


def resident_client(client: Client, person: Resident) -> Client:
    """Log ``person`` in through the real test e-ID views: start, identify in the test app, collect."""
    assert client.post("/konto/logga-in", {"next": "/konto/"}).status_code == 302
    assert client.post("/konto/logga-in/test-app", {"resident": person.pk}).status_code == 302
    response = client.get("/konto/logga-in/vantar")
    assert response.status_code == 302 and response["Location"] == "/konto/", response
    return client
