"""Issue 6 in a real browser: a whole call from a telephony event to the documentation, the
decision support operated by keyboard only, callbacks, training, and axe on every page."""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.request
import uuid
from typing import Any

import pytest

from tests.browser.conftest import assert_accessible
from tests.browser.test_foundation import resident_login, staff_login
from vardlots.accounts import personnummer
from vardlots.telephony import signing

pytestmark = pytest.mark.browser

ADULT = personnummer.build(dt.date(1990, 1, 1), "991")  # the demo resident Anders Ahlgren
POOL = "SE2321000016-DEMO07"  # 1177 Sjukvårdsrådgivningen Stockholm (demo)


def post_event(server: Any, **data: Any) -> dict[str, Any]:
    body = json.dumps(data).encode()
    headers = {"Content-Type": "application/json", **signing.signed_headers(body)}
    request = urllib.request.Request(server.url + "/api/v1/telephony/events",  # noqa: S310 - our own server
                                     data=body, method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own local server
        return dict(json.loads(response.read()))


def focused(page: Any) -> str:
    """The id of the focused element (after the page's deferred script has run)."""
    page.locator("#call-workspace[data-ready='1']").wait_for(state="attached")
    return str(page.evaluate("document.activeElement ? document.activeElement.id : ''"))


def answer_by_keyboard(page: Any) -> int:
    """Answer every question with the keyboard only: N for no, 0 none of these, 1 the first option,
    a number or a duration typed and Enter."""
    answered = 0
    for _ in range(60):
        focused(page)
        if page.locator("#questions-done").count():
            return answered
        form = page.locator("#question-form")
        assert form.count() == 1, page.content()[-2000:]
        if form.locator('[data-shortcut="n"]').count():
            key = "n"
        elif form.locator('input[type="checkbox"]').count():
            key = "0"
        elif form.locator('button[data-shortcut="1"]').count():
            key = "1"
        else:
            field = form.locator("#answer-number, #answer-duration")
            page.keyboard.press("Tab")  # from the focused question to its field
            assert page.evaluate("document.activeElement.id") == field.get_attribute("id")
            page.keyboard.type("37" if field.get_attribute("id") == "answer-number" else "2")
            key = "Enter"
        with page.expect_navigation():
            page.keyboard.press(key)
        answered += 1
    raise AssertionError("too many questions")


def test_whole_call_from_telephony_event_to_documentation(browser: Any, server: Any) -> None:
    context = browser.new_context(base_url=server.url, locale="sv-SE", viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = context.new_page()
    page.set_default_timeout(30000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    staff_login(page, "sjukskoterska")
    page.wait_for_url("**/personal/")

    call_id = f"demo-{uuid.uuid4().hex[:8]}"
    out = post_event(server, event_id=uuid.uuid4().hex, type="offered", call_id=call_id,
                     caller_number="070-555 12 34", personal_number=ADULT.long_form, unit_hsa_id=POOL)
    assert out["state"] == "offered"
    page.goto("/personal/telefon/")
    assert_accessible(page)
    take = page.locator(f"form[action$='/samtal/{out['id']}/take'] button")
    take.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_url(f"**/samtal/{out['id']}/")
    assert_accessible(page)

    # Identify: the number from the phone menu is filled in; Enter in the field saves.
    assert page.locator("#pnr").input_value() == ADULT.canonical
    page.locator("#pnr").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Anders Ahlgren" in page.locator("#caller").inner_text()
    # The search field has the focus: type the caller's words, Enter, Enter on the first hit.
    assert focused(page) == "reason-q"
    # Words that fit no contact reason: said plainly, Other symptoms offered, nothing unrelated;
    # the keyboard stays in the search field to try other words.
    page.keyboard.type("hicka")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    assert "Vi hittade inget som passar det du skrev" in page.locator("#reason").inner_text()
    assert page.locator("#reason input[name=protocol]").evaluate_all(
        "els => els.map(e => e.value)") == ["general"]
    assert focused(page) == "reason-q"
    page.locator("#reason-q").fill("")
    page.keyboard.type("ont i halsen")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    focused(page)
    assert page.evaluate("document.activeElement.dataset.firstHit") == "1"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert focused(page) == "current-question"
    assert_accessible(page)
    assert answer_by_keyboard(page) >= 3
    assert_accessible(page)

    # Override the urgency with a reason code and text.
    page.locator("details.override summary").focus()
    page.keyboard.press("Enter")
    page.locator("#ov-urgency").select_option("P2")
    page.locator("#ov-reason").select_option("caller_situation")
    page.locator("#ov-note").fill("Bor ensam och orolig")
    page.locator("details.override button[type=submit]").first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Bor ensam och orolig" in page.locator("#proposal").inner_text()
    assert_accessible(page)

    # A medical callback within 2 hours.
    page.locator("#cb-note").fill("Ring tillbaka om feber")
    page.locator("form:has(input[value=medical_callback]) button[type=submit]").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    doc = page.locator("#doc-text").input_value()
    assert "Bor ensam och orolig" in doc and "Ring tillbaka om feber" in doc
    page.locator("#copy-doc").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('copy-status').textContent.length > 0")
    assert page.evaluate("navigator.clipboard.readText()") == doc

    page.goto("/personal/telefon/aterringning/")
    assert_accessible(page)
    assert "Ring tillbaka om feber" in page.locator("main").inner_text()
    page.goto("/personal/telefon/ovning/")
    assert_accessible(page)
    assert problems == []
    context.close()


def test_keyboard_shortcuts_answer_yes_no_and_dont_know(browser: Any, server: Any) -> None:
    context = browser.new_context(base_url=server.url, locale="en-GB", viewport={"width": 1024, "height": 800})
    page = context.new_page()
    page.set_default_timeout(30000)
    staff_login(page, "uppsala-ssk")
    page.wait_for_url("**/personal/")
    page.goto("/personal/telefon/ovning/?q=sore+throat")
    assert_accessible(page)
    page.locator("ul.vignettes button").first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    seen: list[str] = []
    for _ in range(40):
        focused(page)
        if page.locator("#questions-done").count():
            break
        form = page.locator("#question-form")
        before = page.locator("input[name=position]").input_value()
        if form.locator('[data-shortcut="j"]').count():
            key = "v" if "v" not in seen else "n"  # one Don't know, then No
        elif form.locator('input[type="checkbox"]').count():
            page.keyboard.press("1")  # ticks the first option ...
            assert form.locator('input[type="checkbox"]').first.is_checked()
            page.keyboard.press("1")  # ... and un-ticks it
            key = "0"
        elif form.locator('button[data-shortcut="1"]').count():
            key = "1"
        else:
            page.keyboard.press("Tab")
            page.keyboard.type("2")
            key = "Enter"
        seen.append(key)
        with page.expect_navigation():
            page.keyboard.press(key)
        if page.locator("input[name=position]").count():
            assert page.locator("input[name=position]").input_value() != before
    assert "v" in seen
    page.locator("form[action$='submit-training'] button").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    assert re.search(r"\d+ (of|av) 100", page.locator("main").inner_text())
    context.close()


def test_manager_sees_scores_and_resident_books_a_callback(browser: Any, server: Any) -> None:
    context = browser.new_context(base_url=server.url, locale="sv-SE")
    page = context.new_page()
    page.set_default_timeout(30000)
    staff_login(page, "chef")
    page.wait_for_url("**/personal/")
    page.goto("/personal/telefon/ovning/resultat/")
    assert_accessible(page)
    context.close()

    context = browser.new_context(base_url=server.url, locale="sv-SE")
    page = context.new_page()
    page.set_default_timeout(30000)
    resident_login(page, "Anders Ahlgren")
    page.wait_for_url("**/konto/")
    page.goto("/telefon/")
    assert_accessible(page)
    page.locator("#cb-reason").fill("Utslag")
    with page.expect_navigation():
        page.locator("#cb-phone").press("Enter")
    assert_accessible(page)
    assert page.locator("form[action*='/avboka'] button").count() == 1
    context.close()
