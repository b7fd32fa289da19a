"""Migrate, seed demo data when the database is empty, and serve HTTP + websockets with Daphne."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Migrate, seed demo data if the database is empty, and serve the ASGI application."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-seed", action="store_true", help="do not load demo data")
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        seeded = False
        if not options["no_seed"] and not settings.PRODUCTION:
            from vardlots.directory.demo import database_is_empty

            if database_is_empty():
                call_command("seed_demo", verbosity=0)
                seeded = True
        from django.db import connections

        from vardlots.core.jobs import start_inprocess_worker

        # Give back the connection migrate and seed used: this thread serves no requests, and with
        # the pool an unreturned connection is one fewer for them for the life of the process.
        connections.close_all()
        start_inprocess_worker()
        host, port = options["host"], options["port"]
        self.stdout.write(self._banner(host, port, seeded))
        from daphne.cli import CommandLineInterface

        CommandLineInterface().run(["-b", host, "-p", str(port), "vardlots.asgi:application"])

    def _banner(self, host: str, port: int, seeded: bool) -> str:
        from vardlots.directory.demo import demo_logins_text

        lines = [
            "",
            f"vardlots is running: open http://{host}:{port}/",
            f"  staff log-in:   http://{host}:{port}/konto/personal/logga-in",
            f"  back office:    http://{host}:{port}/admin/",
            "  database: " + settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
            + ("  (demo data loaded now)" if seeded else ""),
        ]
        if not settings.PRODUCTION:
            lines.append(demo_logins_text())
        lines.append("Stop with Ctrl+C.\n")
        return "\n".join(lines)
