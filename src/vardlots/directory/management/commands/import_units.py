from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vardlots.directory.importer import ImportFailed, do_import_units


class Command(BaseCommand):
    help = "Import units from a CSV or JSON file (all rows or none). See docs/subsystems/directory.md."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--format", choices=["csv", "json"], default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        fmt = options["format"] or ("json" if path.suffix.lower() == ".json" else "csv")
        try:
            result = do_import_units(path.read_text(encoding="utf-8"), fmt)
        except ImportFailed as failed:
            for error in failed.errors:
                self.stderr.write(str(error))
            raise CommandError(str(failed)) from None
        self.stdout.write(f"imported {result.created} new and {result.updated} updated units")
