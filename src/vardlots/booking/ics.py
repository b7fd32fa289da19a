"""An iCalendar (RFC 5545) file for an appointment."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from vardlots.booking.models import Appointment, AppointmentKind, AppointmentStatus


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets are folded with CRLF + space (RFC 5545 3.1)."""
    out: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def appointment_ics(appointment: Appointment, *, host: str = "vardlots") -> str:
    slot = appointment.slot
    unit = slot.schedule.unit
    title = _("%(kind)s: %(unit)s") % {"kind": appointment.get_kind_display(), "unit": unit.name}
    if appointment.kind == AppointmentKind.PHYSICAL:
        where = unit.address or unit.name
        description = _("Come to %(unit)s. Cancel or rebook on My pages if you cannot come.") % {"unit": unit.name}
    else:
        where = ""
        description = _("We contact you at the time booked. Cancel or rebook on My pages if you cannot.")
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//vardlots//booking//EN", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", "BEGIN:VEVENT",
        f"UID:appointment-{appointment.pk}@{host}",
        f"DTSTAMP:{_utc(appointment.created_at)}",
        f"DTSTART:{_utc(slot.starts_at)}",
        f"DTEND:{_utc(slot.ends_at)}",
        f"SUMMARY:{_escape(title)}",
        f"DESCRIPTION:{_escape(description)}",
    ]
    if where:
        lines.append(f"LOCATION:{_escape(where)}")
    status = "CANCELLED" if appointment.status == AppointmentStatus.CANCELLED else "CONFIRMED"
    lines += [f"STATUS:{status}", "BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT1H",
              f"DESCRIPTION:{_escape(title)}", "END:VALARM", "END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
