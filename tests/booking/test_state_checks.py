"""What the booking pages do not offer (past, full or withdrawn times) a posted form cannot book
either, and the refusal says why in the resident's language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests import factories
from tests.booking.test_booking import future_slot, schedule
from vardlots.booking.models import Appointment, Slot

pytestmark = pytest.mark.django_db


def _book(client: Client, slot: Slot) -> str:
    return client.post(f"/bokning/boka/{slot.pk}", follow=True).content.decode()


def test_a_past_time_is_refused_as_past(client: Client) -> None:
    s = schedule()
    slot = future_slot(s)
    Slot.objects.filter(pk=slot.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1),
                                           ends_at=timezone.now() - dt.timedelta(minutes=40))
    person = factories.resident(listed_unit=s.unit)
    factories.resident_client(client, person)
    assert "Den tiden har redan passerat. Välj en annan." in _book(client, slot)
    client.cookies["vardlots_language"] = "en"
    assert "That time has already passed. Please choose another." in _book(client, slot)
    assert not Appointment.objects.exists()


def test_a_withdrawn_time_and_a_full_time_are_refused(client: Client) -> None:
    s = schedule()
    slot = future_slot(s)
    person = factories.resident(listed_unit=s.unit)
    factories.resident_client(client, person)
    client.cookies["vardlots_language"] = "en"
    Slot.objects.filter(pk=slot.pk).update(withdrawn=True)
    assert "That time is no longer offered. Please choose another." in _book(client, slot)
    Slot.objects.filter(pk=slot.pk).update(withdrawn=False, booked=1)  # capacity 1: full
    assert "Sorry, that time was just taken. Please choose another." in _book(client, slot)
    assert not Appointment.objects.exists()
