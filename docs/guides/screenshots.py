"""Take the screenshots that the user guides embed (docs/guides/img/resident-*.png, admin-*.png).

Run from the repository root with the project's virtual environment:

    .venv/bin/python docs/guides/screenshots.py

It starts its own ``vardlots serve`` on a free port with a temporary ``VARDLOTS_VAR_DIR`` (so it
never touches your database; demo data is loaded on start), drives Debian's Chromium through the
real pages with Playwright at 1280 px and 360 px, and writes the PNGs next to the guides. The
staffed chat is opened round the clock (``VARDLOTS_CHAT_HOURS``) so the pictures do not depend on
the hour. Each image is the visible viewport only, reduced to a 256-colour palette to stay small.

Options: ``--out DIR`` (default docs/guides/img), ``--chromium PATH`` (default /usr/bin/chromium),
``--keep`` (leave the temporary directory with the server log).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 360, "height": 740}
STAFF_PASSWORD = "vardlots-demo-2026"  # noqa: S105 - the demo password `vardlots serve` prints


def demo_totp_secret(username: str) -> str:
    """Same as vardlots.directory.demo.demo_totp_secret (copied: importing it needs Django set up)."""
    return base64.b32encode(hashlib.sha256(f"vardlots-demo-{username}".encode()).digest()[:20]).decode()


# --- the server ---------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(var_dir: Path) -> tuple[str, subprocess.Popen[bytes], Any]:
    port = free_port()
    env = dict(os.environ)
    env.update({"VARDLOTS_VAR_DIR": str(var_dir), "PYTHONUNBUFFERED": "1",
                "VARDLOTS_CHAT_HOURS": "00:00-23:59:59"})
    env.pop("DATABASE_URL", None)  # always a fresh SQLite file in the temporary directory
    log = (var_dir / "server.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "vardlots.cli", "serve", "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited; see {var_dir / 'server.log'}")
        try:
            with urllib.request.urlopen(url + "/", timeout=2):  # noqa: S310 - our own local server
                return url, process, log
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    process.kill()
    raise SystemExit("the server did not start within 120 s")


# --- helpers ------------------------------------------------------------------------------------

class Shots:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.saved: list[Path] = []

    def take(self, page: Any, name: str, scroll_to: str | None = None) -> None:
        """Save the viewport as ``name``; first scroll ``scroll_to`` (a selector) to the top."""
        if scroll_to:
            page.locator(scroll_to).first.evaluate("el => el.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(150)
        png = page.screenshot(full_page=False, animations="disabled", caret="hide")
        path = self.out / name
        path.write_bytes(shrink(png))
        self.saved.append(path)
        print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {path.stat().st_size // 1024} KB")


def shrink(png: bytes) -> bytes:
    """A 256-colour palette PNG: screenshots of forms lose nothing visible and shrink 3-4 times."""
    try:
        from PIL import Image
    except ImportError:
        return png
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    buf = io.BytesIO()
    image.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def resident_login(page: Any, person: str) -> None:
    page.goto("/konto/logga-in")
    page.get_by_role("button", name="Logga in med test-e-legitimation (TEST)").click()
    page.wait_for_url("**/logga-in/vantar")
    page.get_by_label(person, exact=False).check()
    page.get_by_role("button", name="Identifiera (TEST)").click()
    page.wait_for_url("**/konto/**")


_used_steps: dict[str, int] = {}


def staff_login(page: Any, username: str) -> None:
    import pyotp

    # A TOTP code is accepted once: wait for a fresh 30-second step (and not the last seconds of one).
    while _used_steps.get(username) == int(time.time()) // 30 or 30 - time.time() % 30 < 3:
        time.sleep(0.5)
    _used_steps[username] = int(time.time()) // 30
    page.goto("/konto/personal/logga-in")
    page.get_by_label("HSA-id eller användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Fortsätt").click()
    page.wait_for_url("**/personal/kod")
    page.get_by_label("Sexsiffrig kod från din autentiseringsapp").fill(pyotp.TOTP(demo_totp_secret(username)).now())
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url("**/konto/personal/")


def search(page: Any, words: str) -> None:
    page.goto("/sok-vard/")
    page.locator("#q").fill(words)
    page.locator(".search-form button").click()
    page.wait_for_load_state()


def answer(page: Any, stop: Callable[[Any], bool] | None = None, emergency: str | None = None) -> None:
    """Answer "Nej" / none / "Vet inte" until the outcome (or until ``stop(page)`` is true)."""
    for _ in range(30):
        if "/resultat" in page.url or (stop and stop(page)):
            return
        form = page.locator("form.question-form")
        finding = form.locator("input[name=finding]").get_attribute("value")
        if emergency and finding == "emergency_signs":
            form.locator(f"input[value={emergency}]").check()
            form.locator("button.button-primary").click()
        elif form.locator("input[value=no]").count():
            form.locator("input[value=no]").check()
            form.locator("button.button-primary").click()
        elif form.locator("input[type=checkbox]").count():
            form.locator("button.button-primary").click()  # none of these
        elif form.locator("button[name=unknown]").count():
            form.locator("button[name=unknown]").click()
        else:
            form.locator("input[value=unknown]").check()
            form.locator("button.button-primary").click()
        page.wait_for_load_state()
    raise RuntimeError("no outcome after 30 questions")


def sample_photo() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1200, 900), (222, 184, 160))
    draw = ImageDraw.Draw(image)
    for x, y in [(400, 300), (520, 380), (610, 290), (700, 450), (480, 520)]:
        draw.ellipse((x, y, x + 60, y + 50), fill=(200, 90, 90))
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=85)
    return buf.getvalue()


# --- the pictures -------------------------------------------------------------------------------

def resident_pictures(browser: Any, url: str, shots: Shots) -> None:
    def context(viewport: dict[str, int], **extra: Any) -> Any:
        ctx = browser.new_context(base_url=url, locale="sv-SE", timezone_id="Europe/Stockholm", viewport=viewport,
                                  **extra)
        ctx.set_default_timeout(20000)
        return ctx

    phone_kw = {"is_mobile": True, "has_touch": True}

    # The start page with the two doors, on a phone.
    ctx = context(PHONE, **phone_kw)
    page = ctx.new_page()
    page.goto("/")
    shots.take(page, "resident-start-doors-360.png")
    ctx.close()

    # Search, one question, outcome with a photo, chat: an adult with a rash, on a desktop.
    ctx = context(DESKTOP)
    page = ctx.new_page()
    resident_login(page, "Anders Ahlgren")
    search(page, "utslag")
    shots.take(page, "resident-search-1280.png")
    page.locator(".choice-button").first.click()
    page.wait_for_load_state()
    # Go to the third question, so "Tillbaka" and "Dina svar hittills" are shown, and open the list.
    answer(page, stop=lambda p: (p.locator(".progress-text").inner_text().strip() == "Fråga 3"))
    page.locator("details.answers summary").click()
    shots.take(page, "resident-question-1280.png")
    answer(page)
    shots.take(page, "resident-outcome-1280.png")
    photo = Path(tempfile.mkstemp(suffix=".jpg")[1])
    photo.write_bytes(sample_photo())
    page.set_input_files("#photo-input", str(photo))
    page.locator(".photo-form button").click()
    page.wait_for_load_state()
    photo.unlink()
    shots.take(page, "resident-outcome-photo-1280.png", scroll_to="#photos")
    page.locator("form[action$='/kontakt'] button").click()
    page.wait_for_url("**/arenden/*/")
    page.locator("#chat-body").fill("Utslagen kliar mest på kvällen.")
    page.locator("#chat-form button").click()
    page.wait_for_load_state()
    ctx.close()

    # Triage v2 on a phone: what the resident wrote is read back for confirmation, then the
    # "Har du också …" step.
    ctx = context(PHONE, **phone_kw)
    page = ctx.new_page()
    resident_login(page, "Anders Ahlgren")
    search(page, "ont i halsen och feber, går på cellgiftsbehandling")
    page.locator(".choice-button").first.click()
    page.wait_for_load_state()
    answer(page, stop=lambda p: p.locator("p.message", has_text="Du skrev").count() > 0)
    shots.take(page, "resident-confirm-free-text-360.png")
    for _ in range(6):
        form = page.locator("form.question-form")
        if form.locator("input[name=finding]").get_attribute("value") == "also_complaints":
            break
        form.locator("input[value=yes]").check()
        form.locator("button.button-primary").click()
        page.wait_for_load_state()
    shots.take(page, "resident-also-complaints-360.png")
    ctx.close()

    # The contact reasons the search offered for the words are asked about, whichever was picked:
    # an adder bite described under vomiting.
    ctx = context(PHONE, **phone_kw)
    page = ctx.new_page()
    resident_login(page, "Anders Ahlgren")
    search(page, "blev biten av en huggorm i foten och har kräkts")
    page.locator(".choice-button", has_text="Kräkningar").first.click()
    page.wait_for_load_state()
    answer(page, stop=lambda p: p.locator("legend, h1, label", has_text="Gäller det dig").count() > 0)
    shots.take(page, "resident-offered-reason-360.png")
    ctx.close()

    # The emergency outcome, on a phone.
    ctx = context(PHONE, **phone_kw)
    page = ctx.new_page()
    resident_login(page, "Siv Strand")
    search(page, "hosta")
    page.locator(".choice-button").first.click()
    page.wait_for_load_state()
    answer(page, emergency="cannot_breathe")
    shots.take(page, "resident-outcome-112-360.png")
    ctx.close()

    # The case page with the place in the queue and the chat, on a phone.
    ctx = context(PHONE, **phone_kw)
    page = ctx.new_page()
    resident_login(page, "Anders Ahlgren")
    page.goto("/arenden/")
    page.locator(".case-list a").first.click()
    page.wait_for_load_state()
    shots.take(page, "resident-case-chat-360.png")
    ctx.close()

    # A guardian's "Mina sidor" with the children, on a desktop.
    ctx = context(DESKTOP)
    page = ctx.new_page()
    resident_login(page, "Gabriella Grönlund")
    page.goto("/konto/")
    shots.take(page, "resident-my-pages-guardian-1280.png")
    ctx.close()

    # Booking: book the first free time at the listed health centre, then the appointment page.
    ctx = context(DESKTOP)
    page = ctx.new_page()
    resident_login(page, "Anders Ahlgren")
    page.goto("/bokning/")
    page.locator("main a.button-primary").first.click()
    page.wait_for_load_state()
    page.locator(".slot-list button").first.click()
    page.wait_for_url("**/bokning/tid/*/")
    shots.take(page, "resident-appointment-1280.png")
    ctx.close()


def admin_pictures(browser: Any, url: str, shots: Shots) -> None:
    ctx = browser.new_context(base_url=url, locale="sv-SE", timezone_id="Europe/Stockholm", viewport=DESKTOP)
    ctx.set_default_timeout(20000)
    page = ctx.new_page()
    staff_login(page, "regionadmin")
    page.goto("/admin/")
    shots.take(page, "admin-index-1280.png")

    page.goto("/admin/directory/unit/?q=S%C3%B6derh%C3%B6jden")
    page.locator("#result_list tbody a").first.click()
    page.wait_for_load_state()
    shots.take(page, "admin-unit-hours-1280.png", scroll_to="div.inline-group")

    # The demo has no routing table of its own: start a draft (a copy of the built-in default).
    page.goto("/admin/directory/routingtable/")
    page.goto("/admin/directory/routingtable/start/")
    page.locator("#region").select_option("01")
    page.locator("#content form button[type=submit]").click()
    page.wait_for_url("**/change/")
    page.get_by_role("link", name="Förhandsvisa och validera").click()
    page.wait_for_load_state()
    page.locator("#id_urgency").select_option("P3")
    page.locator("#id_care_need").select_option("health_centre")
    page.locator("#id_age_years").fill("35")
    page.locator("#id_at").fill(next_weekday_at(16, 5))
    page.locator("#content form button[type=submit]").first.click()
    page.wait_for_load_state()
    shots.take(page, "admin-routing-preview-1280.png")

    page.goto("/admin/audit/accesslogentry/")
    shots.take(page, "admin-access-log-1280.png")
    ctx.close()


def next_weekday_at(hour: int, minute: int) -> str:
    import datetime as dt

    day = dt.date.today() + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "guides" / "img")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    var_dir = Path(tempfile.mkdtemp(prefix="vardlots-guides-"))
    print(f"starting vardlots serve in {var_dir} …")
    url, process, log = start_server(var_dir)
    shots = Shots(args.out)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            try:
                resident_pictures(browser, url, shots)
                admin_pictures(browser, url, shots)
            finally:
                browser.close()
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        if args.keep:
            print(f"kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)
    print(f"{len(shots.saved)} images written by:")
    print("  " + shlex.join([os.path.relpath(sys.executable, ROOT) if sys.executable.startswith(str(ROOT))
                             else sys.executable, os.path.relpath(__file__, ROOT), *sys.argv[1:]]))


if __name__ == "__main__":
    main()
