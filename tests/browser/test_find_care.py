"""Find care and booking in a real browser, at 360 px, with axe on every page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import assert_accessible, assert_no_horizontal_scroll
from tests.browser.test_foundation import resident_login

pytestmark = pytest.mark.browser


def test_find_care_by_name_kind_municipality_and_open_now_on_a_small_screen(mobile_page: Any) -> None:
    page = mobile_page
    page.goto("/hitta-vard/")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    page.fill("#q", "Sjöstaden")
    page.click("form.filters button.button-primary")
    page.wait_for_url("**/hitta-vard/?*")
    assert page.locator(".unit-results h3").first.inner_text() == "Närakut Sjöstaden (demo)"
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    page.goto("/hitta-vard/")
    page.select_option("#kind", "emergency")
    page.select_option("#municipality", "Uppsala")
    page.check("#open_now")
    page.click("form.filters button.button-primary")
    page.wait_for_url("**open_now=1**")
    names = page.locator(".unit-results h3").all_inner_texts()
    assert names and all("Akut" in n for n in names)
    assert page.locator(".status-open").count() == len(names)  # emergency departments are open round the clock
    assert_accessible(page)
    page.locator(".unit-results h3 a").first.click()
    page.wait_for_url("**/hitta-vard/enhet/**")
    assert page.locator("h1").inner_text().startswith("Akut")
    assert page.locator(".hours-table").count() == 1
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


def test_unit_page_of_a_health_centre_with_chat_and_e_services(page: Any) -> None:
    page.goto("/hitta-vard/enhet/SE2321000016-DEMO01/")
    assert "Vårdcentral Söderhöjden" in page.locator("h1").inner_text()
    assert page.locator(".hours-table th[scope=col]").count() == 3  # day, visits, chat
    assert_accessible(page)


def test_resident_books_and_cancels_in_the_browser(mobile_page: Any) -> None:
    page = mobile_page
    resident_login(page, "Anders Ahlgren")
    page.wait_for_url("**/konto/**", timeout=20000)
    page.goto("/bokning/")
    assert_accessible(page)
    page.locator("a.button-primary").first.click()
    page.wait_for_url("**/bokning/enhet/**")
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    page.locator(".slot-list button").first.click()
    page.wait_for_url("**/bokning/tid/**")
    assert_accessible(page)
    page.locator("button.button-danger").click()
    page.wait_for_url("**/bokning/tid/**")
    assert page.locator(".message").count() == 1
