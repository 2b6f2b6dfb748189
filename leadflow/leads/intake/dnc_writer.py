"""Import do-not-call numbers from a file: parse phones in batches and upsert DncEntry rows.

The same crash-safety contract as the lead engine: each batch's entries, its row errors,
the leads it blacklists and the job's counters (with ``processed_rows``, the checkpoint)
commit in one transaction, so a resumed job never counts a batch twice.

Outcomes per row: a new entry is *imported*; an expired entry of the same number and
scope is renewed (*updated*); a number already listed and unexpired, or repeated in the
file, is a *duplicate*; a value that is not a phone number is *rejected*.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.db import transaction
from django.db.models import F, Q

from leadflow.core import clock
from leadflow.leads.dnc import dnc_refresh_leads
from leadflow.leads.intake.phones import PhoneError, parse_phone
from leadflow.leads.models import DncEntry, ImportJob, ImportRowError

# (row number, [(target, header, value)], shape problem or None), as the engine reads them.
DncRawRow = tuple[int, list[tuple[str, str, str]], str | None]


@dataclass(frozen=True)
class DncImportOptions:
    campaign_id: int | None  # None: tenant-wide entries
    default_region: str
    expires_at: datetime | None
    reason: str
    added_via: str

    @classmethod
    def for_job(cls, job: ImportJob) -> DncImportOptions:
        expires = str(job.options.get("expires_at") or "")
        return cls(campaign_id=job.campaign_id,
                   default_region=str(job.options.get("default_region") or ""),
                   expires_at=datetime.fromisoformat(expires) if expires else None,
                   reason=str(job.options.get("reason") or "")[:200],
                   added_via=f"upload #{job.id}")


def _parse_batch(
    chunk: list[DncRawRow], options: DncImportOptions, seen: set[str],
    errors: list[ImportRowError], job: ImportJob,
) -> tuple[list[str], int]:
    """The batch's new phones in file order, and how many rows repeat an earlier one."""
    phones: list[str] = []
    repeated = 0
    for row_number, cells, shape_problem in chunk:
        column, raw = next(((h, v) for t, h, v in cells if t == "phone"), ("phone", ""))
        if shape_problem:
            errors.append(ImportRowError(job=job, row_number=row_number, reason=shape_problem))
            continue
        try:
            e164 = parse_phone(raw, options.default_region).e164
        except PhoneError as exc:
            errors.append(ImportRowError(job=job, row_number=row_number, column=column[:255],
                                         value=raw.strip()[:500], reason=str(exc)[:500]))
            continue
        if e164 in seen:
            repeated += 1
            continue
        seen.add(e164)
        phones.append(e164)
    return phones, repeated


def write_dnc_batch(*, job: ImportJob, phones: list[str], options: DncImportOptions,
                    now: datetime) -> tuple[int, int, int]:
    """Upsert the batch's entries; return (added, renewed, already listed).

    The caller holds the transaction.
    """
    scope = (Q(campaign_id=options.campaign_id) if options.campaign_id is not None
             else Q(campaign__isnull=True))
    existing = {entry.phone: entry for entry in
                DncEntry.objects.filter(scope, tenant_id=job.tenant_id, phone__in=phones)}
    new, renewed = [], []
    listed = 0
    for phone in phones:
        entry = existing.get(phone)
        if entry is None:
            new.append(DncEntry(tenant_id=job.tenant_id, campaign_id=options.campaign_id,
                                phone=phone, expires_at=options.expires_at,
                                reason=options.reason, added_by_id=job.created_by_id,
                                added_via=options.added_via))
        elif entry.expires_at is not None and entry.expires_at <= now:
            entry.expires_at, entry.reason = options.expires_at, options.reason
            entry.added_by_id, entry.added_via = job.created_by_id, options.added_via
            renewed.append(entry)
        else:
            listed += 1
    # A number added by hand between the read above and this insert is skipped, not an
    # error: the entry exists either way.
    DncEntry.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    DncEntry.objects.bulk_update(renewed, ["expires_at", "reason", "added_by", "added_via"],
                                 batch_size=1000)
    return len(new), len(renewed), listed


def import_dnc_rows(
    job: ImportJob, raw: Iterator[DncRawRow], batch_rows: int,
    progress: Callable[[ImportJob], None] | None = None,
) -> None:
    """Write every batch of ``raw`` (already positioned after ``processed_rows``)."""
    options = DncImportOptions.for_job(job)
    seen: set[str] = set()
    tenant = job.tenant
    for chunk in iter(lambda: list(islice(raw, batch_rows)), []):
        errors: list[ImportRowError] = []
        phones, repeated = _parse_batch(chunk, options, seen, errors, job)
        with transaction.atomic():
            added, renewed, listed = write_dnc_batch(job=job, phones=phones, options=options,
                                                     now=clock.now())
            blacklisted = dnc_refresh_leads(tenant=tenant, phones=phones) if phones else 0
            ImportRowError.objects.bulk_create(errors, batch_size=1000)
            counters = {
                "processed_rows": len(chunk), "imported": added, "updated": renewed,
                "duplicates": listed + repeated, "blacklisted": blacklisted,
                "rejected": len({e.row_number for e in errors}),
            }
            ImportJob.objects.filter(id=job.id).update(
                **{name: F(name) + value for name, value in counters.items()})
        for name, value in counters.items():
            setattr(job, name, getattr(job, name) + value)
        if progress:
            progress(job)
