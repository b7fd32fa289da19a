"""The case page hides what a member of staff cannot do in the case's state; a posted form for it
is refused by the server with a message in the user's language (these checks live in
``cases.actions`` and hold for every door: page, websocket, API)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.cases.helpers import World, care_case, staff_login
from tests.cases.test_workspace import PDF
from tests.factories import personas
from vardlots.cases import actions
from vardlots.cases.models import CaseDocument, CaseStatus


def _post(client: Client, case_id: int, action: str, data: dict[str, str] | None = None) -> str:
    client.cookies["vardlots_language"] = "en"
    return client.post(f"/personal/arenden/{case_id}/{action}", data or {}, follow=True).content.decode()


def test_closing_a_closed_case_and_claiming_a_taken_one_are_refused(w: World) -> None:
    case = care_case(w, queue=w.care_queue())
    actions.do_claim(w.nurse, case)
    colleague = personas.nurse(w.hc)
    other = staff_login(Client(), colleague)
    assert "Someone else has already taken this case." in _post(other, case.pk, "claim")
    assert "Only the member of staff who has taken the case can do this." in _post(
        other, case.pk, "close", {"outcome": "self_care_advice"})
    assert "Only the member of staff who has taken the case can do this." in _post(other, case.pk, "release")
    mine = staff_login(Client(), w.nurse)
    _post(mine, case.pk, "close", {"outcome": "self_care_advice"})
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert "The case is closed." in _post(mine, case.pk, "close", {"outcome": "self_care_advice"})
    assert "Someone else has already taken this case." in _post(mine, case.pk, "claim")


def test_documents_only_by_the_owner(w: World) -> None:
    case = care_case(w, queue=w.care_queue())
    actions.do_claim(w.nurse, case)
    other = staff_login(Client(), personas.nurse(w.hc))
    other.cookies["vardlots_language"] = "en"
    page = other.post(f"/personal/arenden/{case.pk}/dokument",
                      {"file": SimpleUploadedFile("r.pdf", PDF, content_type="application/pdf")}, follow=True)
    assert page.status_code in (200, 403)
    assert not CaseDocument.objects.exists()
