"""What the call page hides a posted form cannot do either: work on a call nobody has taken,
take a closed call, book a callback time that has passed."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from tests.cases.helpers import World
from tests.cases.helpers import staff_login as login
from vardlots.telephony import actions
from vardlots.telephony.models import Call, CallbackSlot, CallState


def _offered(w: World) -> Call:
    """A call the telephony platform offered; no nurse has taken it yet."""
    return Call.objects.create(unit=w.pool, state=CallState.OFFERED, caller_number="070-555 12 34")


def test_an_untaken_call_offers_only_take_and_refuses_every_other_action(w: World, client: Client) -> None:
    call = _offered(w)
    login(client, w.nurse_pool)
    url = f"/personal/telefon/samtal/{call.pk}/"
    assert 'name="caller_kind"' not in client.get(url).content.decode()  # only "Take the call"
    page = client.post(url + "identify", {"caller_kind": "self", "personal_number": w.resident.personal_number},
                       follow=True).content.decode()
    assert "Take the call first." in page
    client.post(url + "add-reason", {"protocol": "sore_throat"})
    call.refresh_from_db()
    assert call.resident is None and call.triage_session is None and call.nurse is None


def test_a_closed_call_cannot_be_taken(w: World, client: Client) -> None:
    call = _offered(w)
    Call.objects.filter(pk=call.pk).update(closed_at=timezone.now(), state=CallState.ENDED)
    login(client, w.nurse_pool)
    response = client.post(f"/personal/telefon/samtal/{call.pk}/take", follow=True)
    assert "The call is already documented and closed." in response.content.decode()
    call.refresh_from_db()
    assert call.nurse is None


def test_a_callback_time_that_has_passed_is_refused_as_passed(w: World) -> None:
    import pytest

    past = timezone.now() - dt.timedelta(minutes=5)
    slot = CallbackSlot.objects.create(unit=w.pool, starts_at=past, ends_at=past + dt.timedelta(minutes=15),
                                       capacity=3)
    with pytest.raises(actions.TelephonyError) as err:
        actions.do_book_callback(slot, phone="070-555 12 34", resident=w.resident)
    assert err.value.key == "telephony.callback_past"
    assert err.value.message == "That time has already passed. Please choose another."


def test_a_practice_call_takes_no_real_patient_and_keeps_its_reasons(w: World, client: Client) -> None:
    vignette = actions.vignettes()[0]
    call = actions.do_start_training(w.nurse_pool, w.pool, vignette.id)
    login(client, w.nurse_pool)
    url = f"/personal/telefon/samtal/{call.pk}/"
    page = client.get(url).content.decode()
    assert "'identify'" not in page and "/identify" not in page and "/remove-reason" not in page
    page = client.post(url + "identify", {"caller_kind": "self", "personal_number": w.resident.personal_number},
                       follow=True).content.decode()
    assert "A practice call keeps the patient and the contact reasons of its written case." in page
    client.post(url + "remove-reason", {"protocol": vignette.protocols[0]})
    call.refresh_from_db()
    assert call.resident is None
    assert list(call.triage_session.protocol_ids) == list(vignette.protocols)
