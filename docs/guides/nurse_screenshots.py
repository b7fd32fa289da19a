"""Take the screenshots of docs/guides/nurse.md: start the demo service, act as nurse and resident.

    .venv/bin/python docs/guides/nurse_screenshots.py

Writes docs/guides/img/nurse-*.png. Uses the browser-test harness (a fresh demo database).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vardlots.settings")

import django  # noqa: E402

django.setup()

from playwright.sync_api import sync_playwright  # noqa: E402
from tests.browser.conftest import CHROMIUM_ARGS, start_server  # noqa: E402
from tests.browser.test_staff_workspace import (  # noqa: E402
    ANDERS,
    make_case,
    new_page,
    nurse_login,
    open_resident_case,
    resident_login,
    take,
)
from tests.conftest import CHROMIUM  # noqa: E402

OUT = ROOT / "docs" / "guides" / "img"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    server = start_server(Path(tempfile.mkdtemp()))
    try:
        case_id = make_case(server, ANDERS, "Ont i halsen sedan i går", "P3")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            nurse, anders = new_page(browser, server), new_page(browser, server)
            nurse_login(nurse)
            nurse.goto("/personal/arenden/")
            nurse.screenshot(path=OUT / "nurse-queue.png", full_page=True)
            resident_login(anders, "Anders Ahlgren")
            open_resident_case(anders, case_id)
            take(nurse, "Ont i halsen sedan i går")
            nurse.wait_for_timeout(800)  # the templates load with the page
            nurse.locator("#chat-body").press_sequentially("/hej ")
            nurse.locator("#chat-body").screenshot(path=OUT / "nurse-template.png")
            nurse.get_by_role("button", name="Skicka", exact=True).click()
            anders.locator("#chat-log").get_by_text("Hej Anders!", exact=False).wait_for()
            anders.locator("#chat-body").fill("Det gör ont att svälja.")
            anders.get_by_role("button", name="Skicka", exact=True).click()
            nurse.locator("#chat-log").get_by_text("Det gör ont att svälja.").wait_for()
            nurse.screenshot(path=OUT / "nurse-case.png", full_page=True)
            nurse.locator("section[aria-labelledby='actions-title']").screenshot(path=OUT / "nurse-actions.png")
            nurse.locator("section[aria-labelledby='record-title']").screenshot(path=OUT / "nurse-record.png")
            anders.screenshot(path=OUT / "nurse-resident-view.png", full_page=True)
            browser.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
