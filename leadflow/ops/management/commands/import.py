"""``leadflow import FILE --campaign ID``: import a lead file from the command line."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from leadflow.campaigns.models import Campaign
from leadflow.core.errors import validation_error_messages
from leadflow.leads.imports import (
    error_report_rows,
    import_job_configure,
    import_job_create,
    import_progress,
)
from leadflow.leads.intake.engine import import_run
from leadflow.leads.intake.reader import guess_mapping
from leadflow.leads.models import ImportJob, ImportState


class Command(BaseCommand):
    help = "Import a CSV or XLSX lead file into a campaign, with the same rules as the UI."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--campaign", type=int, required=True, help="Campaign ID")
        parser.add_argument("--mapping", default="",
                            help='JSON: {"File header": "phone", "Other": "custom.tier"}; '
                                 "unmapped headers are guessed or ignored")
        parser.add_argument("--region", default="", help="Default region for national numbers")
        parser.add_argument("--dedupe", choices=["campaign", "tenant"], default="campaign")
        parser.add_argument("--on-duplicate", choices=["skip", "update"], default="skip")
        parser.add_argument("--dnc", choices=["skip", "blacklist"], default="skip")
        parser.add_argument("--errors", type=Path, default=None,
                            help="Write the error report CSV here (default: FILE.errors.csv)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        campaign = Campaign.objects.select_related("tenant").filter(id=options["campaign"]).first()
        if campaign is None:
            raise CommandError(f"Campaign {options['campaign']} not found.")
        try:
            mapping = json.loads(options["mapping"]) if options["mapping"] else {}
            if not isinstance(mapping, dict):
                raise ValueError
        except ValueError as exc:
            raise CommandError('--mapping must be a JSON object {"header": "target"}') from exc
        try:
            with path.open("rb") as source:
                job = import_job_create(tenant=campaign.tenant, source=source,
                                        file_name=path.name, created_by=None,
                                        campaign_id=campaign.id)
            unknown = [name for name in mapping if name not in job.headers]
            if unknown:
                raise CommandError(f"--mapping names columns the file does not have: "
                                   f"{', '.join(unknown)} (its columns: "
                                   f"{', '.join(job.headers)})")
            columns = [mapping.get(h, guess) for h, guess in
                       zip(job.headers, guess_mapping(job.headers), strict=True)]
            import_job_configure(
                tenant=campaign.tenant, job_id=job.id, columns=columns,
                options={"default_region": options["region"], "dedupe_scope": options["dedupe"],
                         "on_duplicate": options["on_duplicate"], "dnc_policy": options["dnc"]})
        except ValidationError as exc:
            problems = "; ".join(f"{k}: {' '.join(v)}" if k != "__all__" else " ".join(v)
                                 for k, v in validation_error_messages(exc).items())
            raise CommandError(problems) from exc
        for warning in job.warnings:
            self.stderr.write(f"warning: {warning}")
        ImportJob.objects.filter(id=job.id).update(state=ImportState.QUEUED)
        job = import_run(job_id=job.id, progress=self._progress)
        sys.stderr.write("\n")
        if job.state == ImportState.FAILED:
            raise CommandError(job.error_message)
        report = options["errors"] or path.with_suffix(path.suffix + ".errors.csv")
        if job.rejected:
            with report.open("w", encoding="utf-8", newline="") as out:
                out.writelines(error_report_rows(job))
        summary = {"import_id": job.id, "rows": job.total_rows, "imported": job.imported,
                   "updated": job.updated, "duplicates": job.duplicates,
                   "rejected": job.rejected, "dnc_skipped": job.dnc_skipped,
                   "blacklisted": job.blacklisted,
                   "error_report": str(report) if job.rejected else None}
        self.stdout.write(json.dumps(summary))

    _last_draw = 0.0

    def _progress(self, job: ImportJob) -> None:
        now = time.monotonic()
        if now - self._last_draw < 0.2 and job.processed_rows < job.total_rows:
            return
        self._last_draw = now
        figures = import_progress(job)
        width = 30
        filled = int(width * figures["percent"] / 100)
        eta = f" ETA {figures['eta']}" if figures["eta"] else ""
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {figures['done']}/"
                         f"{figures['total']} rows  {figures['rate']} rows/s{eta}   ")
        sys.stderr.flush()
