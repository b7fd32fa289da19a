"""``vardlots seed-demo``: load demo regions' units, staff of every role and test residents."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print the demo log-ins."

    def handle(self, *args: Any, **options: Any) -> None:
        from vardlots.directory.demo import demo_logins_text, seed_demo

        seed_demo()
        if options["verbosity"] > 0:
            self.stdout.write(demo_logins_text())
