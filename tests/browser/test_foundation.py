"""Issue 2 in a real browser: start page, language, log-ins, error pages, small screens, axe."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest

from tests.browser.conftest import assert_accessible, assert_no_horizontal_scroll
from vardlots.directory.demo import DEMO_PASSWORD, demo_totp_secret

pytestmark = pytest.mark.browser


def resident_login(page: Any, name: str) -> None:
    page.goto("/konto/logga-in")
    assert_accessible(page)
    page.get_by_role("button", name="Logga in med test-e-legitimation (TEST)").click()
    page.wait_for_url("**/logga-in/vantar")
    assert_accessible(page)
    page.get_by_label(name, exact=False).check()
    page.get_by_role("button", name="Identifiera (TEST)").click()


def staff_login(page: Any, username: str) -> None:
    page.goto("/konto/personal/logga-in")
    assert_accessible(page)
    page.get_by_label("HSA-id eller användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Fortsätt").click()
    page.wait_for_url("**/personal/kod")
    assert_accessible(page)
    page.get_by_label("Sexsiffrig kod från din autentiseringsapp").fill(pyotp.TOTP(demo_totp_secret(username)).now())
    page.get_by_role("button", name="Logga in").click()


def test_start_page_in_swedish_then_english_kept_across_pages(page: Any) -> None:
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.get_by_role("heading", level=1).inner_text() == "Hur kan vi hjälpa dig?"
    assert_accessible(page)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "How can we help you?"
    page.get_by_role("link", name="Log in as staff").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page)


def test_skip_link_moves_focus_to_the_main_content(page: Any) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Hoppa till innehållet")
    assert skip.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_resident_logs_in_with_the_test_eid_and_sees_only_their_own_page(page: Any) -> None:
    resident_login(page, "Anders Ahlgren")
    page.wait_for_url("**/konto/")
    assert page.get_by_role("heading", level=1).inner_text() == "Mina sidor"
    body = page.locator("main").inner_text()
    assert "19900101-****" in body
    assert "19900101-9919" not in body  # the full number is never shown
    assert_accessible(page)
    page.goto("/logg/")
    assert_accessible(page)


def test_guardian_acts_for_a_child_under_13(page: Any) -> None:
    resident_login(page, "Gabriella Grönlund")
    page.wait_for_url("**/konto/")
    page.get_by_role("button", name="Gustav").first.click()
    page.wait_for_load_state()
    assert "Gustav" in page.locator("main").inner_text()
    assert_accessible(page)


def test_nurse_logs_in_with_password_and_totp(page: Any) -> None:
    staff_login(page, "sjukskoterska")
    page.wait_for_url("**/konto/personal/")
    assert "Sjuksköterska" in page.locator("main").inner_text()
    assert_accessible(page)


def test_wrong_totp_is_refused_with_a_clear_message(page: Any) -> None:
    page.goto("/konto/personal/logga-in")
    page.get_by_label("HSA-id eller användarnamn").fill("lakare")
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Fortsätt").click()
    page.get_by_label("Sexsiffrig kod från din autentiseringsapp").fill("000000")
    page.get_by_role("button", name="Logga in").click()
    assert page.get_by_role("alert").count() >= 1
    assert_accessible(page)


@pytest.mark.parametrize(("language", "heading"), [("sv", "Sidan kunde inte hittas"),
                                                   ("en", "The page could not be found")])
def test_404_page(page: Any, server: Any, language: str, heading: str) -> None:
    page.context.add_cookies([{"name": "vardlots_language", "value": language, "url": server.url}])
    page.goto("/finns-inte-alls")
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert_accessible(page)


@pytest.mark.parametrize("width", [320, 360])
def test_pages_fit_small_screens(browser: Any, server: Any, width: int) -> None:
    context = browser.new_context(base_url=server.url, viewport={"width": width, "height": 700})
    page = context.new_page()
    for url in ["/", "/konto/logga-in", "/konto/personal/logga-in"]:
        page.goto(url)
        assert_no_horizontal_scroll(page)
        assert_accessible(page)
    context.close()


def test_no_csp_violations_on_the_start_page(page: Any) -> None:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto("/")
    resident_login(page, "Anders Ahlgren")
    page.wait_for_url("**/konto/")
    assert problems == []
