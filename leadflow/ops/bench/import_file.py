"""Benchmark: a lead file imported end to end, against a bare COPY floor.

1. Generate (once, cached under var/bench) a CSV of N rows: ~2 % invalid phones,
   ~3 % duplicates, 15 zone sets over 12 countries.
2. Import it into a fresh campaign through the real path (store, sniff, configure,
   count, normalise in a process pool, COPY into staging, merge), timed end to end.
3. Floor: COPY the same, already-normalised rows into the same indexed table.
4. Report rows/s for both and the peak memory of the importer and its workers.
"""

from __future__ import annotations

import csv
import random
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.services import campaign_create, campaign_delete
from leadflow.leads.imports import import_job_configure, import_job_create
from leadflow.leads.intake.engine import import_run
from leadflow.leads.models import ImportJob, ImportState, Lead
from leadflow.ops.leadgen import FIRST_NAMES, LAST_NAMES, REGIONS, _phone_prefix
from leadflow.tenants.models import Tenant
from leadflow.tenants.services import tenant_create

COLUMNS = ["Phone", "First Name", "Last Name", "Email", "Country", "Affiliate"]
MAPPING = ["phone", "first_name", "last_name", "email", "country", "source"]


def generate_file(rows: int, seed: int = 11) -> Path:
    path = Path(settings.VAR_DIR) / "bench" / f"import-{rows}.csv"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    prefixes = [(r.country, _phone_prefix(r.country)) for r in REGIONS]
    recent: list[list[str]] = []
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for i in range(rows):
            roll = rng.random()
            if roll < 0.03 and recent:
                writer.writerow(rng.choice(recent))  # a duplicate of a recent row
                continue
            country, prefix = prefixes[i % len(prefixes)]
            phone = f"{prefix}{rng.randrange(1_000_000):06d}" if roll > 0.05 else "12345"
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            row = [phone, first, last, f"{first}.{last}{i}@example.com".lower(), country,
                   f"aff-{rng.randrange(40)}"]
            writer.writerow(row)
            if len(recent) < 1000:
                recent.append(row)
            else:
                recent[rng.randrange(1000)] = row
    tmp.rename(path)
    return path


def _peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)  # Linux reports kB


def _copy_floor(source_campaign: Campaign, floor_campaign: Campaign) -> tuple[int, float]:
    """COPY the imported rows (as stored) into the same table under another campaign."""
    table = Lead._meta.db_table
    columns = ["tenant_id", "campaign_id", "phone", "phone_extension", "alt_phones",
               "first_name", "last_name", "email", "country", "region", "postal_code",
               "language", "zone_set_id", "tz_source", "external_id", "source", "status_id",
               "weight", "is_blacklisted", "attempts", "custom_fields", "created_at"]
    select = ", ".join(str(floor_campaign.id) if c == "campaign_id" else c for c in columns)
    with tempfile.TemporaryFile() as dump, connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY (SELECT {select} FROM {table} WHERE campaign_id = "
                      f"{source_campaign.id}) TO STDOUT") as copy:
            for block in copy:
                dump.write(block)
        dump.seek(0)
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor2, cursor2.cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        ) as copy:
            while block := dump.read(1 << 20):
                copy.write(block)
        elapsed = time.perf_counter() - started
    return Lead.objects.filter(campaign=floor_campaign).count(), elapsed


def run(*, rows: int, log: Any) -> dict[str, Any]:
    path = generate_file(rows)
    log(f"file {path} ({path.stat().st_size // (1024 * 1024)} MB)")
    tenant = Tenant.objects.filter(name="bench-import").first() or tenant_create(
        name="bench-import")
    for old in Campaign.objects.filter(tenant=tenant):
        campaign_delete(tenant=tenant, campaign_id=old.id)
    stamp = int(time.time())
    campaign = campaign_create(tenant=tenant, name=f"Import {stamp}")
    started = time.perf_counter()
    with path.open("rb") as source:
        job = import_job_create(tenant=tenant, source=source, file_name=path.name,
                                created_by=None, campaign_id=campaign.id)
    import_job_configure(tenant=tenant, job_id=job.id, columns=MAPPING,
                         options={"dedupe_scope": "campaign", "on_duplicate": "skip"})
    ImportJob.objects.filter(id=job.id).update(state=ImportState.QUEUED)
    job = import_run(job_id=job.id)
    seconds = time.perf_counter() - started
    if job.state != ImportState.DONE:
        raise RuntimeError(f"import failed: {job.error_message}")
    result: dict[str, Any] = {
        "scenario": "import", "database": connection.vendor, "rows": job.total_rows,
        "imported": job.imported, "duplicates": job.duplicates, "rejected": job.rejected,
        "seconds": round(seconds, 2), "rows_per_s": round(job.total_rows / seconds),
        "peak_rss_mb": _peak_rss_mb(),
    }
    if connection.vendor == "postgresql":
        floor_campaign = campaign_create(tenant=tenant, name=f"Floor {stamp}")
        copied, floor_seconds = _copy_floor(campaign, floor_campaign)
        result["floor_rows_per_s"] = round(copied / floor_seconds)
        result["ratio_to_floor"] = round(result["rows_per_s"] / result["floor_rows_per_s"], 3)
        campaign_delete(tenant=tenant, campaign_id=floor_campaign.id)
    Path(job.file_path).unlink(missing_ok=True)
    return result
