from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from vardlots.core.jobs import work_forever


class Command(BaseCommand):
    help = "Run background jobs from the database queue until stopped (production mode)."

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        self.stdout.write("vardlots worker: waiting for jobs (Ctrl+C to stop)")
        try:
            work_forever(stop)
        except KeyboardInterrupt:
            stop.set()
