"""The staff workspace beyond claiming: hours and hand-over, reassigning, notes, documents, photos,
earlier contacts, the record text, phrase templates, the live queue socket, every new view × role."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone
from PIL import Image

from tests.cases.helpers import World, care_case, staff_login, triage_session
from vardlots.audit.models import AccessLogEntry
from vardlots.cases import actions
from vardlots.cases.actions import CaseError
from vardlots.cases.models import Case, CaseEvent, CaseStatus, Outcome
from vardlots.chat import actions as chat
from vardlots.chat import phrases
from vardlots.chat.models import PhraseTemplate
from vardlots.core import jobs
from vardlots.core.models import Job
from vardlots.directory.actions import do_set_opening_hours
from vardlots.directory.hours import STOCKHOLM
from vardlots.directory.models import Channel

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
WORKDAYS_8_16 = [(d, dt.time(8), dt.time(16)) for d in range(5)]


def local(y: int, m: int, d: int, h: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, minute, tzinfo=STOCKHOLM)


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                                                          "OPTIONS": {"location": str(tmp_path)}}}
    return tmp_path


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (200, 150), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


# --- hours and hand-over ----------------------------------------------------------------------------

def test_chat_is_open_follows_the_units_chat_hours(w: World) -> None:
    do_set_opening_hours(w.hc, WORKDAYS_8_16, Channel.CHAT)
    assert actions.chat_is_open(w.hc, local(2026, 11, 24, 9))  # a Tuesday
    assert not actions.chat_is_open(w.hc, local(2026, 11, 24, 16))
    assert not actions.chat_is_open(w.hc, local(2026, 11, 28, 10))  # Saturday
    assert not actions.chat_is_open(w.hc, local(2026, 12, 25, 10))  # Christmas Day, a Friday
    actions.do_set_unit_settings(w.hc, chat_open=False)
    assert not actions.chat_is_open(w.hc, local(2026, 11, 24, 9))  # the switch closes it on top
    assert actions.chat_is_open(w.hc2, local(2026, 11, 28, 3))  # no chat hours: the switch alone


def test_new_care_cases_go_to_1177_after_closing(w: World) -> None:
    do_set_opening_hours(w.hc, WORKDAYS_8_16, Channel.CHAT)
    assert actions.queue_for(w.resident, "care", urgency="P3", care_need="health_centre",
                             now=local(2026, 11, 24, 10)).unit == w.hc
    assert actions.queue_for(w.resident, "care", urgency="P3", care_need="health_centre",
                             now=local(2026, 11, 24, 17)).unit == w.pool


def test_hand_over_at_closing_under_a_controlled_clock(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = {"now": local(2026, 11, 24, 10)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    do_set_opening_hours(w.hc, WORKDAYS_8_16, Channel.CHAT)
    waiting = care_case(w, "P3", now=local(2026, 11, 24, 9))
    taken = care_case(w, "P4", now=local(2026, 11, 24, 9, 30), complaint="Utslag")
    actions.do_claim(w.nurse, taken)
    actions.do_add_note(w.nurse, taken, "Ser ut som eksem")
    before = {c.pk: (c.urgency_rank, c.waiting_since, c.response_target_at) for c in Case.objects.all()}
    assert actions.schedule_hand_overs() == 1
    job = Job.objects.get(name=actions.HAND_OVER_JOB)
    assert job.run_at == local(2026, 11, 24, 16)
    assert actions.schedule_hand_overs() == 0  # already scheduled: idempotent

    clock["now"] = local(2026, 11, 24, 15, 59)
    assert jobs.run_due() == 0
    assert set(Case.objects.values_list("queue__unit", flat=True)) == {w.hc.pk}

    clock["now"] = local(2026, 11, 24, 16)
    assert jobs.run_due() == 1
    pool = w.care_queue(w.pool)
    for case in Case.objects.all():
        assert case.queue == pool
        assert case.status == CaseStatus.WAITING and case.owner is None
        assert (case.urgency_rank, case.waiting_since, case.response_target_at) == before[case.pk]
    kinds = list(CaseEvent.objects.filter(case=taken).values_list("kind", flat=True))
    assert kinds == ["case_created", "claimed", "note_added", "handed_over", "returned_to_queue"]
    assert [c.pk for c in actions.waiting_cases(pool)] == [waiting.pk, taken.pk]  # priority kept
    nxt = Job.objects.get(name=actions.HAND_OVER_JOB, state=Job.State.QUEUED)
    assert nxt.run_at == local(2026, 11, 25, 16)  # the next run is scheduled when it runs
    # The pool nurse now sees both; the health centre nurse no longer does.
    actions.access_case(w.nurse_pool, waiting.pk)
    with pytest.raises(PermissionDenied):
        actions.access_case(w.nurse_hc2, waiting.pk)


def test_friday_hand_over_schedules_monday(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = {"now": local(2026, 11, 27, 16)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    do_set_opening_hours(w.hc, WORKDAYS_8_16, Channel.CHAT)
    jobs.enqueue(actions.HAND_OVER_JOB, {"unit_id": w.hc.pk}, run_at=clock["now"])
    assert jobs.run_due() == 1
    assert Job.objects.get(state=Job.State.QUEUED).run_at == local(2026, 11, 30, 16)


def test_hand_over_does_nothing_while_open_and_keeps_closed_cases(w: World) -> None:
    do_set_opening_hours(w.hc, WORKDAYS_8_16, Channel.CHAT)
    case = care_case(w, now=local(2026, 11, 24, 9))
    assert actions.do_hand_over(w.hc, now=local(2026, 11, 24, 12)) == []
    actions.do_close(w.nurse, case, Outcome.OTHER)
    assert actions.do_hand_over(w.hc, now=local(2026, 11, 24, 17)) == []
    case.refresh_from_db()
    assert case.queue.unit == w.hc


# --- reassign ---------------------------------------------------------------------------------------

def test_reassign_to_a_named_colleague(w: World) -> None:
    case = care_case(w)
    actions.do_claim(w.nurse, case)
    assert w.doctor in actions.colleagues_for(w.nurse, case)
    assert w.nurse_hc2 not in actions.colleagues_for(w.nurse, case)
    actions.do_reassign(w.nurse, case, w.doctor, note="Behöver recept")
    case.refresh_from_db()
    assert case.owner == w.doctor and case.status == CaseStatus.IN_PROGRESS
    resident_kinds = [f["kind"] for f in chat.stream_after(case.pk, 0, for_resident=True)]
    assert resident_kinds == ["case_created", "claimed", "claimed"]  # reassigned itself stays internal
    for by, other, key in ((w.doctor, w.nurse_hc2, "case.reassign_not_allowed"),
                           (w.nurse, w.doctor, "case.not_owner"), (w.doctor, w.doctor, "case.reassign_self")):
        with pytest.raises(CaseError) as caught:
            actions.do_reassign(by, case, other)
        assert caught.value.key == key
    with pytest.raises(PermissionDenied):
        actions.do_reassign(w.nurse_hc2, case, w.nurse)


def test_reassign_respects_the_colleagues_limit(w: World) -> None:
    actions.do_set_unit_settings(w.hc, max_parallel_cases=1)
    mine, theirs = care_case(w), care_case(w, complaint="Hosta")
    actions.do_claim(w.nurse, mine)
    actions.do_claim(w.doctor, theirs)
    with pytest.raises(CaseError) as caught:
        actions.do_reassign(w.nurse, mine, w.doctor)
    assert caught.value.key == "case.reassign_limit"


# --- notes, documents, photos -----------------------------------------------------------------------

def test_internal_notes_never_reach_the_resident(w: World) -> None:
    case = care_case(w)
    note = actions.do_add_note(w.nurse, case, "Misstänker streptokocker")
    assert note.author == w.nurse
    frames = chat.stream_after(case.pk, 0, for_resident=True)
    assert "note_added" not in [f["kind"] for f in frames] and "streptokocker" not in str(frames)
    with pytest.raises(PermissionDenied):
        actions.do_add_note(w.nurse_hc2, case, "x")
    with pytest.raises(CaseError):
        actions.do_add_note(w.nurse, case, "   ")
    client = staff_login(Client(), w.nurse)
    assert "streptokocker" in client.get(f"/personal/arenden/{case.pk}/").content.decode()
    assert "streptokocker" not in str(client.get(f"/arenden/{case.pk}/meddelanden").content)


def test_documents_checked_by_content_and_served_to_allowed_people(w: World, media: Any) -> None:
    case = care_case(w)
    actions.do_claim(w.nurse, case)
    pdf = actions.do_attach_document(w.nurse, case, PDF, "Egenvårdsråd")
    image = actions.do_attach_document(w.nurse, case, png_bytes(), "Bild")
    assert (pdf.content_type, image.content_type) == ("application/pdf", "image/jpeg")
    for bad, key in ((b"<html><script>alert(1)</script>", "document.bad_type"),
                     (PDF.replace(b"/Catalog", b"/Catalog /OpenAction << /JS (x) >>"), "document.bad_pdf"),
                     (b"%PDF-1.4 truncated", "document.bad_pdf"), (b"MZ\x90\x00", "document.bad_type")):
        with pytest.raises(CaseError) as caught:
            actions.do_attach_document(w.nurse, case, bad, "x")
        assert caught.value.key == key
    assert case.documents.count() == 2
    with pytest.raises(PermissionDenied):
        actions.do_attach_document(w.nurse_hc2, case, PDF, "x")
    frames = chat.stream_after(case.pk, 0, for_resident=True)
    doc_frame = next(f for f in frames if f["kind"] == "document_added")
    assert doc_frame["document"]["url"] == f"/arenden/{case.pk}/dokument/{pdf.pk}"

    nurse = staff_login(Client(), w.nurse)
    response = nurse.get(f"/personal/arenden/{case.pk}/dokument/{pdf.pk}")
    assert response.status_code == 200 and response.content == PDF
    assert response["Cache-Control"] == "private, no-store" and "attachment" in response["Content-Disposition"]
    assert AccessLogEntry.objects.filter(case_id=str(case.pk), detail__what="case.document").exists()
    assert staff_login(Client(), w.nurse_hc2).get(f"/personal/arenden/{case.pk}/dokument/{pdf.pk}").status_code == 403
    resident = Client()
    resident_login(resident, w.resident)
    assert resident.get(f"/arenden/{case.pk}/dokument/{image.pk}")["Content-Type"] == "image/jpeg"
    other = Client()
    from tests import factories

    resident_login(other, factories.resident(given_name="Annan"))
    assert other.get(f"/arenden/{case.pk}/dokument/{image.pk}").status_code == 403


def make_photo(session: Any, resident: Any) -> Any:
    """A stored assessment photo (as the intake flow leaves it) on a completed session."""
    from vardlots.intake.models import AssessmentPhoto
    from vardlots.intake.photos import process_and_store

    stored = process_and_store(png_bytes())
    return AssessmentPhoto.objects.create(
        triage_session=session, uploaded_by=resident, name=stored.name, thumbnail_name=stored.thumbnail_name,
        sha256=stored.sha256, thumbnail_sha256=stored.thumbnail_sha256, size=stored.size, width=stored.width,
        height=stored.height, thumbnail_width=stored.thumbnail_width, thumbnail_height=stored.thumbnail_height,
        source_format=stored.source_format)


def resident_login(client: Client, person: Any) -> None:
    import time

    from vardlots.accounts.session import RESIDENT_KEY
    from vardlots.core.middleware import SESSION_KIND, SESSION_LAST_SEEN, SESSION_LOGIN_AT

    session = client.session
    now = int(time.time())
    session[SESSION_KIND], session[RESIDENT_KEY] = "resident", person.pk
    session[SESSION_LOGIN_AT], session[SESSION_LAST_SEEN] = now, now
    session.save()


def test_resident_photos_shown_to_staff_with_an_access_log_entry(w: World, media: Any) -> None:
    session = triage_session(w.resident)
    photo = make_photo(session, w.resident)
    case = actions.do_create_case_from_triage(session)
    assert actions.case_photos(case) == [photo]
    nurse = staff_login(Client(), w.nurse)
    page = nurse.get(f"/personal/arenden/{case.pk}/").content.decode()
    assert f"/personal/arenden/{case.pk}/foton/{photo.pk}/liten" in page
    response = nurse.get(f"/personal/arenden/{case.pk}/foton/{photo.pk}/stor")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert AccessLogEntry.objects.filter(case_id=str(case.pk), detail__what="case.photo").count() == 1
    assert staff_login(Client(), w.nurse_hc2).get(
        f"/personal/arenden/{case.pk}/foton/{photo.pk}/stor").status_code == 403


# --- earlier contacts and the record text ----------------------------------------------------------

def test_earlier_contacts_are_logged_and_limited_to_visible_units(w: World) -> None:
    old = care_case(w, complaint="Ont i örat")
    actions.do_close(w.nurse, old, Outcome.SELF_CARE_ADVICE)
    elsewhere = care_case(w, queue=w.care_queue(w.hc2), complaint="Hemlig")
    current = care_case(w, complaint="Feber")
    assert actions.access_earlier_contacts(w.nurse, current.pk) == [old]
    assert elsewhere not in actions.access_earlier_contacts(w.nurse, current.pk)
    assert AccessLogEntry.objects.filter(case_id=str(current.pk), detail__what="case.earlier_contacts").count() == 2
    page = staff_login(Client(), w.nurse).get(f"/personal/arenden/{current.pk}/tidigare").content.decode()
    assert "Ont i örat" in page and "Hemlig" not in page


def test_documentation_text(w: World) -> None:
    session = triage_session(w.resident, "P3")
    session.result = {"urgency": "P3", "explanation": {"sv": "Halsont utan varningstecken.", "en": "Sore throat."}}
    session.answers = [["fever", True]]
    session.save()
    case = actions.do_create_case_from_triage(session)
    actions.do_claim(w.nurse, case)
    actions.do_override_urgency(w.nurse, case, "P2", "Svårt att svälja")
    actions.do_close(w.nurse, case, Outcome.REFERRED_HEALTH_CENTRE, note="Tid i morgon")
    case.refresh_from_db()
    text = actions.documentation_text(case, language="en")
    assert f"case {case.pk}" in text and "Contact reason: Halsont" in text
    assert "Computed urgency: P3" in text and "Explanation: Sore throat." in text
    assert "changed by staff to P2. Reason: Svårt att svälja" in text
    assert "Outcome: Referred to a health centre" in text and "Note: Tid i morgon" in text
    assert ": yes" in text


def test_documentation_text_lists_pertinent_negatives(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from vardlots.triage import engine
    from vardlots.triage.model import Text

    found = [engine.PertinentNegative("r1", "stiff_neck", Text("nackstelhet", "stiff neck"))]
    monkeypatch.setattr(engine, "pertinent_negatives", lambda content, inp: found)
    case = care_case(w)
    assert "Pertinent negatives: stiff neck" in actions.documentation_text(case, language="en")
    assert "nackstelhet" in actions.documentation_text(case, language="sv")


# --- phrase templates -------------------------------------------------------------------------------

def test_templates_by_scope_kind_and_placeholders(w: World) -> None:
    do_set_opening_hours(w.hc, WORKDAYS_8_16, Channel.CHAT)
    from tests import factories
    from vardlots.accounts.models import Role

    manager = factories.staff(Role.UNIT_MANAGER, w.hc)
    region_admin = factories.staff(Role.REGION_ADMIN, w.pool)
    chat.do_save_template(w.nurse, scope="personal", code="hej", title="Hej", body="Hej {first_name}!")
    chat.do_save_template(manager, scope="unit", unit=w.hc, code="tid", title="Tid",
                          body="{unit} har chatt {hours} i dag {date}. {okand}")
    chat.do_save_template(region_admin, scope="region", region=w.hc.region, code="hi", language="en",
                          title="Hi", body="Hello {first_name}")
    chat.do_save_template(w.admin_staff, scope="personal", kind="admin", code="faktura", title="F", body="F")
    with pytest.raises(PermissionDenied):
        chat.do_save_template(w.nurse, scope="unit", unit=w.hc, code="x", title="x", body="x")
    with pytest.raises(PermissionDenied):
        chat.do_save_template(manager, scope="region", region=w.hc.region, code="x", title="x", body="x")
    with pytest.raises(CaseError):
        chat.do_save_template(w.nurse, scope="personal", code="Ogiltig kod", title="x", body="x")

    case = care_case(w, queue=w.care_queue())
    monday = local(2026, 11, 23, 10)
    rendered = {t["code"]: t["text"] for t in phrases.rendered_for(w.nurse, case, monday)}
    assert rendered == {"hej": "Hej Rut!", "hi": "Hello Rut",
                        "tid": "Vårdcentral Test har chatt 08:00–16:00 i dag 23 november 2026. {okand}"}
    assert {t["code"] for t in phrases.rendered_for(w.doctor, case)} == {"tid", "hi"}  # not the nurse's own
    assert [t["code"] for t in phrases.rendered_for(w.nurse_hc2, care_case(w, queue=w.care_queue(w.hc2)))] == ["hi"]
    admin_case = actions.do_create_admin_case(w.resident, contact_reason="Faktura")
    assert [t["code"] for t in phrases.rendered_for(w.admin_staff, admin_case)] == ["faktura"]

    mine = PhraseTemplate.objects.get(code="hej")
    with pytest.raises(PermissionDenied):
        chat.do_delete_template(w.doctor, mine)
    assert [t.code for t in chat.manageable_templates(manager)] == ["tid"]
    chat.do_delete_template(w.nurse, mine)


def test_template_pages_without_javascript(w: World) -> None:
    chat.do_save_template(w.nurse, scope="personal", code="hej", title="Hälsning", body="Hej {first_name}!")
    client = staff_login(Client(), w.nurse)
    response = client.post("/personal/mallar/", {"scope": "personal", "code": "tack", "title": "Tack",
                                                 "body": "Tack {first_name}", "language": "sv", "kind": "care"})
    assert response.status_code == 302
    assert "/tack" in client.get("/personal/mallar/").content.decode()
    case = care_case(w)
    actions.do_claim(w.nurse, case)
    template = PhraseTemplate.objects.get(code="hej")
    page = client.get(f"/personal/arenden/{case.pk}/?mall={template.pk}").content.decode()
    assert ">Hej Rut!</textarea>" in page
    data = client.get(f"/personal/arenden/{case.pk}/mallar").json()
    assert {t["code"]: t["text"] for t in data["templates"]} == {"hej": "Hej Rut!", "tack": "Tack Rut"}
    client.post("/personal/mallar/", {"delete": template.pk})
    assert not PhraseTemplate.objects.filter(pk=template.pk).exists()
    other = staff_login(Client(), w.doctor)
    other.post("/personal/mallar/", {"delete": PhraseTemplate.objects.get(code="tack").pk})
    assert PhraseTemplate.objects.filter(code="tack").exists()


# --- the live queue socket --------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_queue_socket_rings_on_changes_in_visible_queues_only(w: World) -> None:
    from vardlots.asgi import application

    queue_id = w.care_queue().pk

    async def scenario(cookie: str, other_cookie: str) -> None:
        mine = WebsocketCommunicator(application, "/ws/queues/", headers=[(b"cookie", cookie.encode()),
                                                                           (b"origin", b"http://testserver")])
        assert (await mine.connect())[0]
        hello = await mine.receive_json_from(timeout=5)
        assert hello["type"] == "hello" and queue_id in hello["queues"]
        theirs = WebsocketCommunicator(application, "/ws/queues/", headers=[
            (b"cookie", other_cookie.encode()), (b"origin", b"http://testserver")])
        assert (await theirs.connect())[0]
        await theirs.receive_json_from(timeout=5)
        from channels.db import database_sync_to_async

        case = await database_sync_to_async(care_case)(w)
        frame = await mine.receive_json_from(timeout=5)
        assert frame == {"type": "queue_changed", "case_id": case.pk}
        assert await theirs.receive_nothing(timeout=0.3)
        anonymous = WebsocketCommunicator(application, "/ws/queues/", headers=[(b"origin", b"http://testserver")])
        connected, code = await anonymous.connect()
        assert not connected or code == 4403
        for c in (mine, theirs):
            await c.disconnect()

    w.care_queue()
    w.care_queue(w.hc2)
    cookie = _cookie(staff_login(Client(), w.nurse))
    other = _cookie(staff_login(Client(), w.nurse_hc2))
    async_to_sync(scenario)(cookie, other)


def _cookie(client: Client) -> str:
    return "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())


def test_queue_page_fragment_for_the_script(w: World) -> None:
    case = care_case(w, complaint="Halsont och feber")
    client = staff_login(Client(), w.nurse)
    full = client.get("/personal/arenden/").content.decode()
    assert 'id="queue-live"' in full and "chat/queue.js" in full
    part = client.get("/personal/arenden/", HTTP_X_REQUESTED_WITH="fetch").content.decode()
    assert "<html" not in part and f'data-case-id="{case.pk}"' in part and "Halsont och feber" in part


# --- every new view × role --------------------------------------------------------------------------

ROLES = ["nurse", "doctor", "admin_staff", "nurse_hc2", "nurse_pool", "nurse_other_region", "region_admin"]
VIEWS = ["/personal/arenden/{case}/", "/personal/arenden/{case}/tidigare", "/personal/arenden/{case}/mallar",
         "/personal/arenden/{case}/dokument/{doc}", "/personal/arenden/{case}/foton/{photo}/liten"]


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("role", ROLES)
def test_new_views_refuse_other_units(w: World, media: Any, role: str, view: str) -> None:
    session = triage_session(w.resident)
    photo = make_photo(session, w.resident)
    case = actions.do_create_case_from_triage(session)
    actions.do_claim(w.nurse, case)
    doc = actions.do_attach_document(w.nurse, case, PDF, "Råd")
    actions.do_add_note(w.nurse, case, "Hemlig anteckning")
    client = staff_login(Client(), getattr(w, role))
    response = client.get(view.format(case=case.pk, doc=doc.pk, photo=photo.pk))
    if role in {"nurse", "doctor"}:
        assert response.status_code == 200
    else:
        assert response.status_code in (403, 404)
        assert b"Hemlig anteckning" not in response.content and b"Rut" not in response.content
    for action in ("note", "reassign"):
        client.post(f"/personal/arenden/{case.pk}/{action}", {"body": "x", "staff": w.doctor.pk})
    if role not in {"nurse", "doctor"}:
        case.refresh_from_db()
        assert case.owner == w.nurse and case.notes.count() == 1


def test_seed_is_idempotent(db: None) -> None:
    from vardlots.cases.demo import demo_case_count
    from vardlots.directory.demo import seed_demo

    seed_demo()
    counts = (demo_case_count(), PhraseTemplate.objects.count(), Job.objects.count())
    seed_demo()
    assert (demo_case_count(), PhraseTemplate.objects.count(), Job.objects.count()) == counts
    assert counts[0] == 4 and counts[1] >= 9
    assert Case.objects.filter(status=CaseStatus.WAITING).count() >= 4
