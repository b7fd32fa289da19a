"""Demo data: two regions' units, staff of every role, test residents. Idempotent.

Everything here is fictitious. Personal identity numbers are built with a valid check digit and
the birth numbers 98x/99x; they are test data and must never be used against real registers.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass

import pyotp
from django.db import transaction

from vardlots.accounts import personnummer
from vardlots.accounts.models import GuardianRelation, Membership, Resident, Role, StaffUser
from vardlots.directory.actions import do_upsert_unit
from vardlots.directory.models import Region, Unit, UnitKind

DEMO_PASSWORD = "vardlots-demo-2026"  # noqa: S105 - printed for testers; demo only


@dataclass(frozen=True)
class DemoUnit:
    region: str
    hsa_id: str
    kind: str
    name: str
    street: str
    postal_code: str
    city: str
    municipality: str
    phone: str


STHLM, UPPSALA = "01", "03"
U = UnitKind
UNITS: list[DemoUnit] = [
    DemoUnit(STHLM, "SE2321000016-DEMO01", U.HEALTH_CENTRE, "Vårdcentral Söderhöjden (demo)",
             "Ringvägen 100", "118 60", "Stockholm", "Stockholm", "08-123 456 01"),
    DemoUnit(STHLM, "SE2321000016-DEMO02", U.HEALTH_CENTRE, "Vårdcentral Norrbacka (demo)",
             "Sankt Eriksgatan 20", "112 39", "Stockholm", "Stockholm", "08-123 456 02"),
    DemoUnit(STHLM, "SE2321000016-DEMO03", U.URGENT_CARE, "Närakut Sjöstaden (demo)",
             "Hammarby allé 5", "120 63", "Stockholm", "Stockholm", "08-123 456 03"),
    DemoUnit(STHLM, "SE2321000016-DEMO04", U.EMERGENCY, "Akutmottagningen Centralsjukhuset (demo)",
             "Sjukhusvägen 1", "171 76", "Solna", "Solna", "08-123 456 04"),
    DemoUnit(STHLM, "SE2321000016-DEMO05", U.CHILD_EMERGENCY, "Barnakuten Centralsjukhuset (demo)",
             "Sjukhusvägen 3", "171 76", "Solna", "Solna", "08-123 456 05"),
    DemoUnit(STHLM, "SE2321000016-DEMO06", U.PSYCHIATRIC_EMERGENCY, "Psykiatrisk akutmottagning Söder (demo)",
             "Sjukhusbacken 10", "118 83", "Stockholm", "Stockholm", "08-123 456 06"),
    DemoUnit(STHLM, "SE2321000016-DEMO07", U.NURSE_ADVICE, "1177 Sjukvårdsrådgivningen Stockholm (demo)",
             "Box 1177", "102 39", "Stockholm", "Stockholm", "1177"),
    DemoUnit(STHLM, "SE2321000016-DEMO08", U.DENTAL_EMERGENCY, "Akuttandvården City (demo)",
             "Drottninggatan 50", "111 21", "Stockholm", "Stockholm", "08-123 456 08"),
    DemoUnit(STHLM, "SE2321000016-DEMO09", U.PHARMACY, "Apoteket Hjärtat City (demo)",
             "Klarabergsgatan 30", "111 21", "Stockholm", "Stockholm", "08-123 456 09"),
    DemoUnit(UPPSALA, "SE2321000024-DEMO01", U.HEALTH_CENTRE, "Vårdcentral Luthagen (demo)",
             "Götgatan 10", "753 15", "Uppsala", "Uppsala", "018-123 401"),
    DemoUnit(UPPSALA, "SE2321000024-DEMO02", U.HEALTH_CENTRE, "Vårdcentral Enköping Centrum (demo)",
             "Kungsgatan 5", "745 31", "Enköping", "Enköping", "0171-123 402"),
    DemoUnit(UPPSALA, "SE2321000024-DEMO03", U.URGENT_CARE, "Närakuten Uppsala (demo)",
             "Kungsgärdets gata 1", "753 09", "Uppsala", "Uppsala", "018-123 403"),
    DemoUnit(UPPSALA, "SE2321000024-DEMO04", U.EMERGENCY, "Akutmottagningen Akademiska (demo)",
             "Sjukhusvägen 10", "751 85", "Uppsala", "Uppsala", "018-123 404"),
    DemoUnit(UPPSALA, "SE2321000024-DEMO05", U.CHILD_EMERGENCY, "Barnakuten Akademiska (demo)",
             "Sjukhusvägen 12", "751 85", "Uppsala", "Uppsala", "018-123 405"),
    DemoUnit(UPPSALA, "SE2321000024-DEMO06", U.PSYCHIATRIC_EMERGENCY, "Psykiatriakuten Uppsala (demo)",
             "Sjukhusvägen 14", "751 85", "Uppsala", "Uppsala", "018-123 406"),
    DemoUnit(UPPSALA, "SE2321000024-DEMO07", U.NURSE_ADVICE, "1177 Sjukvårdsrådgivningen Uppsala (demo)",
             "Box 1177", "751 01", "Uppsala", "Uppsala", "1177"),
    DemoUnit(UPPSALA, "SE2321000024-DEMO08", U.DENTAL_EMERGENCY, "Akuttandvården Uppsala (demo)",
             "Dragarbrunnsgatan 8", "753 20", "Uppsala", "Uppsala", "018-123 408"),
    DemoUnit(UPPSALA, "SE2321000024-DEMO09", U.PHARMACY, "Apoteket Forumgallerian (demo)",
             "Dragarbrunnsgatan 42", "753 20", "Uppsala", "Uppsala", "018-123 409"),
]


@dataclass(frozen=True)
class DemoStaff:
    hsa_id: str
    username: str
    given_name: str
    family_name: str
    title: str
    has_totp: bool  # False: enrols an authenticator app at first log-in
    roles: tuple[tuple[str, str], ...]  # (unit HSA-id, role)


S1, S7 = "SE2321000016-DEMO01", "SE2321000016-DEMO07"
STAFF: list[DemoStaff] = [
    DemoStaff("SE2321000016-P001", "sjukskoterska", "Sara", "Sjöberg", "Sjuksköterska", True,
              ((S1, Role.NURSE), (S7, Role.NURSE))),
    DemoStaff("SE2321000016-P002", "lakare", "Leo", "Lindqvist", "Läkare", True,
              ((S1, Role.DOCTOR),)),
    DemoStaff("SE2321000016-P003", "administrator", "Amira", "Andersson", "Medicinsk sekreterare",
              True, ((S1, Role.ADMIN_STAFF),)),
    DemoStaff("SE2321000016-P004", "chef", "Maja", "Magnusson", "Verksamhetschef", True,
              ((S1, Role.UNIT_MANAGER),)),
    DemoStaff("SE2321000016-P005", "regionadmin", "Rikard", "Rask", "Systemförvaltare", True,
              ((S7, Role.REGION_ADMIN),)),
    DemoStaff("SE2321000016-P006", "redaktor", "Elin", "Ek", "Medicinsk redaktör", True,
              ((S7, Role.CONTENT_EDITOR),)),
    DemoStaff("SE2321000016-P007", "granskare", "Kalle", "Kvist", "Kvalitetsgranskare", True,
              ((S7, Role.QUALITY_REVIEWER),)),
    DemoStaff("SE2321000016-P008", "nyanstalld", "Nora", "Nyström", "Sjuksköterska", False,
              ((S7, Role.NURSE),)),
    DemoStaff("SE2321000024-P001", "uppsala-ssk", "Ulla", "Uggla", "Sjuksköterska", True,
              (("SE2321000024-DEMO07", Role.NURSE), ("SE2321000024-DEMO01", Role.NURSE))),
    DemoStaff("SE2321000024-P002", "uppsala-lakare", "Olof", "Otter", "Läkare", True,
              (("SE2321000024-DEMO01", Role.DOCTOR),)),
    DemoStaff("SE2321000024-P003", "uppsala-admin", "Ines", "Isaksson", "Systemförvaltare",
              True,
              (("SE2321000024-DEMO07", Role.REGION_ADMIN),)),
]


@dataclass(frozen=True)
class DemoResident:
    key: str
    born: dt.date
    serial: str
    given_name: str
    family_name: str
    listed_unit: str
    phone: str
    email: str

    @property
    def personal_number(self) -> str:
        return personnummer.build(self.born, self.serial).canonical


RESIDENTS: list[DemoResident] = [
    DemoResident("guardian", dt.date(1986, 4, 12), "982", "Gabriella", "Grönlund", S1, "070-000 00 01",
                 "gabriella@example.org"),
    DemoResident("child_under_13", dt.date(2018, 9, 3), "985", "Gustav", "Grönlund", S1, "", ""),
    DemoResident("child_13_plus", dt.date(2011, 2, 21), "988", "Greta", "Grönlund", S1, "070-000 00 03", ""),
    DemoResident("adult", dt.date(1990, 1, 1), "991", "Anders", "Ahlgren", S1, "070-000 00 04",
                 "anders@example.org"),
    DemoResident("senior", dt.date(1944, 7, 30), "994", "Siv", "Strand", "SE2321000016-DEMO02",
                 "08-000 00 05", ""),
    DemoResident("uppsala", dt.date(1979, 12, 24), "997", "Ulrik", "Uddén", "SE2321000024-DEMO01",
                 "070-000 00 06", ""),
]


def demo_totp_secret(username: str) -> str:
    """A fixed TOTP secret per demo account (160 bits, base32), so testers can add it once."""
    return base64.b32encode(hashlib.sha256(f"vardlots-demo-{username}".encode()).digest()[:20]).decode()


def database_is_empty() -> bool:
    """True when there are no units, staff or residents: then ``serve`` loads the demo data."""
    return not (Unit.objects.exists() or StaffUser.objects.exists() or Resident.objects.exists())


def seed_demo() -> None:
    """Create or update the demo data. Running it again changes nothing."""
    from vardlots.accounts.actions import (
        do_add_guardian_relation,
        do_create_staff,
        do_grant_role,
        do_register_resident,
    )

    with transaction.atomic():
        regions = {r.code: r for r in Region.objects.filter(code__in=[STHLM, UPPSALA])}
        units: dict[str, Unit] = {}
        for u in UNITS:
            units[u.hsa_id] = do_upsert_unit(
                region=regions[u.region], hsa_id=u.hsa_id, kind=u.kind, name=u.name, street_address=u.street,
                postal_code=u.postal_code, city=u.city, municipality=u.municipality, phone=u.phone,
            )
        for s in STAFF:
            staff = StaffUser.objects.filter(hsa_id=s.hsa_id).first()
            if staff is None:
                staff = do_create_staff(
                    hsa_id=s.hsa_id, username=s.username, given_name=s.given_name, family_name=s.family_name,
                    title=s.title, password=DEMO_PASSWORD,
                    totp_secret=demo_totp_secret(s.username) if s.has_totp else "", totp_confirmed=s.has_totp,
                )
            for unit_hsa, role in s.roles:
                exists = Membership.objects.filter(staff=staff, unit=units[unit_hsa], role=role, active=True)
                if not exists.exists():
                    do_grant_role(staff, units[unit_hsa], role)
        residents: dict[str, Resident] = {}
        for r in RESIDENTS:
            resident = Resident.objects.filter(personal_number=r.personal_number).first()
            if resident is None:
                resident = do_register_resident(
                    personal_number=r.personal_number, given_name=r.given_name, family_name=r.family_name,
                    listed_unit=units[r.listed_unit], phone=r.phone, email=r.email,
                )
            residents[r.key] = resident
        guardian = residents["guardian"]
        for key in ("child_under_13", "child_13_plus"):
            child = residents[key]
            if not GuardianRelation.objects.filter(guardian=guardian, child=child).exists():
                do_add_guardian_relation(guardian, child, source=GuardianRelation.Source.DEMO)


def demo_logins_text() -> str:
    """The demo log-ins, for the console banner and ``seed-demo``."""
    lines = [
        "",
        "Demo log-ins (test data only)",
        "  Residents: click 'Log in' and choose a test person in the TEST e-ID:",
    ]
    for r in RESIDENTS:
        number = personnummer.build(r.born, r.serial).long_form
        lines.append(f"    {r.given_name + ' ' + r.family_name:<20} {number}  ({r.key.replace('_', ' ')})")
    lines += [
        f"  Staff: HSA-id or username, password '{DEMO_PASSWORD}', then a TOTP code.",
        "  Add the secret to any TOTP app (FreeOTP, Google Authenticator, `oathtool --totp -b SECRET`).",
    ]
    for s in STAFF:
        roles = ", ".join(sorted({str(Role(role).label) for _, role in s.roles}))
        if s.has_totp:
            secret = demo_totp_secret(s.username)
            totp = f"TOTP secret {secret} (code now: {pyotp.TOTP(secret).now()})"
        else:
            totp = "no TOTP yet: enrols an app with a QR code at first log-in"
        lines.append(f"    {s.username:<15} {s.hsa_id:<20} {roles:<22} {totp}")
    lines.append("")
    return "\n".join(lines)
