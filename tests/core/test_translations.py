"""The Swedish catalogue is complete, and the catalogues are up to date with the code.

Swedish is the default language, so an untranslated or fuzzy entry shows English (or nothing
sensible) to residents. The second test runs the project's own ``extract`` command (Django's
makemessages) on a temporary copy of the package and compares the message ids with the committed
catalogues, so a string added to the code without running ``extract`` is caught.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from tests.conftest import require
from vardlots.core import i18n

GETTEXT_TOOLS = ("xgettext", "msgmerge", "msguniq", "msgattrib")


def test_every_swedish_entry_is_translated_and_not_fuzzy() -> None:
    todo = i18n.missing("sv")
    assert todo == [], (
        f"{len(todo)} Swedish entries are untranslated or fuzzy in {i18n.LOCALE_DIR}/sv/LC_MESSAGES; "
        "translate them (and remove the fuzzy flag), then run `python -m vardlots.core.i18n compile`:\n  "
        + "\n  ".join(todo)
    )


def _message_keys(po: Path) -> set[tuple[str | None, Any]]:
    with po.open("rb") as f:
        catalog = read_po(f, locale=po.parts[-3])
    return {(message.context, message.id) for message in catalog if message.id}


def _show(keys: set[tuple[str | None, Any]]) -> str:
    def text(key: tuple[str | None, Any]) -> str:
        context, msgid = key
        msgid = msgid[0] if isinstance(msgid, tuple | list) else msgid
        return f"[{context}] {msgid}" if context else str(msgid)

    return "\n    ".join(sorted(text(k) for k in keys))


def test_catalogues_are_up_to_date_with_the_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing_tools = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    require(not missing_tools,
            f"needs GNU gettext to extract messages ({', '.join(missing_tools)} not found; apt-get install gettext)",
            "gettext")

    # The exact commands `python -m vardlots.core.i18n extract` runs, without running them here.
    calls: list[tuple[list[str], dict[str, Any]]] = []
    with monkeypatch.context() as m:
        m.setattr(subprocess, "run", lambda cmd, **kwargs: calls.append((list(cmd), kwargs)))
        i18n.extract()
    assert calls, "i18n.extract() ran no command"
    assert all(Path(kw["cwd"]) == i18n.PACKAGE_DIR for _cmd, kw in calls)

    # A copy of the package whose catalogues start empty, so the result can only come from the code.
    copy = tmp_path / "vardlots"
    shutil.copytree(i18n.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "*.po"))
    locale_copy = copy / "locale"
    locale_copy.mkdir(exist_ok=True)
    # makemessages writes into settings.LOCALE_PATHS[0]: point it at the copy, never the real catalogue.
    (tmp_path / "i18n_check_settings.py").write_text(
        f"from vardlots.settings import *  # noqa: F403\nLOCALE_PATHS = [{str(locale_copy)!r}]\n", encoding="utf-8"
    )
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="i18n_check_settings",
               PYTHONPATH=os.pathsep.join([str(tmp_path), *sys.path]))
    for cmd, _kwargs in calls:
        done = subprocess.run(cmd, cwd=copy, env=env, capture_output=True, text=True, check=False,
                              timeout=120)
        assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}"

    fresh = {p.relative_to(locale_copy) for p in locale_copy.glob("*/LC_MESSAGES/*.po")}
    committed = {p.relative_to(i18n.LOCALE_DIR) for p in i18n.po_files()}
    assert fresh, f"makemessages wrote no catalogue into the copy at {locale_copy}"
    hint = "run `python -m vardlots.core.i18n extract`, translate the Swedish entries, then `... compile`"
    assert fresh == committed, f"catalogue files differ from the code (made: {sorted(map(str, fresh))}); {hint}"
    problems = []
    for relative in sorted(fresh):
        want, have = _message_keys(locale_copy / relative), _message_keys(i18n.LOCALE_DIR / relative)
        if want - have:
            problems.append(f"{relative}: strings in the code but not in the catalogue:\n    {_show(want - have)}")
        if have - want:
            problems.append(f"{relative}: strings in the catalogue no longer in the code:\n    {_show(have - want)}")
    assert not problems, f"The catalogues are out of date; {hint}.\n" + "\n".join(problems)
