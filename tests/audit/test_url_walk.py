"""Walk every URL of the project: a staff request to a view showing resident data writes exactly
one access-log entry; a request to any other view writes none.

Every named URL must be classified here: either registered with ``@shows_resident_data`` (and given
a request in ``RESIDENT_DATA_REQUESTS``) or listed, with the reason, in ``NO_RESIDENT_DATA``. A new
view fails ``test_every_url_is_classified`` until someone decides which it is.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from tests.cases.helpers import World, care_case, staff_login, world
from tests.cases.test_workspace import PDF, make_photo
from vardlots.accounts.models import Resident, StaffUser
from vardlots.audit.actions import RESIDENT_DATA_VIEWS
from vardlots.audit.models import AccessLogEntry, EntryKind
from vardlots.cases import actions as cases
from vardlots.cases.models import Case
from vardlots.telephony import actions as telephony
from vardlots.telephony.models import Call, CallbackKind, CallbackSource, CallerKind
from vardlots.telephony.models import Callback as CallbackRow

pytestmark = pytest.mark.django_db

# The back office is walked by its own tests (the resident admin logs each resident it shows:
# tests/audit/test_admin.py; region scoping: tests/accounts/test_admin_scope.py).
SKIPPED_NAMESPACES = {"admin"}

# Reviewed: these show no resident's data to staff. Resident-side pages show a resident their own
# data (not a staff read); the API serves the resident's own assessment or the telephony platform.
NO_RESIDENT_DATA: dict[str, str] = {
    "core:home": "start page",
    "core:session_status": "the session's own expiry time",
    "core:session_keepalive": "extends the own session (POST)",
    "set_language": "language choice",
    "accounts:resident_home": "resident side: the resident's own page",
    "accounts:resident_login": "resident log-in",
    "accounts:resident_login_pending": "resident log-in",
    "accounts:resident_login_status": "resident log-in",
    "accounts:resident_login_cancel": "resident log-in",
    "accounts:resident_test_identify": "built-in test e-ID",
    "accounts:resident_logout": "resident log-out",
    "accounts:resident_act_for": "resident side: acting for one's child",
    "accounts:resident_act_for_stop": "resident side",
    "accounts:staff_home": "the staff member's own roles and links",
    "accounts:staff_login": "staff log-in",
    "accounts:staff_totp": "staff log-in",
    "accounts:staff_logout": "staff log-out",
    "accounts:staff_oidc_start": "staff log-in (SITHS)",
    "accounts:staff_oidc_callback": "staff log-in (SITHS)",
    "intake:start": "resident side: the assessment",
    "intake:begin": "resident side",
    "intake:admin_question": "resident side",
    "intake:question": "resident side: the resident's own assessment",
    "intake:back": "resident side",
    "intake:outcome": "resident side",
    "intake:contact": "resident side",
    "intake:upload_photo": "resident side",
    "intake:remove_photo": "resident side",
    "intake:photo": "resident side: the resident's own photo",
    "audit:resident_log": "resident side: who read my data",
    "directory:find_care": "public directory",
    "directory:unit": "public directory",
    "booking:home": "resident side: own appointments",
    "booking:unit_slots": "free times of a unit",
    "booking:book": "resident side (POST)",
    "booking:appointment": "resident side: own appointment",
    "booking:cancel": "resident side (POST)",
    "booking:ics": "resident side: own calendar file",
    "cases:resident_cases": "resident side: own cases",
    "cases:resident_case": "resident side",
    "cases:resident_reopen": "resident side (POST)",
    "cases:resident_document": "resident side",
    "cases:staff_queues": ("waiting cases by contact reason, age and sex without name or number; the staff "
                           "member's own taken cases by first name (each opened through the logged case page)"),
    "cases:staff_claim_next": "an action (POST); the case page it leads to is logged",
    "cases:staff_phrase_templates": "phrase templates, no patient",
    "cases:staff_case_action": "actions (POST); the case page they lead to is logged",
    "telephony:workspace": "incoming calls by unit, time and caller's number, no patient identity",
    "telephony:start_call": "an action (POST)",
    "telephony:call_action": "actions (POST); the call page they lead to is logged",
    "telephony:publish_capacity": "callback capacity (POST)",
    "telephony:callback_action": "an action (POST); the call page it leads to is logged",
    "telephony:training": "practice calls from written cases, no patient",
    "telephony:scores": "nurses' practice scores, no patient",
    "telephony:resident": "resident side: own advice and callbacks",
    "telephony:resident_cancel_callback": "resident side (POST)",
    "api:openapi-json": "API description",
    "api:openapi-view": "API description",
    "api:api-root": "API",
    "api:start_session": "API: the caller's own assessment",
    "api:get_session": "API: the caller's own assessment",
    "api:answer": "API: the caller's own assessment",
    "api:go_back": "API: the caller's own assessment",
    "api:search": "API: content search",
    "api:protocols": "API: content",
    "api:receive_event": "telephony platform (signed)",
    "api:callback_slots": "telephony platform (signed): free callback times",
    "api:book_callback": "telephony platform (signed)",
    "api/docs": "API description (unnamed redirect)",
}


@dataclass
class Data:
    w: World
    case: Case
    call: Call
    document_id: int
    photo_id: uuid.UUID

    def kwargs(self, route_kwargs: list[str], name: str) -> dict[str, Any]:
        values: dict[str, Any] = {
            "case_id": self.case.pk, "document_id": self.document_id, "photo_id": self.photo_id, "size": "liten",
            "call_id": self.call.pk, "callback_id": CallbackRow.objects.first().pk,  # type: ignore[union-attr]
            "queue_id": self.case.queue_id, "session_id": self.case.triage_session_id, "slot_id": 1, "pk": 1,
            "hsa_id": self.w.hc.hsa_id, "action": "claim",
        }
        return {k: values[k] for k in route_kwargs}


def _data() -> Data:
    w = world()
    case = care_case(w, queue=w.care_queue())
    cases.do_claim(w.nurse, case)
    document = cases.do_attach_document(w.nurse, case, PDF, "Råd")
    photo = make_photo(case.triage_session, w.resident)
    call = telephony.do_start_call(w.nurse_pool, w.pool, caller_number="070-111 22 33")
    call = telephony.do_identify(w.nurse_pool, call, caller_kind=CallerKind.SELF,
                                 personal_number=w.resident.personal_number)
    CallbackRow.objects.create(unit=w.pool, kind=CallbackKind.MEDICAL, source=CallbackSource.NURSE,
                               due_at=timezone.now() + dt.timedelta(minutes=30), phone="070-111 22 33",
                               resident=w.resident, reason="Följ upp feber")
    return Data(w, case, call, document.pk, photo.pk)


def _urls() -> Iterator[tuple[str, Any, list[str]]]:
    """(name or route, pattern, kwarg names) for every URL outside the skipped namespaces."""

    def walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[tuple[str, Any, list[str]]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace in SKIPPED_NAMESPACES:
                    continue
                ns = ":".join(x for x in (namespace, p.namespace or "") if x)
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                key = ":".join(x for x in (namespace, p.name or "") if x) if p.name else route
                yield key, p, list(p.pattern.converters)

    return walk(get_resolver().url_patterns, "", "")


def _reads() -> int:
    return AccessLogEntry.objects.filter(kind=EntryKind.READ).count()


# How each view showing resident data is requested: the staff member who may, and the request(s)
# making one display. Returns the resident whose data is shown.
Request = Callable[[Client, Data], tuple[Any, Resident]]


def _login(client: Client, member: StaffUser) -> Client:
    client.logout()
    return staff_login(client, member)


def _staff_resident(client: Client, d: Data) -> tuple[Any, Resident]:
    _login(client, d.w.nurse)
    return client.post(reverse("accounts:staff_resident"), {
        "personal_number": d.w.resident.personal_number, "unit": d.w.hc.pk, "purpose": "care"}), d.w.resident


def _get_as(member: Callable[[World], StaffUser], url: Callable[[Data], str]) -> Request:
    def request(client: Client, d: Data) -> tuple[Any, Resident]:
        _login(client, member(d.w))
        return client.get(url(d)), d.w.resident

    return request


def _attach(client: Client, d: Data) -> tuple[Any, Resident]:
    _login(client, d.w.nurse)
    upload = SimpleUploadedFile("rad.pdf", PDF, content_type="application/pdf")
    return client.post(reverse("cases:staff_attach_document", args=[d.case.pk]), {"file": upload, "title": "x"}), \
        d.w.resident


def _staff_book_lookup(client: Client, d: Data) -> tuple[Any, Resident]:
    """The look-up by personal identity number and the page it leads to: one display."""
    _login(client, d.w.nurse)
    found = client.post(reverse("booking:staff_book"), {"lookup": "1", "unit": d.w.hc.hsa_id,
                                                        "personnummer": d.w.resident.personal_number})
    assert found.status_code == 302
    return client.get(found["Location"]), d.w.resident


def _staff_book_again(client: Client, d: Data) -> tuple[Any, Resident]:
    """The same page shown again (the resident chosen earlier in this session): one more display."""
    return client.get(reverse("booking:staff_book") + f"?unit={d.w.hc.hsa_id}"), d.w.resident


RESIDENT_DATA_REQUESTS: dict[str, list[Request]] = {
    "accounts:staff_resident": [_staff_resident],
    "cases:staff_case": [_get_as(lambda w: w.nurse, lambda d: f"/personal/arenden/{d.case.pk}/")],
    "cases:staff_attach_document": [_attach],
    "cases:staff_document": [_get_as(lambda w: w.nurse, lambda d: reverse(
        "cases:staff_document", args=[d.case.pk, d.document_id]))],
    "cases:staff_photo": [_get_as(lambda w: w.nurse, lambda d: reverse(
        "cases:staff_photo", args=[d.case.pk, d.photo_id, "liten"]))],
    "cases:staff_earlier": [_get_as(lambda w: w.nurse, lambda d: reverse("cases:staff_earlier", args=[d.case.pk]))],
    "cases:staff_templates": [_get_as(lambda w: w.nurse, lambda d: reverse("cases:staff_templates",
                                                                           args=[d.case.pk]))],
    "chat:messages": [_get_as(lambda w: w.nurse, lambda d: reverse("chat:messages", args=[d.case.pk]))],
    "chat:older": [_get_as(lambda w: w.nurse, lambda d: reverse("chat:older", args=[d.case.pk]))],
    "telephony:call": [_get_as(lambda w: w.nurse_pool, lambda d: reverse("telephony:call", args=[d.call.pk]))],
    "telephony:callbacks": [_get_as(lambda w: w.nurse_pool, lambda d: reverse("telephony:callbacks"))],
    "booking:staff_book": [
        _get_as(lambda w: w.nurse, lambda d: reverse("booking:staff_book") + f"?case={d.case.pk}&unit={d.w.hc.hsa_id}"),
        _staff_book_lookup,
        _staff_book_again,
    ],
}


def test_every_url_is_classified() -> None:
    names = {key for key, _p, _k in _urls()}
    registered = set(RESIDENT_DATA_VIEWS)
    assert not registered & set(NO_RESIDENT_DATA), "a view is in both lists"
    unclassified = names - registered - set(NO_RESIDENT_DATA)
    assert not unclassified, f"classify these views (register @shows_resident_data or list them): {unclassified}"
    assert not set(NO_RESIDENT_DATA) - names, "NO_RESIDENT_DATA names a view that no longer exists"
    assert set(RESIDENT_DATA_REQUESTS) == registered, "every registered view needs a request in this test"
    for name, view in RESIDENT_DATA_VIEWS.items():
        assert resolve(reverse(name, kwargs=_dummy_kwargs(name))).func is view, f"{name} is registered on another view"


def _dummy_kwargs(name: str) -> dict[str, Any]:
    for key, _p, kwargs in _urls():
        if key == name:
            dummies = {"document_id": 1, "photo_id": uuid.uuid4(), "size": "liten"}
            return {k: dummies.get(k, 1) for k in kwargs}
    raise AssertionError(name)


def test_each_display_of_resident_data_writes_exactly_one_entry(client: Client) -> None:
    d = _data()
    for name, requests in RESIDENT_DATA_REQUESTS.items():
        for request in requests:
            before = _reads()
            before_resident = AccessLogEntry.objects.filter(kind=EntryKind.READ, resident=d.w.resident).count()
            response, resident = request(client, d)
            assert response.status_code in (200, 302), (name, response.status_code)
            assert _reads() == before + 1, f"{name}: {_reads() - before} access-log entries for one display"
            assert AccessLogEntry.objects.filter(kind=EntryKind.READ, resident=resident).count() \
                == before_resident + 1, name


def test_views_without_resident_data_write_no_entry(client: Client) -> None:
    d = _data()
    staff = StaffUser.objects.filter(pk__in=[d.w.nurse.pk]).get()
    for key, pattern, kwarg_names in _urls():
        if key not in NO_RESIDENT_DATA:
            continue
        _login(client, staff)
        kwargs = d.kwargs(kwarg_names, key)
        url = reverse(key, kwargs=kwargs) if pattern.name else "/" + key
        before = _reads()
        response = client.get(url)
        assert response.status_code < 500, (key, response.status_code)
        assert _reads() == before, f"{key} wrote an access-log entry but is listed as showing no resident data"
