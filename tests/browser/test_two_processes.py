"""Issue 5, production mode: two app processes on one PostgreSQL database share Redis. A resident
on process A and a nurse on process B chat live: the message, "your turn" and the reply cross
between the processes through the Redis channel layer."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Server, start_server
from tests.browser.test_staff_workspace import (
    ANDERS,
    make_case,
    new_page,
    nurse_login,
    open_resident_case,
    resident_login,
    take,
)

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    if not (os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL")):
        pytest.skip("two app processes need PostgreSQL and Redis")  # the markers turn this into a CI failure
    first = start_server(tmp_path_factory.mktemp("process-a"), {"VARDLOTS_REDIS_PREFIX": "two-processes"})
    second = start_server(Path(tmp_path_factory.mktemp("process-b")), {
        "DATABASE_URL": first.env["DATABASE_URL"], "VARDLOTS_REDIS_PREFIX": "two-processes"})
    yield first, second
    second.stop()
    first.stop()


def test_a_resident_and_a_nurse_on_different_processes_chat_live(browser: Any, two_servers: tuple) -> None:
    a, b = two_servers
    case_id = make_case(a, ANDERS, "Två processer", "P2")
    resident = new_page(browser, a)
    nurse = new_page(browser, b)
    resident_login(resident, "Anders Ahlgren")
    open_resident_case(resident, case_id)
    nurse_login(nurse)
    take(nurse, "Två processer")
    resident.locator("#your-turn").wait_for(state="visible", timeout=15000)  # B claimed, A's page heard it
    nurse.locator("#chat-body").fill("Hej Anders, jag heter Sara.")
    nurse.get_by_role("button", name="Skicka", exact=True).click()
    resident.get_by_text("Hej Anders, jag heter Sara.").wait_for(timeout=15000)
    resident.locator("#chat-body").fill("Hej! Det gör ont när jag sväljer.")
    resident.get_by_role("button", name="Skicka", exact=True).click()
    nurse.get_by_text("Det gör ont när jag sväljer.").wait_for(timeout=15000)
    # Nothing duplicated on either side after a reload from the database.
    for page in (resident, nurse):
        page.reload()
        assert page.get_by_text("Hej Anders, jag heter Sara.").count() == 1
        assert page.get_by_text("Det gör ont när jag sväljer.").count() == 1
