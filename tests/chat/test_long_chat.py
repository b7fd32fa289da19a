"""A long chat (2,000 messages): both case pages show the newest messages, "show older messages"
walks back to the first one (with JavaScript as a fragment, without as pages of their own), staff
reads are access-logged once per page, and resuming from the page's cursor sends nothing twice."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests import factories
from tests.cases.helpers import World, care_case, staff_login
from vardlots.audit.models import AccessLogEntry
from vardlots.cases import actions as cases
from vardlots.cases.models import Case, CaseEvent
from vardlots.chat import actions
from vardlots.chat.models import Message, Side

N = 2000
OLDER = re.compile(r'id="chat-older"><a href="([^"]+)"')
IDS = re.compile(r'data-message-id="(\d+)"')


def long_chat(w: World, n: int = N) -> Case:
    """``n`` messages, alternating sides, each with its ``message`` event (as sending writes them)."""
    case = care_case(w)
    cases.do_claim(w.nurse, case)
    start = timezone.now() - timedelta(days=2)
    messages = Message.objects.bulk_create(
        Message(case=case, side=Side.STAFF if i % 2 else Side.RESIDENT, body=f"Meddelande nr {i}",
                client_id=f"bulk-{i}", created_at=start + timedelta(seconds=i),
                sender_staff=w.nurse if i % 2 else None, sender_resident=None if i % 2 else w.resident)
        for i in range(n))
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, kind="message", payload={"message_id": m.pk, "sender": m.side}, visible_to_resident=True,
                  created_at=m.created_at, actor_staff=m.sender_staff, actor_resident=m.sender_resident)
        for m in messages)
    return case


def walk_back(client: Client, first_page: str, *, fetch: bool) -> tuple[list[int], int]:
    """Follow "show older messages" to the end; every message id seen (oldest first), pages read."""
    ids = [int(i) for i in IDS.findall(first_page)]
    link = OLDER.search(first_page)
    pages = 0
    while link:
        headers = {"HTTP_X_REQUESTED_WITH": "fetch"} if fetch else {}
        response = client.get(link.group(1).replace("&amp;", "&"), **headers)
        assert response.status_code == 200
        html = response.content.decode()
        if fetch:
            assert "<html" not in html  # a fragment for case.js
        else:
            assert "<html" in html and "Tillbaka till ärendet" in html  # a page of its own
        ids = [int(i) for i in IDS.findall(html)] + ids
        link = OLDER.search(html)
        pages += 1
        assert pages <= N  # never loops
    return ids, pages


@pytest.mark.django_db
@pytest.mark.parametrize("fetch", [True, False], ids=["javascript", "no-javascript"])
def test_both_sides_see_the_newest_and_reach_the_first(w: World, fetch: bool) -> None:
    case = long_chat(w)
    all_ids = list(Message.objects.filter(case=case).order_by("pk").values_list("pk", flat=True))
    resident = factories.resident_client(Client(), w.resident)
    nurse = staff_login(Client(), w.nurse)
    for client, url in ((resident, f"/arenden/{case.pk}/"), (nurse, f"/personal/arenden/{case.pk}/")):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert f"Meddelande nr {N - 1}<" in html  # the newest message is shown
        shown = [int(i) for i in IDS.findall(html)]
        assert shown == all_ids[-50:]
        assert "Visa äldre meddelanden" in html
        before = AccessLogEntry.objects.filter(resident=w.resident).count()
        ids, pages = walk_back(client, html, fetch=fetch)
        assert ids == all_ids  # every message once, in order, down to the first
        assert "Meddelande nr 0<" in html or ids[0] == all_ids[0]
        logged = AccessLogEntry.objects.filter(resident=w.resident).count() - before
        assert logged == (pages if client is nurse else 0)  # one entry per page a member of staff reads


@pytest.mark.django_db
def test_older_pages_are_refused_to_others_and_bad_cursors_are_harmless(w: World) -> None:
    case = long_chat(w, 120)
    stranger = staff_login(Client(), w.nurse_hc2)
    assert stranger.get(f"/arenden/{case.pk}/meddelanden/aldre?fore=999999").status_code == 403
    other = factories.resident_client(Client(), factories.resident(given_name="Olle"))
    assert other.get(f"/arenden/{case.pk}/meddelanden/aldre?fore=999999").status_code in (403, 404)
    assert Client().get(f"/arenden/{case.pk}/meddelanden/aldre").status_code in (302, 403)
    resident = factories.resident_client(Client(), w.resident)
    newest = Message.objects.filter(case=case).order_by("-pk").first()
    assert newest is not None
    for fore in ("", "abc", "-5", "0", str(2**80), "1e9"):
        response = resident.get(f"/arenden/{case.pk}/meddelanden/aldre", {"fore": fore})
        assert response.status_code == 200, fore
        assert f'data-message-id="{newest.pk}"' in response.content.decode()  # no cursor: from the newest
    # a control character in any query string is refused at the edge with a clear page
    refused = resident.get(f"/arenden/{case.pk}/meddelanden/aldre", {"fore": "\x00"})
    assert refused.status_code == 400 and "tecken" in refused.content.decode()
    oldest = Message.objects.filter(case=case).order_by("pk").first()
    assert oldest is not None
    response = resident.get(f"/arenden/{case.pk}/meddelanden/aldre", {"fore": oldest.pk})
    assert "Det finns inga äldre meddelanden." in response.content.decode()


@pytest.mark.django_db
def test_resuming_from_the_page_sends_only_what_is_new(w: World) -> None:
    case = long_chat(w)
    html = factories.resident_client(Client(), w.resident).get(f"/arenden/{case.pk}/").content.decode()
    after = int(re.search(r'data-after="(\d+)"', html).group(1))  # type: ignore[union-attr]
    assert actions.stream_after(case.pk, after, for_resident=True) == []
    message = actions.do_send_message(w.nurse, Case.objects.get(pk=case.pk), "Nytt svar", "n-new")
    frames = actions.stream_after(case.pk, after, for_resident=True)
    assert [f["message"]["id"] for f in frames if f["kind"] == "message"] == [message.pk]


@pytest.mark.django_db
def test_a_refused_form_post_keeps_the_text(w: World, settings: object) -> None:
    """Without JavaScript: the message box of the reloaded page holds what the person wrote."""
    case = care_case(w)
    resident = factories.resident_client(Client(), w.resident)
    response = resident.post(f"/arenden/{case.pk}/meddelanden", {"body": "Hej\x00 igen", "client_id": "f-1"},
                             follow=True)
    html = response.content.decode()
    assert "tecken som inte kan skickas" in html
    assert ">Hej igen</textarea>" in html
    assert ">Hej igen</textarea>" not in resident.get(f"/arenden/{case.pk}/").content.decode()  # once
