"""``vardlots audit verify``: check the access log's hash chain."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vardlots.audit.chain import verify_chain


class Command(BaseCommand):
    help = "Access log tools. 'verify' checks the hash chain and exits 1 if any entry was altered or removed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("subcommand", choices=["verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if not report.ok:
            raise CommandError(
                f"Access log chain BROKEN at entry {report.first_broken_seq}: {report.reason}. "
                "Entries may have been altered, removed or reordered; treat this as a security incident.",
                returncode=1,
            )
        self.stdout.write(f"Access log OK: {report.entries} entries, hash chain intact.")
