"""Chat through the real actions and the HTTP fallback: idempotent sending, read status, the stream."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from tests import factories
from tests.cases.helpers import World, care_case, staff_login, triage_session
from vardlots.audit.models import AccessLogEntry
from vardlots.cases import actions as cases
from vardlots.cases.actions import CaseError
from vardlots.cases.events import EVENT_TYPES, EventSchemaError, check_payload
from vardlots.cases.models import CaseEvent, Outcome
from vardlots.chat import actions
from vardlots.chat.models import Message

pytestmark = pytest.mark.django_db


def test_send_is_idempotent_per_client_id(w: World) -> None:
    case = care_case(w)
    first = actions.do_send_message(w.resident, case, "Jag har ont i halsen", "abc-1")
    again = actions.do_send_message(w.resident, case, "Jag har ont i halsen", "abc-1")
    assert again.pk == first.pk
    assert Message.objects.filter(case=case).count() == 1
    assert CaseEvent.objects.filter(case=case, kind="message").count() == 1
    # the same client id in another case is another message
    other = care_case(w)
    assert actions.do_send_message(w.resident, other, "Hej", "abc-1").pk != first.pk


def test_client_id_of_someone_else_is_refused(w: World) -> None:
    case = care_case(w)
    cases.do_claim(w.nurse, case)
    actions.do_send_message(w.resident, case, "Hej", "same")
    with pytest.raises(PermissionDenied):
        actions.do_send_message(w.nurse, case, "Hej", "same")


def test_validation(w: World) -> None:
    case = care_case(w)
    for body, client_id, key in [("  ", "a", "chat.empty"), ("x" * 4001, "b", "chat.too_long"),
                                 ("Hej", "", "chat.bad_client_id"), ("Hej", "bad id!", "chat.bad_client_id")]:
        with pytest.raises(CaseError) as caught:
            actions.do_send_message(w.resident, case, body, client_id)
        assert caught.value.key == key
    assert Message.objects.count() == 0


def test_who_may_write(w: World) -> None:
    case = care_case(w)
    stranger = factories.resident(listed_unit=w.hc)
    with pytest.raises(PermissionDenied):
        actions.do_send_message(stranger, case, "Hej", "s1")
    with pytest.raises(CaseError):  # staff write only once they have taken the case
        actions.do_send_message(w.nurse, case, "Hej", "n1")
    cases.do_claim(w.nurse, case)
    actions.do_send_message(w.nurse, case, "Hej Rut", "n1")
    cases.do_close(w.nurse, case, Outcome.SELF_CARE_ADVICE)
    with pytest.raises(CaseError) as caught:
        actions.do_send_message(w.resident, case, "En fråga till", "r9")
    assert caught.value.key == "chat.closed"


def test_guardian_who_acted_may_write(w: World) -> None:
    family = factories.guardian_with_children()
    session_case = cases.do_create_case_from_triage(
        triage_session(family.young_child, guardian=family.guardian), acting_guardian=family.guardian,
        queue=w.care_queue())
    message = actions.do_send_message(family.guardian, session_case, "Ylva har feber", "g1")
    assert message.sender_resident == family.guardian
    other_parent = factories.resident()
    with pytest.raises(PermissionDenied):
        actions.do_send_message(other_parent, session_case, "Hej", "g2")


def test_delivered_and_read(w: World) -> None:
    case = care_case(w)
    cases.do_claim(w.nurse, case)
    m1 = actions.do_send_message(w.resident, case, "Ett", "r1")
    m2 = actions.do_send_message(w.resident, case, "Två", "r2")
    own = actions.do_send_message(w.nurse, case, "Svar", "n1")
    assert actions.unread_counts(w.nurse) == {case.pk: 2}
    assert actions.do_mark_delivered(w.nurse, case, m2.pk) == 2
    assert actions.do_mark_read(w.nurse, case, m1.pk) == 1
    assert actions.unread_counts(w.nurse) == {case.pk: 1}
    assert actions.do_mark_read(w.nurse, case, m1.pk) == 0  # nothing new, no event
    own.refresh_from_db()
    assert own.read_at is None  # one's own messages are not marked by oneself
    marks = [(e.kind, e.payload) for e in CaseEvent.objects.filter(case=case, kind__startswith="messages_")]
    assert marks == [("messages_delivered", {"side": "staff", "up_to": m2.pk}),
                     ("messages_read", {"side": "staff", "up_to": m1.pk})]


def test_stream_hides_internal_events_from_resident(w: World) -> None:
    case = care_case(w)
    cases.do_claim(w.nurse, case)
    cases.do_override_urgency(w.nurse, case, "P2", "Intern bedömning")
    actions.do_send_message(w.nurse, case, "Hej", "n1")
    staff_kinds = [f["kind"] for f in actions.stream_after(case.pk, 0, for_resident=False)]
    resident_frames = actions.stream_after(case.pk, 0, for_resident=True)
    assert staff_kinds == ["case_created", "claimed", "urgency_overridden", "message"]
    assert [f["kind"] for f in resident_frames] == ["case_created", "claimed", "message"]
    assert resident_frames[-1]["message"]["body"] == "Hej"
    assert "Intern bedömning" not in str(resident_frames)
    after = resident_frames[1]["id"]
    assert [f["kind"] for f in actions.stream_after(case.pk, after, for_resident=True)] == ["message"]


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_every_event_matches_its_schema(w: World, settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path)}}}
    case = care_case(w)
    cases.do_claim(w.nurse, case)
    cases.do_add_note(w.nurse, case, "Intern")
    cases.do_attach_document(w.nurse, case, PDF, "Råd")
    cases.do_reassign(w.nurse, case, w.doctor)
    cases.do_reassign(w.doctor, case, w.nurse)
    m = actions.do_send_message(w.resident, case, "Hej", "r1")
    actions.do_mark_read(w.nurse, case, m.pk)
    cases.do_override_urgency(w.nurse, case, "P2", "Skäl")
    cases.do_escalate_to_doctor(w.nurse, case, note="Recept")
    cases.do_claim(w.doctor, case)
    cases.do_transfer(w.doctor, case, w.care_queue(w.hc2), "Listad där")
    cases.do_claim(w.nurse_hc2, case)
    cases.do_release(w.nurse_hc2, case)
    cases.do_close(w.nurse_hc2, case, Outcome.OTHER)
    cases.do_reopen(w.resident, case)
    cases.do_set_unit_settings(w.hc2, chat_open=False)
    assert cases.do_hand_over(w.hc2) != []
    seen = set()
    for event in CaseEvent.objects.filter(case=case):
        check_payload(event.kind, event.payload)
        assert event.visible_to_resident == EVENT_TYPES[event.kind].visible_to_resident
        seen.add(event.kind)
    assert seen == set(EVENT_TYPES) - {"messages_delivered"}
    with pytest.raises(EventSchemaError):
        check_payload("closed", {"outcome": "other", "extra": 1})
    with pytest.raises(EventSchemaError):
        check_payload("message", {"message_id": "1", "sender": "staff"})
    with pytest.raises(EventSchemaError):
        check_payload("nonsense", {})


# --- HTTP fallback ----------------------------------------------------------------------------------

def test_http_fallback_resident_posts_form_and_polls(w: World, client: Client) -> None:
    case = care_case(w)
    factories.resident_client(client, w.resident)
    page = client.get(f"/arenden/{case.pk}/")
    assert page.status_code == 200 and b"Halsont" in page.content
    for _ in range(2):  # a resubmitted form stores one message
        response = client.post(f"/arenden/{case.pk}/meddelanden", {"body": "Hej", "client_id": "form-1"})
        assert response.status_code == 302 and response["Location"] == f"/arenden/{case.pk}/"
    data = client.get(f"/arenden/{case.pk}/meddelanden?after=0").json()
    assert [m["body"] for m in data["messages"]] == ["Hej"]
    assert data["case"]["place"] == 1
    assert client.get(f"/arenden/{case.pk}/meddelanden?after={data['last_id']}").json()["messages"] == []
    other = care_case(w, resident=factories.resident(listed_unit=w.hc))
    assert client.get(f"/arenden/{other.pk}/meddelanden").status_code == 403
    assert client.post(f"/arenden/{other.pk}/meddelanden", {"body": "x", "client_id": "y"}).status_code == 403


def test_http_fallback_staff_json_and_access_log(w: World, client: Client) -> None:
    case = care_case(w)
    cases.do_claim(w.nurse, case)
    staff_login(client, w.nurse)
    response = client.post(f"/arenden/{case.pk}/meddelanden", {"body": "Hej Rut", "client_id": "n-1"},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 201 and response.json()["message"]["body"] == "Hej Rut"
    before = AccessLogEntry.objects.filter(resident=w.resident).count()
    data = client.get(f"/arenden/{case.pk}/meddelanden?after=0").json()
    assert [m["client_id"] for m in data["messages"]] == ["n-1"]
    assert AccessLogEntry.objects.filter(resident=w.resident).count() == before + 1
    assert client.get(f"/personal/arenden/{case.pk}/").status_code == 200
    assert AccessLogEntry.objects.filter(resident=w.resident).count() == before + 2


def test_staff_of_other_unit_refused_on_every_view(w: World, client: Client) -> None:
    case = care_case(w)
    staff_login(client, w.nurse_hc2)
    before = AccessLogEntry.objects.filter(resident=w.resident).count()
    assert client.get(f"/personal/arenden/{case.pk}/").status_code == 403
    assert client.get(f"/arenden/{case.pk}/meddelanden").status_code == 403
    assert client.post(f"/arenden/{case.pk}/meddelanden", {"body": "x", "client_id": "y"}).status_code == 403
    for action in ("claim", "release", "close", "escalate", "override", "reopen"):
        assert client.post(f"/personal/arenden/{case.pk}/{action}", {"outcome": "other"}).status_code == 403
    queue_page = client.get("/personal/arenden/")
    assert queue_page.status_code == 200 and b"Halsont" not in queue_page.content
    assert AccessLogEntry.objects.filter(resident=w.resident).count() == before
    case.refresh_from_db()
    assert case.owner is None


def test_staff_pages_work_a_case(w: World, client: Client) -> None:
    case = care_case(w)
    staff_login(client, w.nurse)
    page = client.get("/personal/arenden/")
    assert page.status_code == 200 and b"Halsont" in page.content
    response = client.post(f"/personal/arenden/ko/{case.queue_id}/ta-nasta")
    assert response.status_code == 302 and response["Location"] == f"/personal/arenden/{case.pk}/"
    client.post(f"/arenden/{case.pk}/meddelanden", {"body": "Hej", "client_id": "n-1"})
    assert client.post(f"/personal/arenden/{case.pk}/override", {"urgency": "P2", "reason": "Feber"}).status_code == 302
    assert client.post(f"/personal/arenden/{case.pk}/close", {"outcome": "self_care_advice"}).status_code == 302
    case.refresh_from_db()
    assert (case.status, case.override_urgency, case.outcome) == ("closed", "P2", "self_care_advice")
    assert Message.objects.filter(case=case).count() == 1
