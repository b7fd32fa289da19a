"""Background jobs of booking: confirmations, reminders and cancellations to the resident."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _

from vardlots.booking.models import Appointment, AppointmentStatus
from vardlots.booking.notifications import Message, notifier
from vardlots.core.jobs import job


def message_for(appointment: Appointment, what: str) -> Message:
    slot = appointment.slot
    unit = slot.schedule.unit
    when = dateformat.format(timezone.localtime(slot.starts_at), "l j F Y H:i")
    params = {"kind": appointment.get_kind_display(), "unit": unit.name, "when": when}
    if what == "confirmation":
        subject = _("Appointment booked")
        body = _("%(kind)s at %(unit)s, %(when)s. You can cancel or rebook on My pages.") % params
    elif what == "reminder":
        subject = _("Reminder of your appointment")
        body = _("%(kind)s at %(unit)s, %(when)s. Cancel on My pages if you cannot come.") % params
    else:
        subject = _("Appointment cancelled")
        body = _("Your appointment (%(kind)s at %(unit)s, %(when)s) is cancelled.") % params
    return Message(subject=subject, body=body, to_phone=appointment.resident.phone,
                   to_email=appointment.resident.email)


@job("booking.notify")
def notify(payload: dict[str, Any]) -> None:
    from vardlots.booking.actions import do_mark_reminded

    appointment = (Appointment.objects.select_related("slot__schedule__unit", "resident")
                   .filter(pk=payload["appointment_id"]).first())
    what = str(payload.get("what", "reminder"))
    if appointment is None:
        return
    if what in ("confirmation", "reminder") and appointment.status != AppointmentStatus.BOOKED:
        return  # cancelled meanwhile: nothing to remind of
    if what == "reminder" and appointment.reminded_at is not None:
        return  # idempotent when a job is retried
    with translation.override(settings.LANGUAGE_CODE):
        message = message_for(appointment, what)
    notifier().send(message)
    if what == "reminder":
        do_mark_reminded(appointment)
