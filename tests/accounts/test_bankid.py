"""BankIdProvider against a local fake of the BankID RP API v6; the animated QR code."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from django.test import Client, override_settings

from tests.accounts.fakeservers import FakeBankId, serve
from vardlots.accounts.eid import CollectStatus, EidError
from vardlots.accounts.eid.bankid import BankIdProvider
from vardlots.accounts.eid.base import EidSessionState, StartResult, qr_data
from vardlots.accounts.models import Resident
from vardlots.accounts.session import RESIDENT_KEY

COMPLETE = {"status": "complete", "completionData": {
    "user": {"personalNumber": "199001019919", "name": "Anders Ahlgren", "givenName": "Anders",
             "surname": "Ahlgren"},
    "device": {"ipAddress": "192.0.2.1", "uhi": "x"}, "bankIdIssueDate": "2020-01-01",
    "signature": "c2ln", "ocspResponse": "b2NzcA=="}}


def test_qr_code_follows_bankid_specification() -> None:
    expected = hmac.new(b"d28db9a7-4cde-429e-a983-359be676944c", b"0", hashlib.sha256).hexdigest()
    assert qr_data("67df3917-fa0d-44e5-b327-edcc928297f8", "d28db9a7-4cde-429e-a983-359be676944c", 0) == \
        f"bankid.67df3917-fa0d-44e5-b327-edcc928297f8.0.{expected}"
    # BankID's published example: time 0 → this auth code
    assert expected == "dc69358e712458a66a7525beef148ae8526b1c71610eff2c16cdffb4cdac9bf8"
    state = EidSessionState.begin("bankid", StartResult("o", "a", "qst", "qss"), "/")
    state.started_at = 1000.0
    assert state.qr_data(now=1003.9) == qr_data("qst", "qss", 3)
    assert state.qr_data(now=1004.0) == qr_data("qst", "qss", 4)


def test_start_collect_pending_complete() -> None:
    fake = FakeBankId()
    with serve(fake) as url:
        provider = BankIdProvider(url + "/rp/v6.0")
        started = provider.start("192.0.2.1")
        assert started == StartResult("order-1", "ast-1", "qst-1", "qss-1")
        assert fake.requests[0] == ("auth", {"endUserIp": "192.0.2.1"})
        fake.scripts["order-1"] = [{"status": "pending", "hintCode": "outstandingTransaction"},
                                   {"status": "pending", "hintCode": "userSign"}, COMPLETE]
        first = provider.collect("order-1")
        assert (first.status, first.hint_code) == (CollectStatus.PENDING, "outstandingTransaction")
        second = provider.collect("order-1")
        assert (second.status, second.hint_code) == (CollectStatus.PENDING, "userSign")
        done = provider.collect("order-1")
        assert done.status == CollectStatus.COMPLETE
        assert done.user is not None
        assert (done.user.personal_number, done.user.given_name, done.user.surname) == (
            "199001019919", "Anders", "Ahlgren")


def test_failed_and_cancel() -> None:
    fake = FakeBankId()
    with serve(fake) as url:
        provider = BankIdProvider(url)
        ref = provider.start("192.0.2.1").order_ref
        fake.scripts[ref] = [{"status": "failed", "hintCode": "userCancel"}]
        failed = provider.collect(ref)
        assert (failed.status, failed.hint_code) == (CollectStatus.FAILED, "userCancel")
        ref2 = provider.start("192.0.2.1").order_ref
        provider.cancel(ref2)
        assert fake.requests[-1] == ("cancel", {"orderRef": ref2})
        assert provider.collect(ref2).hint_code == "cancelled"


def test_error_codes_are_raised() -> None:
    fake = FakeBankId()
    with serve(fake) as url:
        provider = BankIdProvider(url)
        with pytest.raises(EidError) as info:
            provider.collect("no-such-order")
        assert (info.value.code, info.value.details) == ("invalidParameters", "No such order")


def test_timeout() -> None:
    fake = FakeBankId()
    fake.slow_collect = 0.5
    with serve(fake) as url:
        provider = BankIdProvider(url, timeout=0.1)
        ref = provider.start("192.0.2.1").order_ref
        with pytest.raises(EidError) as info:
            provider.collect(ref)
        assert info.value.code == "timeout"


def test_unreachable() -> None:
    with pytest.raises(EidError) as info:
        BankIdProvider("http://127.0.0.1:9", timeout=1).start("192.0.2.1")
    assert info.value.code in {"unavailable", "timeout"}


@pytest.mark.django_db
def test_login_views_with_bankid_provider(client: Client) -> None:
    """The same views drive the real provider: pending, then complete → a new resident is logged in."""
    fake = FakeBankId()
    with serve(fake) as url, override_settings(EID_PROVIDER="bankid", BANKID_API_URL=url):
        assert "TEST" not in client.get("/konto/logga-in").content.decode().split("<main")[1]
        client.post("/konto/logga-in", {"next": "/konto/"})
        fake.scripts["order-1"] = [{"status": "pending", "hintCode": "started"}, COMPLETE]
        page = client.get("/konto/logga-in/vantar")
        assert page.status_code == 200
        assert "bankid:///?autostarttoken=ast-1" in page.content.decode()
        assert client.post("/konto/logga-in/test-app", {"resident": 1}).status_code == 403
        session = client.session
        session["vardlots_eid_collected_at"] = 0
        session.save()
        assert client.get("/konto/logga-in/vantar")["Location"] == "/konto/"
    resident = Resident.objects.get(personal_number="199001019919")
    assert client.session[RESIDENT_KEY] == resident.pk
    assert (resident.given_name, resident.family_name, resident.sex) == ("Anders", "Ahlgren", "M")
