"""``leadflow demo``: load the demo tenant into an empty database."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from leadflow.ops.demo import DEMO_PASSWORD, demo_load
from leadflow.tenants.models import Tenant


class Command(BaseCommand):
    help = "Load the demo tenant (users admin, supervisor, agent1…agent10; password demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--leads", type=int, default=20_000)
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing when any tenant exists.")

    def handle(self, *args: Any, **options: Any) -> None:
        if Tenant.objects.exists():
            if options["if_empty"]:
                return
            raise CommandError("The database already has tenants; the demo loads into an "
                               "empty one.")
        self.stdout.write("Loading the demo tenant…")
        result = demo_load(total_leads=options["leads"])
        self.stdout.write(self.style.SUCCESS(
            f"Demo tenant “{result.tenant.name}”: {result.leads} leads. Log in as "
            f"{', '.join(result.users[:3])}…{result.users[-1]} with password “{DEMO_PASSWORD}”."
        ))
