"""A long chat in a real browser: the newest messages show, "Visa äldre meddelanden" loads older
ones on top (and opens a page of its own without JavaScript); a refused message is explained next
to the message box and its text is given back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser.conftest import Server, assert_accessible, without_javascript
from tests.browser.test_staff_workspace import ANDERS, MAKE_CASE, make_case, new_page, resident_login

pytestmark = pytest.mark.browser

ADD_MESSAGES = """
import json
from datetime import timedelta
from django.utils import timezone
from vardlots.accounts.models import Resident, StaffUser
from vardlots.cases import actions
from vardlots.cases.models import Case, CaseEvent
from vardlots.chat.models import Message
case = Case.objects.get(pk={case_id})
nurse = StaffUser.objects.get(username="sjukskoterska")
start = timezone.now() - timedelta(hours=3)
ms = Message.objects.bulk_create(
    Message(case=case, side="staff" if i % 2 else "resident", body=f"Meddelande nr {{i}}", client_id=f"bulk-{{i}}",
            created_at=start + timedelta(seconds=i), sender_staff=nurse if i % 2 else None,
            sender_resident=None if i % 2 else case.resident)
    for i in range({n}))
CaseEvent.objects.bulk_create(CaseEvent(case=case, kind="message", payload={{"message_id": m.pk, "sender": m.side}},
                                        visible_to_resident=True, created_at=m.created_at) for m in ms)
print(json.dumps({{"first": ms[0].pk}}))
"""


def test_long_chat_pages_back_and_a_refused_message_keeps_its_text(browser: Any, server: Server,
                                                                     tmp_path: Any) -> None:
    assert MAKE_CASE  # the same case maker as the workspace tests
    case_id = make_case(server, ANDERS, "Lång chatt")
    out = server.manage("shell", "-c", ADD_MESSAGES.format(case_id=case_id, n=120))
    first_id = json.loads(out.strip().splitlines()[-1])["first"]
    anders = new_page(browser, server)
    resident_login(anders, ANDERS)
    anders.goto(f"/arenden/{case_id}/")
    log = anders.locator("#chat-log")
    log.get_by_text("Meddelande nr 119", exact=True).wait_for()
    assert log.locator("li").count() == 50
    older = anders.get_by_role("link", name="Visa äldre meddelanden")
    older.click()
    anders.locator("#chat-log li").nth(99).wait_for(state="attached")
    older.click()
    log.get_by_text("Meddelande nr 0", exact=True).wait_for()
    assert anders.get_by_role("link", name="Visa äldre meddelanden").count() == 0
    ids = [int(i) for i in log.locator("li").evaluate_all("(lis) => lis.map((li) => li.dataset.messageId)")]
    assert len(ids) == 120 and ids == sorted(ids) and ids[0] == first_id
    assert_accessible(anders)

    # A character that cannot be stored: the reason shows by the box, the text comes back.
    anders.locator("#chat-body").fill("Jag har ont\u0007 i halsen")
    anders.get_by_role("button", name="Skicka", exact=True).click()
    error = anders.locator("#chat-error")
    error.wait_for(state="visible")
    assert "tecken som inte kan skickas" in error.inner_text()
    assert anders.locator("#chat-body").input_value() == "Jag har ont\u0007 i halsen"
    anders.screenshot(path=str(tmp_path / "long-chat.png"), full_page=True)
    assert_accessible(anders)
    anders.context.close()


def test_older_messages_without_javascript(browser: Any, server: Server) -> None:
    case_id = make_case(server, ANDERS, "Lång chatt utan skript")
    server.manage("shell", "-c", ADD_MESSAGES.format(case_id=case_id, n=60))
    context = browser.new_context(base_url=server.url, locale="sv-SE", java_script_enabled=False)
    page = without_javascript(context.new_page())
    page.set_default_timeout(30000)
    resident_login(page, ANDERS)
    page.goto(f"/arenden/{case_id}/")
    page.get_by_role("link", name="Visa äldre meddelanden").click()
    page.get_by_role("heading", name="Äldre meddelanden").wait_for()
    assert page.get_by_text("Meddelande nr 0", exact=True).is_visible()
    assert page.get_by_role("link", name="Tillbaka till ärendet").is_visible()
    assert_accessible(page)
    context.close()
