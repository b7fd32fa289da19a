"""Issue 5 in real browsers: a nurse and residents in two Chromium instances; the live queue; your
turn; templates; transfer and close seen live by the residents; a server restart loses nothing; axe
on every staff workspace page.

These tests run their own server (``workspace_server``) because one of them stops and restarts it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest

from tests.browser.conftest import CHROMIUM_ARGS, Server, assert_accessible, start_server
from tests.conftest import CHROMIUM
from vardlots.directory.demo import DEMO_PASSWORD, demo_totp_secret

pytestmark = pytest.mark.browser

S7 = "SE2321000016-DEMO07"  # 1177 Stockholm: Sara (sjukskoterska) works its pool round the clock here
ANDERS, GABRIELLA = "Anders", "Gabriella"
MAKE_CASE = """
import json
from django.utils import timezone
from vardlots.accounts.models import Resident
from vardlots.cases import actions
from vardlots.directory.models import Unit
from vardlots.intake.models import TriageSession
r = Resident.objects.get(given_name={pnr!r})
s = TriageSession.objects.create(channel="web", resident=r, age_days=12000, sex="female",
    protocol_ids=["general"], complaint_text={reason!r}, answers=[], content_version="browser-test",
    state="completed", urgency={urgency!r}, care_need="nurse_advice", result={{"urgency": {urgency!r}}},
    completed_at=timezone.now())
c = actions.do_create_case_from_triage(s, queue=actions.queue_of(Unit.objects.get(hsa_id={unit!r}), "care"))
print(json.dumps({{"id": c.pk}}))
"""


def restart(server: Server) -> None:
    """Stop the server process and start it again on the same port and database."""
    server.stop()
    port = server.url.rsplit(":", 1)[1]
    handle = server.log.open("ab")
    server.process = subprocess.Popen([sys.executable, "-m", "vardlots.cli", "serve", "--port", port],
                                      env=server.env, stdout=handle, stderr=subprocess.STDOUT)
    server._handle = handle
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(server.url + "/", timeout=2):  # noqa: S310 - our own local server
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("server did not come back: " + server.log.read_text()[-2000:])


@pytest.fixture(scope="module")
def workspace_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from tests.conftest import require

    require(Path(CHROMIUM).exists(), f"needs Chromium at {CHROMIUM}")
    srv = start_server(tmp_path_factory.mktemp("workspace"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def second_browser(browser: Any) -> Iterator[Any]:
    """A second, separate Chromium process for the residents (the nurse uses the shared one)."""
    other = browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield other
    other.close()


def new_page(browser: Any, server: Server) -> Any:
    context = browser.new_context(base_url=server.url, locale="sv-SE", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30000)
    return page


def make_case(server: Server, pnr: str, reason: str, urgency: str = "P3", unit: str = S7) -> int:
    out = server.manage("shell", "-c", MAKE_CASE.format(pnr=pnr, reason=reason, urgency=urgency, unit=unit))
    return int(json.loads(out.strip().splitlines()[-1])["id"])


_last_step = {"step": -1}


def _fresh_code() -> str:
    # A code is accepted once (replay protection): wait for a fresh 30-second step if needed, and
    # avoid the last two seconds of a step (the code could expire on its way).
    while int(time.time()) // 30 == _last_step["step"] or int(time.time()) % 30 >= 28:
        time.sleep(0.5)
    _last_step["step"] = int(time.time()) // 30
    return str(pyotp.TOTP(demo_totp_secret("sjukskoterska")).now())


def nurse_login(page: Any) -> None:
    page.goto("/konto/personal/logga-in")
    page.get_by_label("HSA-id eller användarnamn").fill("sjukskoterska")
    page.get_by_label("Lösenord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Fortsätt").click()
    page.wait_for_url("**/personal/kod")
    for attempt in range(2):
        page.get_by_label("Sexsiffrig kod från din autentiseringsapp").fill(_fresh_code())
        page.get_by_role("button", name="Logga in").click()
        try:
            page.wait_for_url("**/konto/personal/", timeout=8000)
            return
        except Exception as error:
            if attempt == 1:
                raise AssertionError(page.url + "\n" + page.locator("main").inner_text()) from error


def resident_login(page: Any, name: str) -> None:
    page.goto("/konto/logga-in")
    page.get_by_role("button", name="Logga in med test-e-legitimation (TEST)").click()
    page.wait_for_url("**/logga-in/vantar")
    page.get_by_label(name, exact=False).check()
    page.get_by_role("button", name="Identifiera (TEST)").click()
    page.wait_for_url("**/konto/**")


def open_resident_case(page: Any, case_id: int) -> None:
    page.goto(f"/arenden/{case_id}/")
    page.locator("#case-live").wait_for(state="attached")
    page.wait_for_timeout(500)  # let the socket connect


def take(nurse: Any, reason: str) -> None:
    nurse.goto("/personal/arenden/")
    nurse.locator("tr", has_text=reason).get_by_role("button").click()
    nurse.wait_for_url("**/personal/arenden/*/")


def send_with_template(nurse: Any, code: str, expected_start: str) -> None:
    area = nurse.locator("#chat-body")
    nurse.wait_for_timeout(500)  # the templates load with the page
    area.press_sequentially(f"/{code} ")
    assert area.input_value().startswith(expected_start)
    nurse.get_by_role("button", name="Skicka", exact=True).click()


def test_done_when_nurse_two_cases_two_residents_templates_transfer_close(
        browser: Any, second_browser: Any, workspace_server: Server) -> None:
    server = workspace_server
    first = make_case(server, ANDERS, "Ont i halsen sedan i går", "P3")
    second = make_case(server, GABRIELLA, "Feber och hosta", "P2")
    nurse = new_page(browser, server)
    anders, gabriella = new_page(second_browser, server), new_page(second_browser, server)
    nurse_login(nurse)
    resident_login(anders, "Anders Ahlgren")
    resident_login(gabriella, "Gabriella Grönlund")
    open_resident_case(anders, first)
    open_resident_case(gabriella, second)
    assert anders.locator("#your-turn").is_hidden()

    nurse.goto("/personal/arenden/")
    assert_accessible(nurse)
    pool = nurse.locator("section.queue", has_text="1177 Sjukvårdsrådgivningen Stockholm")
    rows = pool.locator("tbody tr")
    texts = rows.all_inner_texts()
    urgencies = [t.split()[0] for t in texts]
    assert urgencies == sorted(urgencies), texts  # priority order: P2 before P3 before P4
    assert any("Feber och hosta" in t for t in texts) and any("Ont i halsen" in t for t in texts)

    take(nurse, "Ont i halsen sedan i går")
    assert_accessible(nurse)
    anders.locator("#your-turn").wait_for(state="visible")  # your turn, live
    send_with_template(nurse, "hej", "Hej Anders!")
    anders.locator("#chat-log").get_by_text("Hej Anders!", exact=False).wait_for()
    anders.locator("#chat-body").fill("Det gör ont att svälja.")
    anders.get_by_role("button", name="Skicka", exact=True).click()
    nurse.locator("#chat-log").get_by_text("Det gör ont att svälja.").wait_for()  # live to the nurse

    case_one = nurse.url
    take(nurse, "Feber och hosta")
    gabriella.locator("#your-turn").wait_for(state="visible")
    send_with_template(nurse, "hej", "Hej Gabriella!")
    gabriella.locator("#chat-log").get_by_text("Hej Gabriella!", exact=False).wait_for()

    nurse.goto("/personal/arenden/")  # both cases in progress, with unread counts
    assert nurse.locator("ul.my-cases li").count() == 2

    nurse.goto(case_one)
    nurse.locator("#to-queue").select_option(label="Vårdcentral Söderhöjden (demo) (Region Stockholm)")
    nurse.locator("#transfer-note").fill("Behöver undersökas på vårdcentralen")
    nurse.get_by_role("button", name="Överför").click()
    nurse.wait_for_url("**/personal/arenden/")
    anders.locator("#case-status-live").get_by_text("Vårdcentral Söderhöjden", exact=False).wait_for()
    assert anders.locator("#your-turn").is_hidden()

    nurse.goto(f"/personal/arenden/{second}/")
    nurse.locator("#outcome").select_option("self_care_advice")
    nurse.get_by_role("button", name="Avsluta ärendet").click()
    gabriella.get_by_role("button", name="Öppna ärendet igen").wait_for()  # closed, live
    assert_accessible(gabriella)
    for page in (nurse, anders, gabriella):
        page.context.close()


def test_queue_updates_live_and_pages_are_accessible(browser: Any, second_browser: Any,
                                                     workspace_server: Server) -> None:
    taken_elsewhere = make_case(workspace_server, GABRIELLA, "Tas av en kollega", "P4")
    nurse = new_page(browser, workspace_server)
    nurse_login(nurse)
    nurse.goto("/personal/arenden/")
    nurse.locator("#queue-live[data-live='1']").wait_for(state="attached")
    assert nurse.locator(f"tr[data-case-id='{taken_elsewhere}']").count() == 1
    # The same nurse takes it in another tab: the row leaves this page without a reload.
    other_tab = nurse.context.new_page()
    take(other_tab, "Tas av en kollega")
    nurse.locator(f"tr[data-case-id='{taken_elsewhere}']").wait_for(state="detached")
    nurse.locator("ul.my-cases", has_text="Tas av en kollega").wait_for()
    # A case made outside the server process rings no bell (in-memory layer); the resident's first
    # message in it does, and the row appears in priority order without a reload.
    case_id = make_case(workspace_server, ANDERS, "Nytt ärende medan sidan är öppen", "P1")
    anders = new_page(second_browser, workspace_server)
    resident_login(anders, "Anders Ahlgren")
    open_resident_case(anders, case_id)
    anders.locator("#chat-body").fill("Jag väntar")
    anders.get_by_role("button", name="Skicka", exact=True).click()
    row = nurse.locator(f"tr[data-case-id='{case_id}']")
    row.wait_for()
    assert "P1" in row.inner_text()
    pool_rows = nurse.locator("section.queue", has_text="1177 Sjukvårdsrådgivningen Stockholm").locator("tbody tr")
    assert pool_rows.first.get_attribute("data-case-id") == str(case_id)  # most urgent first
    anders.context.close()
    take(nurse, "Nytt ärende medan sidan är öppen")
    nurse.goto(f"/personal/arenden/{case_id}/tidigare")
    assert_accessible(nurse)
    nurse.goto("/personal/mallar/")
    assert_accessible(nurse)
    nurse.locator("#t-code").fill("testmall")
    nurse.locator("#t-title").fill("Testmall")
    nurse.locator("#t-body").fill("Hej {first_name}, i dag {date}.")
    nurse.locator("form.stacked-form button").click()
    assert nurse.get_by_text("/testmall").count() == 1
    assert_accessible(nurse)
    nurse.goto(f"/personal/arenden/{case_id}/")
    nurse.locator("#template-choice").select_option(label=nurse.locator("#template-choice option",
                                                                          has_text="testmall").inner_text())
    nurse.locator("form.template-picker button").click()
    assert nurse.locator("#chat-body").input_value().startswith("Hej Anders, i dag ")
    nurse.locator("#note-body").fill("Intern anteckning")
    nurse.locator("#note-body").press("Tab")
    nurse.locator("section[aria-labelledby='notes-title'] button").click()
    assert nurse.get_by_text("Intern anteckning").count() >= 1
    assert_accessible(nurse)
    nurse.context.close()


def test_server_restart_and_dropped_socket_lose_nothing(browser: Any, second_browser: Any,
                                                         workspace_server: Server) -> None:
    server = workspace_server
    case_id = make_case(server, ANDERS, "Omstart mitt i samtalet", "P2")
    nurse = new_page(browser, server)
    anders = new_page(second_browser, server)
    nurse_login(nurse)
    resident_login(anders, "Anders Ahlgren")
    open_resident_case(anders, case_id)
    take(nurse, "Omstart mitt i samtalet")
    anders.locator("#your-turn").wait_for(state="visible")
    nurse.locator("#chat-body").fill("Före omstarten")
    nurse.get_by_role("button", name="Skicka", exact=True).click()
    anders.locator("#chat-log").get_by_text("Före omstarten").wait_for()

    restart(server)  # both sockets drop; the pages keep running and reconnect by themselves

    nurse.locator("#chat-body").fill("Efter omstarten")
    nurse.get_by_role("button", name="Skicka", exact=True).click()
    anders.locator("#chat-log").get_by_text("Efter omstarten").wait_for(timeout=45000)
    anders.locator("#chat-body").fill("Svar efter omstarten")
    anders.get_by_role("button", name="Skicka", exact=True).click()
    nurse.locator("#chat-log").get_by_text("Svar efter omstarten").wait_for(timeout=45000)
    for page in (nurse, anders):
        bodies = page.locator("#chat-log li p").all_inner_texts()
        assert bodies == ["Före omstarten", "Efter omstarten", "Svar efter omstarten"], bodies
        page.reload()
        assert page.locator("#chat-log li p").all_inner_texts() == bodies  # the database agrees
    nurse.context.close()
    anders.context.close()
