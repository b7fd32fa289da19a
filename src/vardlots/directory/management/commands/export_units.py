from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from vardlots.directory.importer import export_units
from vardlots.directory.models import Unit


class Command(BaseCommand):
    help = "Export units as CSV or JSON (the import format) to standard output."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--region", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        units = Unit.objects.all()
        if options["region"]:
            units = units.filter(region__code=options["region"])
        self.stdout.write(export_units(options["format"], units), ending="")
