"""Fast insertion of generated leads: COPY on PostgreSQL, batched INSERTs on SQLite."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from django.db import connection, transaction

from leadflow.leads.models import Lead
from leadflow.ops.leadgen import LeadRow

BATCH = 5_000
_COLUMNS = ("tenant_id", "campaign_id", "phone", "first_name", "last_name", "country",
            "zone_set_id", "status_id", "weight", "frozen_until", "is_blacklisted", "attempts",
            "created_at", "custom_fields", "alt_phones", "phone_extension", "email", "region",
            "postal_code", "language", "tz_source", "external_id", "source")


def insert_leads(*, tenant_id: int, campaign_id: int, rows: Iterable[LeadRow]) -> int:
    iterator = iter(rows)
    inserted = 0
    while batch := list(islice(iterator, BATCH)):
        # One short transaction per batch: never one giant transaction on the leads table.
        with transaction.atomic():
            if connection.vendor == "postgresql":
                _copy_batch(tenant_id, campaign_id, batch)
            else:
                Lead.objects.bulk_create([
                    Lead(tenant_id=tenant_id, campaign_id=campaign_id, phone=r.phone,
                         first_name=r.first_name, last_name=r.last_name, country=r.country,
                         zone_set_id=r.zone_set_id, status_id=r.status_id, weight=r.weight,
                         frozen_until=r.frozen_until, is_blacklisted=r.is_blacklisted,
                         created_at=r.created_at)
                    for r in batch
                ], batch_size=1000)
        inserted += len(batch)
    return inserted


def _copy_batch(tenant_id: int, campaign_id: int, batch: list[LeadRow]) -> None:
    table = Lead._meta.db_table
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for r in batch:
                copy.write_row((tenant_id, campaign_id, r.phone, r.first_name, r.last_name,
                                r.country, r.zone_set_id, r.status_id, r.weight, r.frozen_until,
                                r.is_blacklisted, 0, r.created_at, "{}", "[]", "", "", "", "",
                                "", "phone", "", ""))
