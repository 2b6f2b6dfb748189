"""``leadflow simulate``: simulated agents calling leads through the REST API."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = ("Run simulated agents against the REST API (in-process server unless --url) "
            "and print a summary as one JSON object.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agents", type=int, default=10)
        parser.add_argument("--minutes", type=float, default=5.0,
                            help="Real minutes to run (fractions allowed).")
        parser.add_argument("--url", default=None,
                            help="A running Leadflow using this database (default: serve "
                                 "in-process on a free port).")
        parser.add_argument("--api-key", default=None,
                            help="A tenant API key (default: a temporary one, revoked after).")
        parser.add_argument("--campaign", type=int, default=None,
                            help="Campaign id: its tenant and, under routing, its Users List.")
        parser.add_argument("--speed", type=float, default=60.0,
                            help="Time compression of talk and wrap time (60: one simulated "
                                 "minute per real second).")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        from leadflow.ops.simulate import simulate

        if options["agents"] < 1 or options["minutes"] <= 0 or options["speed"] <= 0:
            raise CommandError("--agents, --minutes and --speed must be positive.")
        try:
            summary = simulate(agents=options["agents"], minutes=options["minutes"],
                               url=options["url"], api_key=options["api_key"],
                               campaign_id=options["campaign"], speed=options["speed"],
                               seed=options["seed"],
                               log=lambda message: print(message, file=sys.stderr, flush=True))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(summary))
