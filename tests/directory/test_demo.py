from __future__ import annotations

import pytest
from django.core.management import call_command

from vardlots.accounts.models import GuardianRelation, Membership, Resident, Role, StaffUser
from vardlots.accounts.personnummer import parse
from vardlots.audit.chain import verify_chain
from vardlots.directory import demo
from vardlots.directory.models import Region, Unit, UnitKind

pytestmark = pytest.mark.django_db


def test_the_21_regions_are_loaded() -> None:
    assert Region.objects.count() == 21
    assert list(Region.objects.values_list("code", flat=True))[:3] == ["01", "03", "04"]
    assert Region.objects.get(code="14").name == "Västra Götalandsregionen"
    assert Region.objects.get(code="25").name == "Region Norrbotten"


def test_seed_is_idempotent_and_complete(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.database_is_empty()
    call_command("seed_demo")
    counts = (Unit.objects.count(), StaffUser.objects.count(), Membership.objects.count(), Resident.objects.count(),
              GuardianRelation.objects.count())
    call_command("seed_demo", verbosity=0)
    assert counts == (Unit.objects.count(), StaffUser.objects.count(), Membership.objects.count(),
                      Resident.objects.count(), GuardianRelation.objects.count())
    assert not demo.database_is_empty()
    for code in ("01", "03"):
        units = Unit.objects.filter(region__code=code)
        assert units.count() >= 6
        assert units.filter(kind=UnitKind.NURSE_ADVICE).count() == 1
    assert set(Membership.objects.values_list("role", flat=True)) == set(Role.values)
    for person in Resident.objects.all():
        assert parse(person.personal_number).canonical == person.personal_number
    guardian = Resident.objects.get(given_name="Gabriella")
    ages = sorted(r.child.age() for r in GuardianRelation.objects.filter(guardian=guardian))
    assert ages[0] < 13 <= ages[1]
    output = capsys.readouterr().out
    assert demo.DEMO_PASSWORD in output and "sjukskoterska" in output and "19860412-9828" in output
    assert verify_chain().ok


def test_demo_staff_can_log_in(client: object) -> None:
    import pyotp
    from django.test import Client

    demo.seed_demo()
    c = Client()
    response = c.post("/konto/personal/logga-in", {"identifier": "sjukskoterska", "password": demo.DEMO_PASSWORD})
    assert response["Location"] == "/konto/personal/kod"
    code = pyotp.TOTP(demo.demo_totp_secret("sjukskoterska")).now()
    assert c.post("/konto/personal/kod", {"code": code})["Location"] == "/konto/personal/"
