"""``leadflow rules-sweep``: run the time-based rules' sweep as its own process.

Without ``--once`` it ticks at the start of every minute until stopped (Ctrl-C or
SIGTERM end it between two chunks' transactions at the latest: each chunk commits or
rolls back whole, so even ``kill -9`` is safe and the next tick resumes the run).
"""

from __future__ import annotations

import signal
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from leadflow.core import clock
from leadflow.rules.sweep import CHUNK, rules_tick


class Command(BaseCommand):
    help = "Run time-based rules: start due slots and finish unfinished runs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true",
                            help="Run one tick (every due slot and unfinished run) and exit.")
        parser.add_argument("--chunk", type=int, default=CHUNK,
                            help=f"Leads per transaction (default {CHUNK}).")

    def handle(self, *args: Any, **options: Any) -> None:
        chunk = options["chunk"]
        if chunk < 1:
            self.stderr.write("--chunk must be at least 1")
            sys.exit(2)
        if options["once"]:
            finished = rules_tick(chunk=chunk)
            self.stdout.write(f"{finished} run(s) finished")
            return
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        self.stdout.write(f"Sweeping every minute in chunks of {chunk} (Ctrl-C stops)")
        try:
            while True:
                finished = rules_tick(chunk=chunk)
                if finished:
                    self.stdout.write(f"{clock.now():%Y-%m-%d %H:%M} {finished} run(s) "
                                      "finished")
                time.sleep(60 - time.time() % 60 + 0.5)  # just after the next minute
        except KeyboardInterrupt:
            pass
