"""Translation catalogues: compile without GNU gettext, extract with it.

    python -m vardlots.core.i18n compile   # .po -> .mo with Babel (works on a bare machine)
    python -m vardlots.core.i18n extract   # update the .po files (needs GNU gettext's xgettext)
    python -m vardlots.core.i18n missing   # list untranslated or fuzzy Swedish entries; exit 1 if any

There is one catalogue for the whole project, in ``src/vardlots/locale``; source strings are
English and Swedish is the default language.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PACKAGE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = PACKAGE_DIR / "locale"
LANGUAGES = ("sv", "en")


def po_files() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))


def compile_all() -> int:
    for po in po_files():
        with po.open("rb") as f:
            catalog = read_po(f, locale=po.parts[-3])
        mo = po.with_suffix(".mo")
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        os.replace(tmp, mo)
    return 0


def missing(language: str = "sv") -> list[str]:
    result = []
    for po in LOCALE_DIR.glob(f"{language}/LC_MESSAGES/*.po"):
        with po.open("rb") as f:
            catalog = read_po(f, locale=language)
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
            if message.fuzzy or not all(strings):
                result.append(str(message.id))
    return result


def extract() -> int:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="vardlots.settings")
    cmd = [sys.executable, "-m", "django", "makemessages", "--no-obsolete", "--no-location",
           "-d", "django", *[f"-l{lang}" for lang in LANGUAGES], "-i", "triage/*", "-i", "tests/*"]
    subprocess.run(cmd, check=True, cwd=PACKAGE_DIR, env=env)
    cmd_js = [sys.executable, "-m", "django", "makemessages", "--no-obsolete", "--no-location",
              "-d", "djangojs", *[f"-l{lang}" for lang in LANGUAGES]]
    subprocess.run(cmd_js, check=True, cwd=PACKAGE_DIR, env=env)
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["compile"]:
        return compile_all()
    if argv[:1] == ["extract"]:
        return extract()
    if argv[:1] == ["missing"]:
        todo = missing()
        for msgid in todo:
            print(msgid)
        return 1 if todo else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
