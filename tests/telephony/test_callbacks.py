"""Callback booking from published capacity, the callback list, attempts; capacity under concurrency."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from tests import factories
from tests.cases.helpers import World
from tests.concurrency import run_together
from tests.sqlite_file import run_on_sqlite_file, skip_unless_sqlite_file
from vardlots.telephony import actions, signing
from vardlots.telephony.actions import TelephonyError
from vardlots.telephony.models import Callback, CallbackSlot, CallbackStatus

REPO = Path(__file__).resolve().parents[2]


def slot(w: World, *, hours: float = 2, capacity: int = 2) -> CallbackSlot:
    start = timezone.now() + dt.timedelta(hours=hours)
    return CallbackSlot.objects.create(unit=w.pool, starts_at=start, ends_at=start + dt.timedelta(minutes=15),
                                       capacity=capacity)


def test_publish_capacity_is_idempotent(w: World) -> None:
    day = timezone.localdate() + dt.timedelta(days=1)
    assert actions.do_publish_callback_capacity(w.pool, day, dt.time(8), dt.time(9), minutes=15, capacity=3) == 4
    assert actions.do_publish_callback_capacity(w.pool, day, dt.time(8), dt.time(9), minutes=15, capacity=3) == 0
    times = [timezone.localtime(s.starts_at).strftime("%H:%M") for s in CallbackSlot.objects.filter(unit=w.pool)]
    assert times == ["08:00", "08:15", "08:30", "08:45"]


def test_book_until_full_then_refused(w: World) -> None:
    s = slot(w, capacity=2)
    a = actions.do_book_callback(s, phone="070-100 00 01", resident=w.resident, reason="Rash")
    b = actions.do_book_callback(s, phone="070-100 00 02")
    with pytest.raises(TelephonyError) as err:
        actions.do_book_callback(s, phone="070-100 00 03")
    assert err.value.key == "telephony.callback_full"
    s.refresh_from_db()
    assert s.booked == 2 and a.due_at == s.starts_at and b.resident is None
    with pytest.raises(TelephonyError) as err:
        actions.do_book_callback(slot(w, hours=3), phone="070-100 00 04", resident=w.resident)
    assert err.value.key == "telephony.callback_exists"
    actions.do_cancel_callback(a, resident=w.resident)
    s.refresh_from_db()
    assert s.booked == 1
    actions.do_book_callback(s, phone="070-100 00 03")


def test_the_list_is_in_time_order_and_three_attempts_end_it(w: World) -> None:
    late = actions.do_book_callback(slot(w, hours=5), phone="070-100 00 05")
    early = actions.do_book_callback(slot(w, hours=1), phone="070-100 00 06")
    call = actions.do_start_call(w.nurse_pool, w.pool, caller_number="070-100 00 07")
    medical = actions.do_schedule_medical_callback(w.nurse_pool, call, minutes=90)
    assert list(actions.callback_list(w.pool)) == [early, medical, late]
    for n, result in enumerate(["no_answer", "busy", "no_answer"], start=1):
        cb = actions.do_record_attempt(w.nurse_pool, early, result, note=f"try {n}")
        assert cb.attempts == n
    assert cb.status == CallbackStatus.UNREACHED
    assert [(a.number, a.result) for a in cb.attempt_log.all()] == [(1, "no_answer"), (2, "busy"), (3, "no_answer")]
    with pytest.raises(TelephonyError):
        actions.do_record_attempt(w.nurse_pool, early, "reached")
    assert actions.do_record_attempt(w.nurse_pool, late, "reached").status == CallbackStatus.DONE
    assert list(actions.callback_list(w.pool)) == [medical]


def test_medical_callback_is_within_two_hours(w: World) -> None:
    call = actions.do_start_call(w.nurse_pool, w.pool, caller_number="070-100 00 08")
    with pytest.raises(TelephonyError):
        actions.do_schedule_medical_callback(w.nurse_pool, call, minutes=121)


def test_the_database_refuses_overbooking(w: World) -> None:
    from django.db import IntegrityError, transaction

    s = slot(w, capacity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        CallbackSlot.objects.filter(pk=s.pk).update(booked=2)


def test_booking_through_the_telephony_api(w: World, client: Client) -> None:
    s = slot(w, capacity=1)
    listed = client.get(f"/api/v1/telephony/callback-slots?unit_hsa_id={w.pool.hsa_id}",
                        headers=signing.signed_headers(b""))
    assert listed.status_code == 200 and listed.json()[0]["id"] == s.pk and listed.json()[0]["free"] == 1
    body = json.dumps({"unit_hsa_id": w.pool.hsa_id, "caller_number": "070-555 00 01",
                       "personal_number": w.resident.personal_number}).encode()
    response = client.post("/api/v1/telephony/callbacks", body, content_type="application/json",
                           headers=signing.signed_headers(body))
    assert response.status_code == 201, response.content
    cb = Callback.objects.get(pk=response.json()["id"])
    assert cb.slot == s and cb.resident == w.resident and cb.source == "phone_menu"
    body = json.dumps({"unit_hsa_id": w.pool.hsa_id, "caller_number": "070-555 00 02"}).encode()
    full = client.post("/api/v1/telephony/callbacks", body, content_type="application/json",
                       headers=signing.signed_headers(body))
    assert full.status_code == 409 and full.json()["error"]["key"] == "telephony.callback_full"


def test_resident_books_and_cancels_on_the_web(w: World, client: Client) -> None:
    s = slot(w, capacity=1)
    factories.resident_client(client, w.resident)
    page = client.get("/telefon/")
    assert page.status_code == 200 and f'value="{s.pk}"' in page.content.decode()
    assert client.post("/telefon/", {"slot": s.pk, "phone": "070-222 33 44", "reason": "Eksem"}).status_code == 302
    cb = Callback.objects.get(resident=w.resident)
    assert cb.phone == "070-222 33 44" and cb.reason == "Eksem"
    assert client.post(f"/telefon/aterringning/{cb.pk}/avboka").status_code == 302
    cb.refresh_from_db()
    s.refresh_from_db()
    assert cb.status == CallbackStatus.CANCELLED and s.booked == 0


def test_resident_page_needs_a_log_in(client: Client, db: None) -> None:
    response = client.get("/telefon/")
    assert response.status_code == 302 and "/konto/logga-in" in response["Location"]


# --- concurrency --------------------------------------------------------------------------------

def many_book_one_slot(w: World, n: int, capacity: int) -> None:
    s = slot(w, capacity=capacity)

    def book(i: int) -> Callable[[], Any]:
        return lambda: actions.do_book_callback(CallbackSlot.objects.get(pk=s.pk), phone=f"070-300 {i:05d}")

    results = run_together([book(i) for i in range(n)])
    booked = [r for r in results if isinstance(r, Callback)]
    refused = [r for r in results if isinstance(r, TelephonyError)]
    assert len(booked) == capacity, results
    assert len(refused) == n - capacity and {e.key for e in refused} == {"telephony.callback_full"}, results
    s.refresh_from_db()
    assert s.booked == capacity == Callback.objects.filter(slot=s).count()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_postgres_50_callers_book_3_places(w: World) -> None:
    assert connection.vendor == "postgresql"
    many_book_one_slot(w, 50, 3)




@pytest.mark.django_db(transaction=True)
def test_sqlite_threads_book_callbacks(w: World) -> None:
    skip_unless_sqlite_file("test_sqlite_callback_capacity_in_file_database")
    many_book_one_slot(w, 20, 3)


@pytest.mark.slow
def test_sqlite_callback_capacity_in_file_database(tmp_path: Path) -> None:
    """Run the SQLite thread test against a WAL file database, like the embedded default."""
    run_on_sqlite_file(__file__, "test_sqlite_threads", tmp_path, expect_passed=1)
