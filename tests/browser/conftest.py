"""Browser tests: the real service in a subprocess, driven by Playwright in headless Chromium.

The server is started once per test session with ``vardlots serve`` on a free port. It migrates
and seeds the demo data into its own database (a temporary SQLite file, or a fresh PostgreSQL
database when ``DATABASE_URL`` is set), exactly as ``make run`` does for a new user.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CHROMIUM

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _fresh_postgres_database(url: str, name: str) -> str:
    import psycopg

    base = url.rsplit("/", 1)[0]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


class Server:
    def __init__(self, url: str, env: dict[str, str], process: subprocess.Popen[bytes], log: Path,
                 handle: Any) -> None:
        self.url = url
        self.env = env
        self.process = process
        self.log = log
        self._handle = handle

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self._handle.close()

    def manage(self, *args: str) -> str:
        """Run a management command against the server's database; returns its output."""
        out = subprocess.run([sys.executable, "-m", "vardlots.cli", "manage", *args], env=self.env,
                             capture_output=True, text=True, check=True, timeout=120)
        return out.stdout


def start_server(tmp: Path, extra_env: dict[str, str] | None = None) -> Server:
    port = _free_port()
    env = dict(os.environ)
    # The staffed chat is open round the clock here, so tests do not depend on the time they run;
    # chat hours themselves are tested under a controlled clock in tests/intake/test_contact.py.
    env.update({"VARDLOTS_VAR_DIR": str(tmp), "VARDLOTS_ENV": "test", "PYTHONUNBUFFERED": "1",
                "VARDLOTS_CHAT_HOURS": "00:00-23:59:59"})
    if os.environ.get("DATABASE_URL", "").startswith("postgres") and "DATABASE_URL" not in (extra_env or {}):
        env["DATABASE_URL"] = _fresh_postgres_database(os.environ["DATABASE_URL"], f"vardlots_e2e_{port}")
    env.update(extra_env or {})
    log = tmp / "server.log"
    handle = log.open("wb")
    process = subprocess.Popen([sys.executable, "-m", "vardlots.cli", "serve", "--port", str(port)],
                               env=env, stdout=handle, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            handle.close()
            raise RuntimeError(f"server exited: {log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/", timeout=2):  # noqa: S310 - our own local server
                return Server(url, env, process, log, handle)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    process.kill()
    process.wait(5)
    handle.close()
    raise RuntimeError(f"server did not start: {log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from tests.conftest import require

    require(os.path.exists(CHROMIUM), f"needs Chromium at {CHROMIUM}")
    srv = start_server(tmp_path_factory.mktemp("server"))
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(base_url=server.url, locale="sv-SE", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(30000)
    yield pg
    context.close()


@pytest.fixture
def mobile_page(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(base_url=server.url, locale="sv-SE", viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.set_default_timeout(30000)
    yield pg
    context.close()


def without_javascript(page: Any) -> Any:
    """Mark a page whose context has JavaScript off (axe then checks a twin with the same cookies)."""
    page.vardlots_nojs = True
    return page


@contextmanager
def scriptable(page: Any) -> Iterator[Any]:
    """The page itself, or for a page without JavaScript a JavaScript-enabled twin showing the same
    URL with the same cookies (every page is a GET after a redirect, so the twin sees the same
    page). Checks that run JavaScript in the page (axe, layout measurements) use this."""
    if not getattr(page, "vardlots_nojs", False):
        yield page
        return
    twin = page.context.browser.new_context(storage_state=page.context.storage_state(),
                                            viewport=page.viewport_size)
    try:
        target = twin.new_page()
        target.goto(page.url)
        yield target
    finally:
        twin.close()


def assert_accessible(page: Any) -> None:
    """Run axe-core on the current page; fail on any WCAG 2.1 A/AA violation."""
    from axe_playwright_python.sync_playwright import Axe

    with scriptable(page) as target:
        results = Axe().run(target, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    violations = results.response.get("violations", [])
    if violations:
        lines = [f"{v['id']} ({v['impact']}): {v['help']} -> " + ", ".join(
            str(n.get("target")) for n in v.get("nodes", [])[:5]) for v in violations]
        raise AssertionError(f"axe found {len(violations)} violation(s) on {page.url}:\n" + "\n".join(lines))


def assert_no_horizontal_scroll(page: Any) -> None:
    with scriptable(page) as target:
        overflow = target.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"page scrolls sideways by {overflow}px at {page.viewport_size['width']}px"
