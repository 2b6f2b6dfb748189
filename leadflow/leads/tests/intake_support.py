"""Helpers shared by the intake tests: write a file, import it, read back the leads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from leadflow.campaigns.models import Campaign
from leadflow.leads.imports import import_job_configure, import_job_create
from leadflow.leads.intake.engine import import_run
from leadflow.leads.intake.reader import guess_mapping
from leadflow.leads.models import ImportJob, ImportState, Lead
from leadflow.tenants.models import Tenant

LEAD_COLUMNS = ("phone", "phone_extension", "alt_phones", "first_name", "last_name", "email",
                "country", "region", "postal_code", "language", "zone_set__key", "tz_source",
                "external_id", "source", "status_id", "weight", "is_blacklisted",
                "custom_fields")


def write_file(directory: Path, content: str | bytes, name: str = "leads.csv",
               encoding: str = "utf-8") -> Path:
    path = directory / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def create_job(tenant: Tenant, path: Path, campaign: Campaign | None = None,
               file_name: str | None = None) -> ImportJob:
    with path.open("rb") as source:
        return import_job_create(tenant=tenant, source=source, file_name=file_name or path.name,
                                 created_by=None,
                                 campaign_id=campaign.id if campaign else None)


def configure_job(job: ImportJob, campaign: Campaign, columns: list[str] | None = None, *,
                  custom_types: dict[str, str] | None = None, **options: Any) -> ImportJob:
    return import_job_configure(
        tenant=campaign.tenant, job_id=job.id,
        columns=columns if columns is not None else guess_mapping(list(job.headers)),
        options=options, campaign_id=campaign.id, custom_types=custom_types)


def run_job(job: ImportJob) -> ImportJob:
    ImportJob.objects.filter(id=job.id).update(state=ImportState.QUEUED)
    import_run(job_id=job.id)
    return ImportJob.objects.get(id=job.id)


def import_file(campaign: Campaign, path: Path, columns: list[str] | None = None, *,
                custom_types: dict[str, str] | None = None, **options: Any) -> ImportJob:
    """Upload, map (given columns, else the guessed mapping), run; the finished job."""
    job = create_job(campaign.tenant, path, campaign)
    configure_job(job, campaign, columns, custom_types=custom_types, **options)
    return run_job(job)


def counts_add_up(job: ImportJob) -> bool:
    return job.outcome_total == job.total_rows == job.processed_rows


def lead_rows(**filters: Any) -> list[tuple[Any, ...]]:
    """Every stored value of the matching leads, in a stable order (for before/after)."""
    return list(Lead.objects.filter(**filters).order_by("id").values_list("id", *LEAD_COLUMNS))


def errors_of(job: ImportJob) -> list[tuple[int, str, str]]:
    return list(job.row_errors.values_list("row_number", "column", "reason"))
