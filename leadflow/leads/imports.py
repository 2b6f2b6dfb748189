"""Import jobs: create from an uploaded file, configure mapping and options, start, read.

Files are stored under ``var/uploads``; the job row holds what was sniffed from them.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from leadflow.campaigns.models import Campaign
from leadflow.core import clock
from leadflow.core.errors import NotFoundError
from leadflow.leads.intake.normalise import (
    CUSTOM_PREFIX,
    IGNORE,
    LEAD_TARGETS,
    is_custom_target,
)
from leadflow.leads.intake.reader import FileInfo, FileProblem, sniff
from leadflow.leads.models import CampaignField, ImportJob, ImportKind, ImportState
from leadflow.tenants.models import Tenant

DEDUPE_SCOPES = ("campaign", "tenant")
ON_DUPLICATE = ("skip", "update")
DNC_POLICIES = ("skip", "blacklist")
CUSTOM_TYPES = ("text", "number", "date", "boolean")


def upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_upload_bytes() -> int:
    return int(settings.LEADFLOW_MAX_UPLOAD_MB) * 1024 * 1024


def _store_within_limit(source: IO[bytes], path: Path) -> int:
    """Copy the upload to ``path``, stopping as soon as it passes the size limit (a 2 GB
    file is refused after the first bytes over the limit, not after writing 2 GB)."""
    limit = max_upload_bytes()
    size = 0
    with path.open("wb") as target:
        while chunk := source.read(1024 * 1024):
            size += len(chunk)
            if size > limit:
                break
            target.write(chunk)
    if size > limit:
        path.unlink(missing_ok=True)
        raise ValidationError({"file": f"The file is larger than the limit of "
                                       f"{settings.LEADFLOW_MAX_UPLOAD_MB} MB."})
    return size


def import_job_create(
    *, tenant: Tenant, source: IO[bytes], file_name: str, created_by: User | None,
    campaign_id: int | None = None, kind: ImportKind = ImportKind.LEADS,
) -> ImportJob:
    """Store the file and sniff it; a file that cannot be read is refused here, before any
    job exists (ValidationError on "file")."""
    campaign = None
    if campaign_id is not None:
        campaign = Campaign.objects.filter(tenant=tenant, id=campaign_id).first()
        if campaign is None:
            raise ValidationError({"campaign_id": f"Campaign {campaign_id} not found."})
    file_name = file_name.replace("\x00", "")
    suffix = ".xlsx" if file_name.lower().endswith((".xlsx", ".xlsm")) else ".csv"
    path = upload_dir() / f"{uuid.uuid4().hex}{suffix}"
    size = _store_within_limit(source, path)
    try:
        info = sniff(path, file_name)
    except FileProblem as exc:
        path.unlink(missing_ok=True)
        raise ValidationError({"file": str(exc)}) from exc
    return ImportJob.objects.create(
        tenant=tenant, kind=kind, campaign=campaign, created_by=created_by,
        file_name=file_name[:255], file_path=str(path), file_size=size,
        file_format=info.file_format, encoding=info.encoding, delimiter=info.delimiter,
        headers=info.headers, warnings=info.warnings,
    )


def import_job_get(*, tenant: Tenant, job_id: int) -> ImportJob:
    job = ImportJob.objects.filter(tenant=tenant, id=job_id).select_related("campaign").first()
    if job is None:
        raise NotFoundError(f"Import {job_id} not found.")
    return job


def validate_mapping(headers: list[str], columns: list[str], kind: str) -> None:
    """One target per column; phone mapped exactly once; custom keys lowercase slugs."""
    if len(columns) != len(headers):
        raise ValidationError({"mapping": f"Give a target for each of the {len(headers)} "
                                          f"columns ({len(columns)} given)."})
    allowed = {"phone", IGNORE} if kind == ImportKind.DNC else {*LEAD_TARGETS, IGNORE}
    seen: dict[str, str] = {}
    for header, target in zip(headers, columns, strict=True):
        if not isinstance(target, str):
            raise ValidationError({"mapping": f"Column “{header}”: the target must be text, "
                                              f"not {target!r}."})
        if target.startswith(CUSTOM_PREFIX) and kind == ImportKind.LEADS:
            if not is_custom_target(target):
                raise ValidationError({"mapping": f"Column “{header}”: a custom field key "
                                                  "uses a–z, 0–9 and _ (at most 50)."})
        elif target not in allowed:
            raise ValidationError({"mapping": f"Column “{header}”: unknown target {target!r}."})
        if target not in (IGNORE, "alt_phone") and target in seen:
            raise ValidationError({"mapping": f"Columns “{seen[target]}” and “{header}” both "
                                              f"map to {target}."})
        seen[target] = header
    if "phone" not in seen:
        raise ValidationError({"mapping": "Map one column to Phone."})


def _validate_dnc_options(options: dict[str, Any], campaign: Campaign | None) -> dict[str, str]:
    """A do-not-call file's entries: scope (the job's campaign, or tenant-wide), expiry
    (ISO date-time in the future, or none) and reason."""
    expires = options.get("expires_at") or ""
    if isinstance(expires, str) and expires:
        try:
            expires = datetime.fromisoformat(expires)
        except ValueError as exc:
            raise ValidationError({"expires_at": "Give the expiry as a date and time."}) from exc
    if isinstance(expires, datetime):
        if expires.tzinfo is None:
            raise ValidationError({"expires_at": "Give the expiry with its time zone."})
        if expires <= clock.now():
            raise ValidationError({"expires_at": "The expiry must be in the future."})
    reason = str(options.get("reason", "") or "").strip()
    if len(reason) > 200:
        raise ValidationError({"reason": "The reason is longer than 200 characters."})
    return {"scope": "campaign" if campaign is not None else "tenant",
            "expires_at": expires.isoformat() if isinstance(expires, datetime) else "",
            "reason": reason}


def _validate_options(options: dict[str, Any]) -> dict[str, str]:
    clean = {
        "default_region": str(options.get("default_region", "") or "").upper(),
        "dedupe_scope": options.get("dedupe_scope", "campaign"),
        "on_duplicate": options.get("on_duplicate", "skip"),
        "dnc_policy": options.get("dnc_policy", "skip"),
    }
    import phonenumbers

    if clean["default_region"] and clean["default_region"] not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError({"default_region": f"{clean['default_region']!r} is not a "
                                                 "country code (e.g. US, GB)."})
    for name, allowed in (("dedupe_scope", DEDUPE_SCOPES), ("on_duplicate", ON_DUPLICATE),
                          ("dnc_policy", DNC_POLICIES)):
        if clean[name] not in allowed:
            raise ValidationError({name: f"Choose one of {', '.join(allowed)}."})
    return clean


@transaction.atomic
def import_job_configure(
    *, tenant: Tenant, job_id: int, columns: list[str], options: dict[str, Any],
    campaign_id: int | None = None, custom_types: dict[str, str] | None = None,
) -> ImportJob:
    """Set mapping and options; create the campaign's missing custom field definitions.

    A do-not-call file's entries are for the job's campaign, or tenant-wide when
    ``options["scope"]`` is "tenant"; ``options`` also carry their expiry and reason.
    """
    job = import_job_get(tenant=tenant, job_id=job_id)
    if job.state != ImportState.UPLOADED:
        raise ValidationError({"__all__": "This import has already started."})
    if campaign_id is not None:
        job.campaign = Campaign.objects.filter(tenant=tenant, id=campaign_id).first()
        if job.campaign is None:
            raise ValidationError({"campaign_id": f"Campaign {campaign_id} not found."})
    if job.kind == ImportKind.DNC and options.get("scope") == "tenant":
        job.campaign = None
    if job.kind == ImportKind.DNC and options.get("scope") == "campaign" and not job.campaign:
        raise ValidationError({"campaign_id": "Choose the campaign, or make the numbers "
                                              "tenant-wide."})
    if job.kind == ImportKind.LEADS and job.campaign is None:
        raise ValidationError({"campaign_id": "Choose the campaign the leads go to."})
    validate_mapping(list(job.headers), columns, job.kind)
    types = dict(custom_types or {})
    for key, kind in types.items():
        if kind not in CUSTOM_TYPES:
            raise ValidationError({"custom_types": f"{key}: choose one of "
                                                   f"{', '.join(CUSTOM_TYPES)}."})
    if job.campaign is not None:
        for header, target in zip(job.headers, columns, strict=True):
            if target.startswith(CUSTOM_PREFIX):
                key = target[len(CUSTOM_PREFIX):]
                definition, _ = CampaignField.objects.get_or_create(
                    tenant=tenant, campaign=job.campaign, key=key,
                    defaults={"label": header[:80], "field_type": types.get(key, "text")})
                types[key] = definition.field_type
    job.mapping = {"columns": columns, "custom_types": types}
    job.options = _validate_options(options)
    if job.kind == ImportKind.DNC:
        job.options.update(_validate_dnc_options(options, job.campaign))
    job.save(update_fields=["campaign", "mapping", "options"])
    return job


def import_job_start(*, tenant: Tenant, job_id: int) -> ImportJob:
    """Queue the job for the worker, after the commit that makes it visible."""
    from leadflow.leads.tasks import run_import_task

    with transaction.atomic():
        job = import_job_get(tenant=tenant, job_id=job_id)
        if job.state != ImportState.UPLOADED or not job.mapping:
            raise ValidationError({"__all__": "Configure the mapping before starting."})
        job.state = ImportState.QUEUED
        job.save(update_fields=["state"])
        transaction.on_commit(lambda: run_import_task(job.id))
    return job


def import_jobs_for_tenant(tenant: Tenant) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(tenant=tenant).select_related("campaign", "created_by")


def import_progress(job: ImportJob) -> dict[str, Any]:
    """Rows done / total, rate (rows/s) and ETA for the progress bar."""
    done, total = job.processed_rows, job.total_rows
    rate = 0.0
    eta: timedelta | None = None
    if job.started_at and done:
        elapsed = ((job.finished_at or clock.now()) - job.started_at).total_seconds()
        rate = done / elapsed if elapsed > 0 else 0.0
        if rate and total > done:
            eta = timedelta(seconds=round((total - done) / rate))
    return {"done": done, "total": total, "percent": round(100 * done / total) if total else 0,
            "rate": round(rate), "eta": eta}


_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe."""
    return f"'{cell}" if cell.startswith(_FORMULA_PREFIXES) else cell


def error_report_rows(job: ImportJob) -> Iterator[str]:
    """The error report as CSV text lines: row number, column, value, reason."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: Iterable[str]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(c) for c in cells])
        return buffer.getvalue()

    yield line(["row", "column", "value", "reason"])
    for error in job.row_errors.all().iterator(chunk_size=2000):
        yield line([str(error.row_number), error.column, error.value, error.reason])


def describe(info: FileInfo) -> str:
    if info.file_format == "xlsx":
        return "Excel workbook"
    names = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
    return f"CSV, {info.encoding}, {names.get(info.delimiter, info.delimiter)}-separated"
