"""Demo schedules: residents can book at the demo health centres and urgent care clinics, and book a
callback from 1177. Idempotent; called from ``vardlots.directory.demo.seed_demo``."""

from __future__ import annotations

import datetime as dt

from vardlots.accounts.models import StaffUser
from vardlots.booking.actions import do_generate_slots
from vardlots.booking.models import AppointmentKind, Schedule, SlotTemplate
from vardlots.directory.models import Unit

K = AppointmentKind
# (unit HSA-id, schedule name, staff HSA-id or "", room, resident bookable, open on holidays,
#  [(days, from, until, minutes, capacity, kind)])
DEMO_SCHEDULES = [
    ("SE2321000016-DEMO01", "Sjuksköterskemottagning", "SE2321000016-P001", "Rum 3", True, False,
     [(range(5), "08:00", "12:00", 20, 1, K.PHYSICAL), (range(5), "13:00", "16:00", 15, 1, K.PHONE)]),
    ("SE2321000016-DEMO01", "Läkarbesök", "SE2321000016-P002", "Rum 7", False, False,
     [(range(5), "08:30", "16:30", 30, 1, K.PHYSICAL)]),
    ("SE2321000016-DEMO01", "Videomottagning", "", "", True, False,
     [(range(5), "09:00", "15:00", 15, 2, K.VIDEO)]),
    ("SE2321000016-DEMO02", "Mottagning", "", "Rum 1", True, False,
     [(range(5), "08:00", "16:00", 20, 1, K.PHYSICAL)]),
    ("SE2321000016-DEMO03", "Bokade besök närakut", "", "", True, True,
     [(range(7), "10:00", "20:00", 30, 2, K.PHYSICAL)]),
    ("SE2321000016-DEMO07", "Återuppringning 1177", "", "", True, True,
     [(range(7), "08:00", "21:00", 15, 3, K.CALLBACK)]),
    ("SE2321000024-DEMO01", "Mottagning", "SE2321000024-P002", "Rum 2", True, False,
     [(range(5), "08:00", "16:00", 20, 1, K.PHYSICAL), (range(5), "09:00", "12:00", 15, 1, K.VIDEO)]),
    ("SE2321000024-DEMO07", "Återuppringning 1177", "", "", True, True,
     [(range(7), "08:00", "21:00", 15, 3, K.CALLBACK)]),
]


def seed_booking_demo(units: dict[str, Unit], start: dt.date | None = None) -> None:
    for unit_hsa, name, staff_hsa, room, bookable, holidays, templates in DEMO_SCHEDULES:
        unit = units[unit_hsa]
        staff = StaffUser.objects.filter(hsa_id=staff_hsa).first() if staff_hsa else None
        schedule, created = Schedule.objects.get_or_create(
            unit=unit, name=name,
            defaults={"staff": staff, "room": room, "resident_bookable": bookable, "open_on_holidays": holidays})
        if created:
            SlotTemplate.objects.bulk_create(
                SlotTemplate(schedule=schedule, day=day, starts=dt.time.fromisoformat(a),
                             ends=dt.time.fromisoformat(b), minutes=minutes, capacity=capacity, kind=kind)
                for days, a, b, minutes, capacity, kind in templates for day in days)
        do_generate_slots(schedule, start)
