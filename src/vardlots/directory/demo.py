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
from vardlots.directory.actions import (
    do_set_care_offerings,
    do_set_eservices,
    do_set_opening_hours,
    do_upsert_unit,
)
from vardlots.directory.models import Channel, Region, Unit, UnitKind

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
    latitude: float | None = None
    longitude: float | None = None


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


# Positions of the hand-written units (fictitious addresses, plausible places).
_POSITIONS: dict[str, tuple[float, float]] = {
    "SE2321000016-DEMO01": (59.3100, 18.0350), "SE2321000016-DEMO02": (59.3420, 18.0330),
    "SE2321000016-DEMO03": (59.3040, 18.1020), "SE2321000016-DEMO04": (59.3500, 18.0300),
    "SE2321000016-DEMO05": (59.3505, 18.0310), "SE2321000016-DEMO06": (59.3120, 18.0600),
    "SE2321000016-DEMO07": (59.3330, 18.0650), "SE2321000016-DEMO08": (59.3340, 18.0600),
    "SE2321000016-DEMO09": (59.3320, 18.0580),
    "SE2321000024-DEMO01": (59.8650, 17.6250), "SE2321000024-DEMO02": (59.6370, 17.0770),
    "SE2321000024-DEMO03": (59.8480, 17.6500), "SE2321000024-DEMO04": (59.8500, 17.6400),
    "SE2321000024-DEMO05": (59.8505, 17.6410), "SE2321000024-DEMO06": (59.8510, 17.6420),
    "SE2321000024-DEMO07": (59.8590, 17.6390), "SE2321000024-DEMO08": (59.8590, 17.6430),
    "SE2321000024-DEMO09": (59.8585, 17.6440),
}

# Generated units so that every kind of unit has at least 30 in the two demo regions (the 1177
# nurse advice service stays one per region). Deterministic: same names, ids and hours each run.
_PLACES: dict[str, list[tuple[str, str, float, float]]] = {  # municipality, postcode, lat, lon
    STHLM: [("Stockholm", "116 45", 59.3150, 18.0750), ("Solna", "169 70", 59.3600, 18.0000),
            ("Huddinge", "141 35", 59.2370, 17.9810), ("Nacka", "131 40", 59.3100, 18.1630),
            ("Södertälje", "151 73", 59.1960, 17.6250), ("Täby", "183 34", 59.4440, 18.0690),
            ("Norrtälje", "761 30", 59.7580, 18.7050), ("Järfälla", "177 30", 59.4230, 17.8350),
            ("Botkyrka", "147 30", 59.2000, 17.8300), ("Sundbyberg", "172 66", 59.3610, 17.9720)],
    UPPSALA: [("Uppsala", "753 20", 59.8590, 17.6390), ("Enköping", "745 35", 59.6360, 17.0780),
              ("Östhammar", "742 31", 60.2580, 18.3730), ("Tierp", "815 38", 60.3430, 17.5150),
              ("Knivsta", "741 30", 59.7260, 17.7880), ("Heby", "744 31", 59.9390, 16.8620),
              ("Älvkarleby", "814 30", 60.5700, 17.4470), ("Håbo", "746 30", 59.5590, 17.5310)],
}
_AREAS = ["Centrum", "Norra", "Södra", "Östra", "Västra", "Strand", "Park", "Torg", "Hamn", "Backe", "Gärde",
          "Dal", "Höjden", "Berga", "Lunden"]
_PREFIX = {
    U.HEALTH_CENTRE: "Vårdcentral", U.URGENT_CARE: "Närakut", U.EMERGENCY: "Akutmottagning",
    U.CHILD_EMERGENCY: "Barnakut", U.PSYCHIATRIC_EMERGENCY: "Psykiatrisk akut", U.DENTAL_EMERGENCY: "Akuttandvård",
    U.PHARMACY: "Apotek",
}
GENERATED_PER_REGION = 15


def _generated_units() -> list[DemoUnit]:
    units = []
    for region, places in _PLACES.items():
        org = "SE2321000016" if region == STHLM else "SE2321000024"
        for k, (kind, prefix) in enumerate(_PREFIX.items()):
            for n in range(GENERATED_PER_REGION):
                municipality, postcode, lat, lon = places[(n + k) % len(places)]
                area = _AREAS[n % len(_AREAS)]
                # a deterministic spread of ~1–3 km around the municipality's centre
                dlat, dlon = ((n * 7 + k * 3) % 11 - 5) * 0.004, ((n * 5 + k * 7) % 13 - 6) * 0.006
                units.append(DemoUnit(
                    region, f"{org}-G{k}{n:02d}", kind, f"{prefix} {municipality} {area} (demo)",
                    f"{area}vägen {n + 1}", postcode, municipality, municipality,
                    f"0{'8' if region == STHLM else '18'}-555 {k}{n:02d}", round(lat + dlat, 4), round(lon + dlon, 4)))
    return units


ALL_UNITS: list[DemoUnit] = [
    DemoUnit(**{**u.__dict__, "latitude": _POSITIONS[u.hsa_id][0], "longitude": _POSITIONS[u.hsa_id][1]})
    for u in UNITS
] + _generated_units()


def _t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def _daily(opens: str, closes: str, holidays: bool = True) -> list[tuple[int, dt.time, dt.time]]:
    return [(d, _t(opens), _t(closes)) for d in range(8 if holidays else 7)]


def _weekdays(opens: str, closes: str) -> list[tuple[int, dt.time, dt.time]]:
    return [(d, _t(opens), _t(closes)) for d in range(5)]


def demo_hours(u: DemoUnit, n: int) -> tuple[list[tuple[int, dt.time, dt.time]], list[tuple[int, dt.time, dt.time]]]:
    """(visit hours, chat hours) for the ``n``-th demo unit of its kind. Day 7 = holidays."""
    if u.kind == U.HEALTH_CENTRE:
        visits = _weekdays("08:00", "17:00") if n % 3 != 2 else _weekdays("08:00", "16:00")
        if n % 4 == 1:  # a late evening on Tuesdays
            visits = [row for row in visits if row[0] != 1] + [(1, _t("08:00"), _t("19:00"))]
        return visits, _weekdays("08:00", "16:00")
    if u.kind == U.URGENT_CARE:
        if n % 2 == 0:
            return _daily("08:00", "22:00"), []
        return _weekdays("16:00", "22:00") + [(d, _t("09:00"), _t("21:00")) for d in (5, 6, 7)], []
    if u.kind in (U.EMERGENCY, U.CHILD_EMERGENCY):
        return _daily("00:00", "00:00"), []
    if u.kind == U.PSYCHIATRIC_EMERGENCY:
        return (_daily("00:00", "00:00") if n % 2 == 0 else _daily("08:00", "21:00")), []
    if u.kind == U.NURSE_ADVICE:  # 1177 by phone round the clock; the digital entry's chat 08–21 every day
        return _daily("00:00", "00:00"), _daily("08:00", "21:00")
    if u.kind == U.DENTAL_EMERGENCY:
        return _daily("08:00", "21:00"), []
    if u.kind == U.PHARMACY:
        if n % 5 == 0:
            return _daily("08:00", "22:00"), []
        return [*_weekdays("09:00", "19:00"), (5, _t("10:00"), _t("16:00")), (6, _t("11:00"), _t("16:00"))], []
    return [], []


def demo_eservices(u: DemoUnit) -> dict[str, str]:
    if u.kind == U.HEALTH_CENTRE:
        return {"book_appointment": "", "chat": "", "renew_prescription": "", "message": "", "video": ""}
    if u.kind == U.NURSE_ADVICE:
        return {"chat": "", "callback": ""}
    if u.kind == U.URGENT_CARE:
        return {"book_appointment": "", "video": ""}
    if u.kind == U.DENTAL_EMERGENCY:
        return {"callback": ""}
    return {}


def demo_care(u: DemoUnit, n: int) -> list[tuple[str, int, int | None]]:
    if u.kind == U.CHILD_EMERGENCY:
        return [("", 0, 18)]
    if u.kind == U.HEALTH_CENTRE and n % 4 == 0:
        return [("", 0, None), ("maternity_clinic", 0, None)]
    return []


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
        seen: dict[str, int] = {}
        for u in ALL_UNITS:
            units[u.hsa_id] = unit = do_upsert_unit(
                region=regions[u.region], hsa_id=u.hsa_id, kind=u.kind, name=u.name, street_address=u.street,
                postal_code=u.postal_code, city=u.city, municipality=u.municipality, phone=u.phone,
                latitude=u.latitude, longitude=u.longitude, step_free_entrance=True,
                accessibility_note="Entré utan trappsteg, automatisk dörr, tillgänglig toalett.",
            )
            n = seen[u.kind] = seen.get(u.kind, -1) + 1
            visits, chat = demo_hours(u, n)
            do_set_opening_hours(unit, visits, Channel.VISIT)
            do_set_opening_hours(unit, chat, Channel.CHAT)
            do_set_eservices(unit, demo_eservices(u))
            do_set_care_offerings(unit, demo_care(u, n))
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
        from vardlots.booking.demo import seed_booking_demo

        seed_booking_demo(units)
        from vardlots.telephony.demo import seed_telephony_demo

        seed_telephony_demo(units)
        from vardlots.cases.demo import seed_cases_demo

        seed_cases_demo(units)


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
