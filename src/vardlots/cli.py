"""The `vardlots` console command: the operations people running the service need.

    vardlots serve [--host H] [--port P] [--no-seed]   migrate, seed demo data if empty, serve
    vardlots migrate                                   apply database migrations
    vardlots seed-demo                                 load demo regions, units, staff and residents
    vardlots audit verify                              verify the access log's hash chain
    vardlots triage [--lang sv|en]                     interactive terminal triage
    vardlots content check|vignettes|search ...        clinical content tools
    vardlots manage <django command> ...               any Django management command
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

USAGE = __doc__ or ""


def _django(argv: Sequence[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vardlots.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["vardlots", *argv])
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    command, rest = args[0], args[1:]
    if command in {"triage", "content"}:
        from vardlots.triage.cli import main as triage_main

        return triage_main([command, *rest], sys.stdin, sys.stdout)
    if command == "serve":
        return _django(["serve", *rest])
    if command == "migrate":
        return _django(["migrate", *rest])
    if command == "seed-demo":
        return _django(["seed_demo", *rest])
    if command == "audit":
        return _django(["audit", *rest])
    if command == "manage":
        return _django(rest)
    print(f"vardlots: unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
