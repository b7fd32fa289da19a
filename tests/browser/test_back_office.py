"""The back office (Django admin) for a region administrator: reachable, scoped, and axe-clean."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import assert_accessible
from tests.browser.test_foundation import staff_login

pytestmark = pytest.mark.browser

PAGES = ["/admin/", "/admin/directory/unit/", "/admin/accounts/staffuser/", "/admin/accounts/membership/",
         "/admin/directory/routingtable/", "/admin/booking/schedule/", "/admin/audit/accesslogentry/"]


def test_back_office_pages_have_no_accessibility_violations(page: Any) -> None:
    staff_login(page, "regionadmin")
    page.wait_for_url("**/konto/personal/")
    for path in PAGES:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert_accessible(page)
    page.goto("/admin/directory/unit/")
    page.locator("#result_list tbody tr th a").first.click()  # a unit's change form with its inlines
    page.wait_for_load_state()
    assert_accessible(page)
