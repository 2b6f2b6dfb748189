"""Write a batch of normalised leads: DNC policy, deduplication against the database,
then insert or update. PostgreSQL: COPY into a staging table and one set-based merge;
SQLite: the same decisions through batched ORM statements.

The caller holds the transaction; a batch is all or nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from django.db import connection
from django.db.models import Q

from leadflow.campaigns.models import Campaign
from leadflow.leads.dnc import dnc_blocked_phones
from leadflow.leads.intake.normalise import NormalisedLead
from leadflow.leads.models import Lead
from leadflow.leads.services import zone_set_id_for
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Tenant

DedupeScope = Literal["campaign", "tenant"]
OnDuplicate = Literal["skip", "update"]
DncPolicy = Literal["skip", "blacklist"]
Outcome = Literal["imported", "updated", "duplicate", "dnc_skipped"]


@dataclass(frozen=True)
class WriteOptions:
    dedupe_scope: DedupeScope = "campaign"
    on_duplicate: OnDuplicate = "skip"
    dnc_policy: DncPolicy = "skip"


@dataclass
class BatchResult:
    outcomes: dict[int, Outcome] = field(default_factory=dict)  # row number → outcome
    lead_ids: dict[int, int] = field(default_factory=dict)  # row number → lead id
    blacklisted: int = 0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for o in self.outcomes.values() if o == outcome)


# Fields a re-import with "update" may overwrite; empty cells never erase stored values.
UPDATABLE = ("first_name", "last_name", "email", "country", "region", "postal_code",
             "language", "source", "phone_extension")


def default_status_id(campaign: Campaign) -> int | None:
    status = (LeadStatus.objects.filter(campaign=campaign, is_default_for_new_leads=True)
              .values_list("id", flat=True).first())
    return status


def _scope_filter(campaign: Campaign, scope: DedupeScope) -> Q:
    return Q(campaign_id=campaign.id) if scope == "campaign" else Q(tenant_id=campaign.tenant_id)


def _existing_ids(campaign: Campaign, scope: DedupeScope,
                  rows: list[tuple[int, NormalisedLead]]) -> dict[str, int]:
    """Dedupe key → id of the lead already stored in the scope (lowest id wins)."""
    phones = [lead.phone for _, lead in rows if not lead.external_id]
    external = [lead.external_id for _, lead in rows if lead.external_id]
    found: dict[str, int] = {}
    base = Lead.objects.filter(_scope_filter(campaign, scope)).order_by("-id")
    if phones:
        for lead_id, phone in base.filter(phone__in=phones).values_list("id", "phone"):
            found[f"p:{phone}"] = lead_id
    if external:
        for lead_id, ext in base.filter(external_id__in=external).values_list("id",
                                                                              "external_id"):
            found[f"x:{ext}"] = lead_id
    return found


def dedupe_scope_lock(campaign: Campaign, scope: str) -> None:
    """Serialise every writer deduplicating against the same leads until commit: file
    imports, CLI imports and API writes alike, or two of them could each miss the
    other's uncommitted lead and insert the same phone twice.

    FOR NO KEY UPDATE: concurrent inserts of leads (which take KEY SHARE on their
    campaign and tenant through the foreign keys) and claims (which never lock the
    campaign row) are not blocked by it. Tenant before campaign, always: no deadlock.
    (SQLite runs one writer at a time anyway: the row locks are PostgreSQL's.)
    """
    if scope == "tenant":
        list(Tenant.objects.select_for_update(no_key=True).filter(id=campaign.tenant_id)
             .values_list("id", flat=True))
    elif connection.vendor == "postgresql":
        # A campaign-wide writer shares the tenant row: it runs beside the others of its
        # kind, but waits for (and makes wait) a tenant-wide writer, whose dedupe reads
        # every campaign's leads. Django has no FOR SHARE, hence the SQL.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {Tenant._meta.db_table} WHERE id = %s FOR SHARE",
                           [campaign.tenant_id])
    list(Campaign.objects.select_for_update(no_key=True).filter(id=campaign.id)
         .values_list("id", flat=True))


def write_batch(
    *, campaign: Campaign, rows: list[tuple[int, NormalisedLead]], options: WriteOptions,
    now: datetime,
) -> BatchResult:
    """1. Lock the dedupe scope. 2. Apply the DNC policy. 3. Find leads already stored
    under each row's dedupe key. 4. Skip or update those. 5. Insert the rest in the
    campaign's default status. 6. Run the campaign's lead-created rules on the inserted
    leads. The caller holds the transaction: all of it commits together."""
    result = BatchResult()
    if not rows:
        return result
    # Held until the caller's commit: the dedupe reads below and the inserts are one
    # decision, which no other writer in the same scope may interleave with.
    dedupe_scope_lock(campaign, options.dedupe_scope)
    blocked = dnc_blocked_phones(tenant=campaign.tenant, campaign_id=campaign.id,
                                 phones=[lead.phone for _, lead in rows], at=now)
    kept: list[tuple[int, NormalisedLead, bool]] = []
    for row_number, lead in rows:
        is_blocked = lead.phone in blocked
        if is_blocked and options.dnc_policy == "skip":
            result.outcomes[row_number] = "dnc_skipped"
            continue
        kept.append((row_number, lead, is_blocked))
    if not kept:
        return result
    if connection.vendor == "postgresql":
        _merge_postgresql(campaign, kept, options, now, result)
    else:
        _merge_orm(campaign, kept, options, now, result)
    # The campaign's "lead created" rules, set-based, in the batch's transaction.
    from leadflow.rules.setwise import rules_fire_for_new_leads  # rules build on leads

    rules_fire_for_new_leads(tenant=campaign.tenant, campaign=campaign, at=now, lead_ids=[
        result.lead_ids[row] for row, outcome in result.outcomes.items()
        if outcome == "imported" and row in result.lead_ids])
    return result


def _zone_set_ids(leads: list[NormalisedLead]) -> list[int]:
    """Each lead's ZoneSet id, resolved once per distinct set in the batch (a batch has
    ~15 distinct sets however many rows it holds)."""
    memo: dict[tuple[str, ...], int] = {}
    ids: list[int] = []
    for lead in leads:
        zone_id = memo.get(lead.zones)
        if zone_id is None:
            zone_id = memo[lead.zones] = zone_set_id_for(lead.zones)
        ids.append(zone_id)
    return ids


def _lead_values(campaign: Campaign, lead: NormalisedLead, blocked: bool, status_id: int | None,
                 now: datetime, zone_set_id: int) -> dict[str, object]:
    return {
        "tenant_id": campaign.tenant_id, "campaign_id": campaign.id, "phone": lead.phone,
        "phone_extension": lead.phone_extension, "alt_phones": lead.alt_phones,
        "first_name": lead.first_name, "last_name": lead.last_name, "email": lead.email,
        "country": lead.country, "region": lead.region, "postal_code": lead.postal_code,
        "language": lead.language, "zone_set_id": zone_set_id,
        "tz_source": lead.tz_source, "external_id": lead.external_id, "source": lead.source,
        "status_id": status_id, "weight": lead.weight or 0, "is_blacklisted": blocked,
        "attempts": 0, "custom_fields": lead.custom_fields, "created_at": now,
    }


def _merge_orm(campaign: Campaign, kept: list[tuple[int, NormalisedLead, bool]],
               options: WriteOptions, now: datetime, result: BatchResult) -> None:
    existing = _existing_ids(campaign, options.dedupe_scope, [(r, lead) for r, lead, _ in kept])
    status_id = default_status_id(campaign)
    new_rows: list[tuple[int, Lead, bool]] = []
    updates: list[tuple[int, int, NormalisedLead, bool]] = []
    zone_ids = _zone_set_ids([lead for _, lead, _ in kept])
    for (row_number, lead, blocked), zone_id in zip(kept, zone_ids, strict=True):
        lead_id = existing.get(lead.dedupe_key)
        if lead_id is None:
            new_rows.append((row_number, Lead(**_lead_values(campaign, lead, blocked, status_id,
                                                              now, zone_id)), blocked))
        elif options.on_duplicate == "update":
            updates.append((row_number, lead_id, lead, blocked))
        else:
            result.outcomes[row_number] = "duplicate"
            result.lead_ids[row_number] = lead_id
    created = Lead.objects.bulk_create([new for _, new, _ in new_rows], batch_size=500)
    for (row_number, _, blocked), stored_lead in zip(new_rows, created, strict=True):
        result.outcomes[row_number] = "imported"
        result.lead_ids[row_number] = stored_lead.pk
        result.blacklisted += blocked
    if updates:
        stored = Lead.objects.in_bulk([lead_id for _, lead_id, _, _ in updates])
        for row_number, lead_id, lead, blocked in updates:
            target = stored[lead_id]
            _apply_update(target, lead, blocked)
            result.outcomes[row_number] = "updated"
            result.lead_ids[row_number] = lead_id
        Lead.objects.bulk_update(
            list(stored.values()),
            [*UPDATABLE, "alt_phones", "custom_fields", "weight", "is_blacklisted"],
            batch_size=500,
        )


def _apply_update(target: Lead, lead: NormalisedLead, blocked: bool) -> None:
    for name in UPDATABLE:
        value = getattr(lead, name)
        if value:
            setattr(target, name, value)
    if lead.alt_phones:
        target.alt_phones = list(dict.fromkeys([*target.alt_phones, *lead.alt_phones]))
    if lead.custom_fields:
        target.custom_fields = {**target.custom_fields, **lead.custom_fields}
    if lead.weight is not None:
        target.weight = lead.weight
    target.is_blacklisted = target.is_blacklisted or blocked


# Numbers and flags first, then every text column (JSON last): a row is written to COPY
# as one tab-joined string, escaped only when some value needs it.
_STAGE_COLUMNS = ("row_no", "zone_set_id", "weight", "is_blacklisted", "dedupe_kind", "phone",
                  "phone_extension", "first_name", "last_name", "email", "country", "region",
                  "postal_code", "language", "tz_source", "external_id", "source",
                  "alt_phones", "custom_fields")
_TEXT_SEPARATORS = 14  # tabs between the 15 text columns
_COPY_SPECIAL = re.compile(r"[\\\n\r]")


def _copy_escape(value: str) -> str:
    """A value in COPY's text format: backslash, tab, newline, carriage return escaped."""
    return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def _stage_lines(kept: list[tuple[int, NormalisedLead, bool]], zone_ids: list[int]) -> str:
    """The batch as COPY text for lead_stage, built as strings: ~2 µs a row, where
    psycopg's write_row, converting and escaping 19 values one by one, took ~7 µs."""
    lines = []
    for (row_number, lead, blocked), zone_id in zip(kept, zone_ids, strict=True):
        texts = ("x" if lead.external_id else "p", lead.phone, lead.phone_extension,
                 lead.first_name, lead.last_name, lead.email, lead.country, lead.region,
                 lead.postal_code, lead.language, lead.tz_source, lead.external_id,
                 lead.source,
                 json.dumps(lead.alt_phones) if lead.alt_phones else "[]",
                 json.dumps(lead.custom_fields) if lead.custom_fields else "{}")
        joined = "\t".join(texts)
        # A tab, backslash or line break inside a value: escape value by value.
        if joined.count("\t") != _TEXT_SEPARATORS or _COPY_SPECIAL.search(joined):
            joined = "\t".join(map(_copy_escape, texts))
        weight = "\\N" if lead.weight is None else lead.weight
        lines.append(f"{row_number}\t{zone_id}\t{weight}\t{'t' if blocked else 'f'}\t"
                     f"{joined}\n")
    return "".join(lines)


def _merge_postgresql(campaign: Campaign, kept: list[tuple[int, NormalisedLead, bool]],
                      options: WriteOptions, now: datetime, result: BatchResult) -> None:
    """COPY the batch into a temporary staging table, then one statement decides and
    writes everything: match by dedupe key, update matches (or not), insert the rest.

    An UPDATE applies one staged row per lead. When several rows of the batch match the
    same lead (one by phone, one by CRM id), the earliest is applied and the others go
    through another pass, so every row is applied in file order, as the ORM path does."""
    pending = kept
    while pending:
        pending = _merge_postgresql_pass(campaign, pending, options, now, result)


def _merge_postgresql_pass(
    campaign: Campaign, kept: list[tuple[int, NormalisedLead, bool]], options: WriteOptions,
    now: datetime, result: BatchResult,
) -> list[tuple[int, NormalisedLead, bool]]:
    """One merge statement; returns the rows left for the next pass."""
    table = Lead._meta.db_table
    scope_sql = "l.campaign_id = %(campaign)s" if options.dedupe_scope == "campaign" \
        else "l.tenant_id = %(tenant)s"
    # CRM ids are indexed by tenant (partial: non-empty ids), so both scopes name it.
    external_scope_sql = "l.tenant_id = %(tenant)s" + (
        " AND l.campaign_id = %(campaign)s" if options.dedupe_scope == "campaign" else "")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS lead_stage (row_no int PRIMARY KEY, "
            "dedupe_kind char(1), phone varchar(20), phone_extension varchar(10), "
            "alt_phones jsonb, first_name varchar(80), last_name varchar(80), "
            "email varchar(254), country varchar(2), region varchar(64), "
            "postal_code varchar(16), language varchar(16), zone_set_id bigint, "
            "tz_source varchar(8), external_id varchar(100), source varchar(100), "
            "weight int, is_blacklisted boolean, custom_fields jsonb) ON COMMIT DELETE ROWS"
        )
        # ON COMMIT DELETE ROWS empties the table only at commit: a second batch in the
        # same transaction (an API request inside an outer atomic block, a test) would
        # otherwise find the previous batch's rows and collide on row_no.
        cursor.execute("DELETE FROM lead_stage")
        # Zone set ids first: no other query may run on the connection during COPY.
        data = _stage_lines(kept, _zone_set_ids([lead for _, lead, _ in kept]))
        with cursor.cursor.copy(f"COPY lead_stage ({', '.join(_STAGE_COLUMNS)}) FROM STDIN") \
                as copy:
            copy.write(data)
        del data
        # No ANALYZE of the staging table (~5 µs a row): every plan below is a scan of it
        # with one index probe per row, which no row count estimate changes.
        update_sets = ", ".join(f"{c} = COALESCE(NULLIF(s.{c}, ''), l.{c})" for c in UPDATABLE)
        sql = f"""
        WITH matched AS (
            -- One index probe per staged row, by phone or by CRM id (a subquery per row,
            -- so the plan cannot become a join that reads every lead of the campaign for
            -- each batch: that cost grew with the campaign, quadratic over a big file).
            SELECT row_no, lead_id FROM (
                SELECT s.row_no, CASE WHEN s.dedupe_kind = 'p' THEN (
                    SELECT min(l.id) FROM {table} l WHERE {scope_sql} AND l.phone = s.phone
                ) ELSE (
                    SELECT min(l.id) FROM {table} l
                    WHERE {external_scope_sql} AND l.external_id = s.external_id
                        AND l.external_id <> ''
                ) END AS lead_id
                FROM lead_stage s
            ) probes
            WHERE lead_id IS NOT NULL
        ), updated AS (
            UPDATE {table} l SET {update_sets},
                alt_phones = l.alt_phones || COALESCE((
                    SELECT jsonb_agg(a.phone ORDER BY a.n)
                    FROM jsonb_array_elements(s.alt_phones) WITH ORDINALITY AS a(phone, n)
                    WHERE NOT l.alt_phones @> jsonb_build_array(a.phone)), '[]'::jsonb),
                custom_fields = l.custom_fields || s.custom_fields,
                weight = COALESCE(s.weight, l.weight),
                is_blacklisted = l.is_blacklisted OR s.is_blacklisted
            FROM lead_stage s JOIN (
                SELECT DISTINCT ON (lead_id) row_no, lead_id FROM matched
                ORDER BY lead_id, row_no
            ) m ON m.row_no = s.row_no
            WHERE l.id = m.lead_id AND %(do_update)s
            RETURNING s.row_no, l.id
        ), inserted AS (
            INSERT INTO {table} (tenant_id, campaign_id, phone, phone_extension, alt_phones,
                first_name, last_name, email, country, region, postal_code, language,
                zone_set_id, tz_source, external_id, source, status_id, weight,
                is_blacklisted, attempts, custom_fields, created_at)
            SELECT %(tenant)s, %(campaign)s, s.phone, s.phone_extension, s.alt_phones,
                s.first_name, s.last_name, s.email, s.country, s.region, s.postal_code,
                s.language, s.zone_set_id, s.tz_source, s.external_id, s.source, %(status)s,
                COALESCE(s.weight, 0), s.is_blacklisted, 0, s.custom_fields, %(now)s
            FROM lead_stage s
            WHERE NOT EXISTS (SELECT 1 FROM matched m WHERE m.row_no = s.row_no)
            RETURNING id, phone, external_id
        )
        SELECT 'm', row_no, lead_id, NULL, NULL FROM matched
        UNION ALL SELECT 'u', row_no, id, NULL, NULL FROM updated
        UNION ALL SELECT 'i', NULL, id, phone, external_id FROM inserted
        """
        cursor.execute(sql, {"tenant": campaign.tenant_id, "campaign": campaign.id,
                             "status": default_status_id(campaign), "now": now,
                             "do_update": options.on_duplicate == "update"})
        returned = cursor.fetchall()
    matched = {row_no: lead_id for kind, row_no, lead_id, _, _ in returned if kind == "m"}
    updated = {row_no for kind, row_no, _, _, _ in returned if kind == "u"}
    # Inserted rows come back by dedupe key, unique within a batch (the caller drops
    # in-file duplicates first), which maps each new id back to its row.
    row_by_key = {lead.dedupe_key: (row_number, blocked) for row_number, lead, blocked in kept}
    for kind, _, lead_id, phone, external_id in returned:
        if kind != "i":
            continue
        row_number, blocked = row_by_key[f"x:{external_id}" if external_id else f"p:{phone}"]
        result.outcomes[row_number] = "imported"
        result.lead_ids[row_number] = lead_id
        result.blacklisted += blocked
    later: set[int] = set()
    for row_number, lead_id in matched.items():
        if options.on_duplicate == "update" and row_number not in updated:
            later.add(row_number)  # an earlier row of this pass updated the same lead
            continue
        result.outcomes[row_number] = "updated" if row_number in updated else "duplicate"
        result.lead_ids[row_number] = lead_id
    return [item for item in kept if item[0] in later]
