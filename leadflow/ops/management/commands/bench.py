"""``leadflow bench SCENARIO …``: benchmarks printing one JSON object per scenario."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run a benchmark scenario and print its figures as one JSON object."

    def add_arguments(self, parser: CommandParser) -> None:
        scenarios = parser.add_subparsers(dest="scenario", required=True)
        page = scenarios.add_parser("campaigns-page", help="All Campaigns render time")
        page.add_argument("--leads", type=int, default=1_000_000)
        page.add_argument("--campaigns", type=int, default=100)
        page.add_argument("--runs", type=int, default=40)
        page.add_argument("--warmup", type=int, default=3)
        nextlead = scenarios.add_parser("next-lead", help="next-lead claims per second")
        nextlead.add_argument("--leads", type=int, default=1_000_000)
        nextlead.add_argument("--agents", type=int, default=64)
        nextlead.add_argument("--seconds", type=float, default=30)
        nextlead.add_argument("--no-http", action="store_true",
                              help="skip the HTTP scenario (in-process and floor only)")
        nextlead.add_argument("--http-workers", type=int, default=None, metavar="N",
                              help="gunicorn worker processes for the HTTP scenario "
                                   "(default: one per core, at least 2)")
        nextlead.add_argument("--http-threads", type=int, default=None, metavar="T",
                              help="threads per worker process (default: 4)")
        nextlead.add_argument("--paced-rate", type=float, default=None, metavar="R",
                              help="also measure HTTP latency with the agents asking at R "
                                   "claims/s in all (open loop) instead of back to back")
        nextlead.add_argument("--during-sweep", action="store_true",
                              help="also measure in-process claims while a time-based "
                                   "rule sweeps the same leads")
        sweep = scenarios.add_parser("sweep", help="time-based rule sweep throughput")
        sweep.add_argument("--leads", type=int, default=1_000_000)
        sweep.add_argument("--match", type=float, default=0.1,
                           help="share of the leads the rule matches")
        sweep.add_argument("--chunk", type=int, default=None,
                           help="leads per transaction (default: the sweep's own)")
        feedback = scenarios.add_parser("feedback", help="feedback latency with N rules")
        feedback.add_argument("--rules", type=int, default=50)
        feedback.add_argument("--runs", type=int, default=200)
        feedback.add_argument("--warmup", type=int, default=10)
        importing = scenarios.add_parser("import", help="lead file import throughput")
        importing.add_argument("--rows", type=int, default=1_000_000)

    def handle(self, *args: Any, **options: Any) -> None:
        def log(message: str) -> None:
            print(message, file=sys.stderr, flush=True)

        if options["scenario"] == "campaigns-page":
            from leadflow.ops.bench import campaigns_page

            result = campaigns_page.run(leads=options["leads"], campaigns=options["campaigns"],
                                        runs=options["runs"], warmup=options["warmup"], log=log)
        elif options["scenario"] == "next-lead":
            from leadflow.ops.bench import next_lead

            result = next_lead.run(leads=options["leads"], agents=options["agents"],
                                   seconds=options["seconds"], http=not options["no_http"],
                                   log=log, during_sweep=options["during_sweep"],
                                   http_workers=options["http_workers"],
                                   http_threads=options["http_threads"],
                                   paced_rate=options["paced_rate"])
        elif options["scenario"] == "sweep":
            from leadflow.ops.bench import sweep
            from leadflow.rules.sweep import CHUNK

            result = sweep.run(leads=options["leads"], match=options["match"],
                               chunk=options["chunk"] or CHUNK, log=log)
        elif options["scenario"] == "feedback":
            from leadflow.ops.bench import feedback

            result = feedback.run(rules=options["rules"], runs=options["runs"],
                                  warmup=options["warmup"], log=log)
        else:
            from leadflow.ops.bench import import_file

            result = import_file.run(rows=options["rows"], log=log)
        self.stdout.write(json.dumps(result))
