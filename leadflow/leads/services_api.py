"""Lead and do-not-call writes behind the REST API (CRMs pushing leads all day).

The same rules as file imports: every lead goes through ``normalise_row`` (phone,
time zone, custom field types) and ``write_batch`` (DNC policy, dedupe, insert or
update). What the API adds:

- JSON fields become the normaliser's ``(target, column, value)`` cells, the column
  being the JSON path (``phone``, ``alt_phones.1``, ``custom_fields.plan``) so a refusal
  names the field the client sent;
- per-item results in input order, in-request duplicates pointing at the first item;
- writes that dedupe against the same leads are serialised (the campaign row, plus the
  tenant row for tenant scope, locked for the transaction on PostgreSQL; SQLite's
  writer lock does it there), so a CRM retrying a request cannot create a lead twice;
- updates of one lead (PATCH, PUT by external id) with zones re-derived when a field
  they come from changes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import phonenumbers
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from leadflow.campaigns.models import Campaign
from leadflow.core import clock
from leadflow.core.errors import ConflictError, NotFoundError
from leadflow.leads.dnc import (
    dnc_blocked_phones,
    dnc_entry_add,
    dnc_refresh_leads,
    normalise_dnc_phone,
)
from leadflow.leads.intake.normalise import (
    CUSTOM_PREFIX,
    MAX_LENGTHS,
    NormaliseContext,
    NormalisedLead,
    RowProblem,
    is_custom_target,
    normalise_row,
)
from leadflow.leads.intake.phones import PhoneError, parse_phone
from leadflow.leads.intake.writer import BatchResult, WriteOptions, dedupe_scope_lock, write_batch
from leadflow.leads.models import CampaignField, DncEntry, Lead, TimeZoneSource
from leadflow.leads.services import zone_set_id_for
from leadflow.tenants.models import Tenant

Cell = tuple[str, str, str]  # (target, column, raw value), as normalise_row reads them
LeadOutcome = Literal["imported", "updated", "duplicate", "dnc_skipped", "rejected"]
DncOutcome = Literal["added", "updated", "duplicate", "rejected"]

# JSON fields that map one-to-one onto a normaliser target of the same name.
TEXT_FIELDS = ("phone", "first_name", "last_name", "email", "country", "region", "postal_code",
               "language", "time_zone", "external_id", "source")
# Fields the time zone is derived from: changing one re-derives it.
ZONE_INPUTS = frozenset({"phone", "country", "region", "postal_code", "time_zone"})
MAX_DNC_REASON = 200


@dataclass(frozen=True)
class ItemError:
    field: str  # the JSON path: phone, alt_phones.0, custom_fields.plan ("" = the item)
    value: str
    reason: str


@dataclass
class ItemResult:
    index: int
    outcome: str
    id: int | None = None
    duplicate_of: int | None = None
    errors: list[ItemError] = field(default_factory=list)


@dataclass
class BulkReport:
    results: list[ItemResult]
    blacklisted: int = 0

    def counts(self, outcomes: Sequence[str]) -> dict[str, int]:
        counts = dict.fromkeys(outcomes, 0)
        for result in self.results:
            counts[result.outcome] += 1
        return {"total": len(self.results), **counts}


class LeadRejected(Exception):
    """The lead's values were refused; ``errors`` name each bad field."""

    def __init__(self, errors: list[ItemError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))
        self.errors = errors


# An item is the lead's JSON fields (``None`` values dropped), or the errors its schema
# validation already found.
LeadItem = Mapping[str, Any] | list[ItemError]


# --- building cells ---------------------------------------------------------------------

def _problems_as_errors(problems: Sequence[RowProblem]) -> list[ItemError]:
    return [ItemError(field=p.column, value=p.value, reason=p.reason) for p in problems]


def _custom_text(column: str, value: Any, problems: list[RowProblem]) -> str:
    """A JSON value as the text the normaliser reads by the field's type."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if not math.isfinite(value):  # json.loads reads NaN and Infinity
            problems.append(RowProblem(column, str(value), "not a finite number"))
            return ""
        return format(Decimal(repr(value)), "f")  # 1e20 → "100000000000000000000"
    return str(value)


def lead_cells(data: Mapping[str, Any]) -> tuple[list[Cell], list[RowProblem]]:
    """The normaliser's cells for a lead's JSON fields, and the problems found before it
    (custom field keys it cannot store, numbers JSON should not have)."""
    cells: list[Cell] = [(name, name, str(data[name])) for name in TEXT_FIELDS
                         if data.get(name) is not None]
    problems: list[RowProblem] = []
    if data.get("weight") is not None:
        cells.append(("weight", "weight", str(data["weight"])))
    for position, raw in enumerate(data.get("alt_phones") or []):
        cells.append(("alt_phone", f"alt_phones.{position}", str(raw)))
    for key, value in (data.get("custom_fields") or {}).items():
        column = f"custom_fields.{key}"
        if not is_custom_target(CUSTOM_PREFIX + key):
            problems.append(RowProblem(column, key[:80], "a custom field key uses a–z, 0–9 "
                                                         "and _ (at most 50 characters)"))
            continue
        cells.append((CUSTOM_PREFIX + key, column, _custom_text(column, value, problems)))
    return cells, problems


def lead_normalise(data: Mapping[str, Any], context: NormaliseContext,
                   extra_cells: Sequence[Cell] = ()) -> NormalisedLead | list[ItemError]:
    cells, problems = lead_cells(data)
    outcome = normalise_row([*cells, *extra_cells], context)
    if isinstance(outcome, list):
        return _problems_as_errors([*problems, *outcome])
    if problems:
        return _problems_as_errors(problems)
    return outcome


def _region(default_region: str | None) -> str:
    region = (default_region or "").strip().upper()
    if region and region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError({"default_region": f"{region[:10]!r} is not a country code "
                                                 "(for example US, GB)."})
    return region


def _campaign(tenant: Tenant, campaign_id: int) -> Campaign:
    """The tenant's campaign; another tenant's reads as not found, like a missing one."""
    campaign = Campaign.objects.filter(tenant=tenant, id=campaign_id).first()
    if campaign is None:
        raise ValidationError({"campaign_id": f"Campaign {campaign_id} not found."})
    return campaign


def _context(campaign: Campaign, default_region: str) -> NormaliseContext:
    types = dict(CampaignField.objects.filter(campaign=campaign)
                 .values_list("key", "field_type"))
    return NormaliseContext(default_region=default_region, campaign_zone=campaign.time_zone,
                            custom_types=types)


# --- create, bulk -----------------------------------------------------------------------

def leads_write(
    *, tenant: Tenant, campaign_id: int, items: Sequence[LeadItem], options: WriteOptions,
    default_region: str | None = None,
) -> BulkReport:
    """Create (or, by policy, update) leads from API items; one result per item, in order.

    1. Normalise every item; refused items are reported, not written.
    2. A later item with the dedupe key of an earlier one is a duplicate of it.
    3. The rest go through ``write_batch`` in one transaction: DNC policy, dedupe
       against the stored leads in the chosen scope, insert or update.
    """
    campaign = _campaign(tenant, campaign_id)
    context = _context(campaign, _region(default_region))
    results: dict[int, ItemResult] = {}
    first_with_key: dict[str, int] = {}
    repeats: list[tuple[int, int]] = []
    valid: list[tuple[int, NormalisedLead]] = []
    for index, item in enumerate(items):
        outcome = item if isinstance(item, list) else lead_normalise(item, context)
        if isinstance(outcome, list):
            results[index] = ItemResult(index, "rejected", errors=outcome)
        elif outcome.dedupe_key in first_with_key:
            repeats.append((index, first_with_key[outcome.dedupe_key]))
        else:
            first_with_key[outcome.dedupe_key] = index
            valid.append((index, outcome))
    batch = BatchResult()
    if valid:
        with transaction.atomic():
            batch = write_batch(campaign=campaign, rows=valid, options=options, now=clock.now())
    for index, _ in valid:
        results[index] = ItemResult(index, batch.outcomes[index], id=batch.lead_ids.get(index))
    for index, first in repeats:
        results[index] = ItemResult(index, "duplicate", id=results[first].id, duplicate_of=first)
    return BulkReport(results=[results[i] for i in range(len(items))],
                      blacklisted=batch.blacklisted)


# --- update one lead --------------------------------------------------------------------

def _dedupe_key(external_id: str, phone: str) -> str:
    return f"x:{external_id}" if external_id else f"p:{phone}"


def _check_no_twin(lead: Lead, old_key: str) -> None:
    """A change of a lead's dedupe key must not make it a duplicate of another lead of its
    campaign (the rule imports follow: by external id when given, else by phone)."""
    new_key = _dedupe_key(lead.external_id, lead.phone)
    if new_key == old_key:
        return
    others = Lead.objects.filter(campaign_id=lead.campaign_id).exclude(id=lead.id)
    if lead.external_id:
        twin = others.filter(external_id=lead.external_id).values_list("id", flat=True).first()
        name, what = "external_id", f"external id {lead.external_id!r}"
    else:
        twin = others.filter(phone=lead.phone).values_list("id", flat=True).first()
        name, what = "phone", lead.phone
    if twin is not None:
        raise ConflictError(f"Lead {twin} of this campaign already has {what}.", field=name)


def _update_cells(lead: Lead, changes: Mapping[str, Any]) -> list[Cell]:
    """Stored values the normaliser needs besides the changes: a phone to parse, and the
    fields the time zone derives from (so a new region re-derives against the stored
    phone, and a new phone against the stored region)."""
    cells: list[Cell] = []
    if "phone" not in changes:
        cells.append(("phone", "phone", lead.phone))
        if "country" not in changes and lead.country:
            # A new phone without a country takes the number's own country instead.
            cells.append(("country", "country", lead.country))
    for name in ("region", "postal_code"):
        if name not in changes and getattr(lead, name):
            cells.append((name, name, getattr(lead, name)))
    if ("time_zone" not in changes and lead.tz_source == TimeZoneSource.EXPLICIT
            and lead.zone_set is not None):
        cells.append(("time_zone", "time_zone", lead.zone_set.key))
    if "alt_phones" not in changes and "phone" in changes:
        # Re-read so an alternative equal to the new phone drops out.
        cells.extend(("alt_phone", f"alt_phones.{i}", p) for i, p in enumerate(lead.alt_phones))
    return cells


def _apply_changes(lead: Lead, changes: Mapping[str, Any], default_region: str) -> None:
    """Normalise ``changes`` (JSON fields, ``None`` dropped) onto ``lead``; save the fields
    that changed. Raises LeadRejected, ConflictError or ValidationError, saving nothing."""
    campaign = lead.campaign
    region_hint = default_region or (lead.country if "phone" in changes else "")
    context = _context(campaign, region_hint)
    normalised = lead_normalise(changes, context, _update_cells(lead, changes))
    if isinstance(normalised, list):
        raise LeadRejected(normalised)
    old_key = _dedupe_key(lead.external_id, lead.phone)
    changed: list[str] = []

    def put(name: str, value: object) -> None:
        if getattr(lead, name) != value:
            setattr(lead, name, value)
            changed.append(name)

    for name in ("first_name", "last_name", "email", "region", "postal_code", "language",
                 "external_id", "source"):
        if name in changes:
            put(name, getattr(normalised, name))
    if "weight" in changes:
        put("weight", normalised.weight or 0)
    if "phone" in changes or "country" in changes:
        put("country", normalised.country)
    if "phone" in changes:
        put("phone", normalised.phone)
        put("phone_extension", normalised.phone_extension)
    if "phone" in changes or "alt_phones" in changes:
        put("alt_phones", normalised.alt_phones)
    if "custom_fields" in changes:
        merged = dict(lead.custom_fields)
        for key in changes["custom_fields"]:
            if key in normalised.custom_fields:
                merged[key] = normalised.custom_fields[key]
            else:  # null or "" removes the key
                merged.pop(key, None)
        put("custom_fields", merged)
    _check_no_twin(lead, old_key)
    if "phone" in changes:
        blocked = dnc_blocked_phones(tenant=lead.tenant, campaign_id=lead.campaign_id,
                                     phones=[lead.phone])
        put("is_blacklisted", lead.phone in blocked)
    if ZONE_INPUTS & changes.keys():
        put("zone_set_id", zone_set_id_for(normalised.zones))
        put("tz_source", normalised.tz_source)
    if changed:
        lead.full_clean()
        lead.save(update_fields=changed)


def _lead_for_update(tenant: Tenant, lead_id: int) -> Lead:
    lead = (Lead.objects.select_for_update(of=("self",))
            .select_related("campaign", "tenant", "zone_set")
            .filter(tenant=tenant, id=lead_id).first())
    if lead is None:
        raise NotFoundError(f"Lead {lead_id} not found.")
    return lead


@transaction.atomic
def lead_update(*, tenant: Tenant, lead_id: int, changes: Mapping[str, Any],
                default_region: str | None = None) -> Lead:
    """Change some fields of one lead (PATCH). 1. Lock it (and its campaign when the
    dedupe key may change). 2. Normalise the changes with
    the stored values they depend on. 3. Refuse a change that makes it a twin of another
    lead of its campaign. 4. Refresh the DNC flag (new phone) and zones (new phone,
    country, region, postal code or time zone). 5. Save what changed."""
    campaign_id = (Lead.objects.filter(tenant=tenant, id=lead_id)
                   .values_list("campaign_id", flat=True).first())
    if campaign_id is None:
        raise NotFoundError(f"Lead {lead_id} not found.")
    if changes.keys() & {"phone", "external_id"}:
        # The twin check must not race an insert into the campaign. Campaign first, then
        # the lead: the order every lead write here takes them in, so none deadlock.
        list(Campaign.objects.select_for_update(no_key=True).filter(id=campaign_id)
             .values_list("id", flat=True))
    lead = _lead_for_update(tenant, lead_id)
    _apply_changes(lead, changes, _region(default_region))
    return lead


def _external_id(raw: str) -> str:
    value = raw.strip()
    reason = ("external id is empty" if not value
              else "contains a NUL character" if "\x00" in value
              else f"longer than {MAX_LENGTHS['external_id']} characters"
              if len(value) > MAX_LENGTHS["external_id"] else "")
    if reason:
        raise LeadRejected([ItemError("external_id", value[:80], reason)])
    return value


@transaction.atomic
def lead_upsert_by_external_id(
    *, tenant: Tenant, campaign_id: int, external_id: str, fields: Mapping[str, Any],
    dedupe_scope: str = "campaign", dnc_policy: str = "skip", default_region: str | None = None,
) -> ItemResult:
    """The CRM's view of a lead (PUT): update the lead with this external id in the scope
    (lowest id if several), or create it in the campaign.

    An update behaves like PATCH (zones re-derived, DNC flag refreshed: an existing lead
    cannot be "skipped", so a do-not-call phone marks it blacklisted). A create follows
    the import rules, ``dnc_policy`` included.
    """
    campaign = _campaign(tenant, campaign_id)
    region = _region(default_region)
    key = _external_id(external_id)
    dedupe_scope_lock(campaign, dedupe_scope)
    scope = Q(campaign=campaign) if dedupe_scope == "campaign" else Q(tenant=tenant)
    existing = (Lead.objects.filter(scope, external_id=key).order_by("id")
                .values_list("id", flat=True).first())
    if existing is not None:
        lead = _lead_for_update(tenant, existing)
        _apply_changes(lead, fields, region)
        return ItemResult(0, "updated", id=lead.id)
    normalised = lead_normalise({**fields, "external_id": key}, _context(campaign, region))
    if isinstance(normalised, list):
        raise LeadRejected(normalised)
    options = WriteOptions(dedupe_scope="campaign" if dedupe_scope == "campaign" else "tenant",
                           dnc_policy="blacklist" if dnc_policy == "blacklist" else "skip")
    batch = write_batch(campaign=campaign, rows=[(0, normalised)], options=options,
                        now=clock.now())
    return ItemResult(0, batch.outcomes[0], id=batch.lead_ids.get(0))


# --- reads ------------------------------------------------------------------------------

def lead_get(*, tenant: Tenant, lead_id: int) -> Lead:
    lead = (Lead.objects.select_related("zone_set", "status")
            .filter(tenant=tenant, id=lead_id).first())
    if lead is None:
        raise NotFoundError(f"Lead {lead_id} not found.")
    return lead


def leads_lookup(*, tenant: Tenant, campaign_id: int | None = None, phone: str = "",
                 external_id: str = "", default_region: str | None = None) -> QuerySet[Lead]:
    """The tenant's leads, narrowed by campaign, phone (normalised first, so national
    numbers find their E.164 form) and external id; oldest first."""
    leads = Lead.objects.filter(tenant=tenant).select_related("zone_set", "status")
    if campaign_id is not None:
        leads = leads.filter(campaign_id=campaign_id)
    if phone.strip():
        try:
            leads = leads.filter(phone=parse_phone(phone, _region(default_region)).e164)
        except PhoneError as exc:
            raise ValidationError({"phone": f"{phone[:40]!r}: {exc}."}) from exc
    if external_id.strip():
        if "\x00" in external_id:
            return leads.none()
        leads = leads.filter(external_id=external_id.strip())
    return leads.order_by("id")


# --- do-not-call ------------------------------------------------------------------------

def dnc_entry_get(*, tenant: Tenant, entry_id: int) -> DncEntry:
    entry = (DncEntry.objects.select_related("added_by")
             .filter(tenant=tenant, id=entry_id).first())
    if entry is None:
        raise NotFoundError(f"Do-not-call entry {entry_id} not found.")
    return entry


def dnc_entry_upsert(
    *, tenant: Tenant, phone: str, campaign_id: int | None = None,
    expires_at: datetime | None = None, reason: str = "", default_region: str | None = None,
    added_by: User | None = None, added_via: str = "api",
) -> tuple[DncEntry, bool]:
    """``dnc_entry_add`` (add or renew; leads blacklisted in its transaction), telling
    whether the entry is new."""
    region = _region(default_region)
    e164 = normalise_dnc_phone(phone, region)
    scope = Q(campaign_id=campaign_id) if campaign_id is not None else Q(campaign__isnull=True)
    existed = DncEntry.objects.filter(scope, tenant=tenant, phone=e164).exists()
    entry = dnc_entry_add(tenant=tenant, phone=phone, campaign_id=campaign_id,
                          expires_at=expires_at, reason=reason, added_by=added_by,
                          added_via=added_via, default_region=region)
    return entry, not existed


@dataclass(frozen=True)
class _DncSpec:
    phone: str
    campaign_id: int | None
    expires_at: datetime | None
    reason: str


def _dnc_spec(data: Mapping[str, Any], campaigns: set[int], now: datetime,
              ) -> _DncSpec | list[ItemError]:
    """One entry checked the way ``dnc_entry_add`` checks it, every problem named."""
    errors: list[ItemError] = []
    raw_region = str(data.get("default_region") or "").strip().upper()
    if raw_region and raw_region not in phonenumbers.SUPPORTED_REGIONS:
        errors.append(ItemError("default_region", raw_region[:80],
                                "not a country code (for example US, GB)"))
        raw_region = ""
    raw_phone = str(data.get("phone") or "")
    e164 = ""
    try:
        e164 = parse_phone(raw_phone, raw_region).e164
    except PhoneError as exc:
        errors.append(ItemError("phone", raw_phone[:80], str(exc)))
    campaign_id = data.get("campaign_id")
    if campaign_id is not None and campaign_id not in campaigns:
        errors.append(ItemError("campaign_id", str(campaign_id)[:80],
                                f"Campaign {campaign_id} not found."))
    expires_at = data.get("expires_at")
    if expires_at is not None and expires_at <= now:
        errors.append(ItemError("expires_at", expires_at.isoformat(),
                                "The expiry must be in the future."))
    reason = str(data.get("reason") or "")
    if "\x00" in reason:
        errors.append(ItemError("reason", reason[:80], "contains a NUL character"))
    elif len(reason) > MAX_DNC_REASON:
        errors.append(ItemError("reason", reason[:80] + "…",
                                f"The reason is longer than {MAX_DNC_REASON} characters."))
    if errors:
        return errors
    return _DncSpec(phone=e164, campaign_id=campaign_id, expires_at=expires_at, reason=reason)


def dnc_entries_add_bulk(
    *, tenant: Tenant, entries: Sequence[Mapping[str, Any] | list[ItemError]],
    added_by: User | None, added_via: str,
) -> BulkReport:
    """Add or renew many entries at once; one result per entry, in order.

    1. Check each entry (phone, campaign of the tenant, future expiry, reason).
    2. A later entry for the number and scope of an earlier one is its duplicate.
    3. In one transaction: lock the stored entries of those numbers, update them (expiry,
       reason, who: the same upsert as ``dnc_entry_add``), insert the new ones, then
       refresh the leads' blacklist flag for all the numbers with one statement each way.
    """
    now = clock.now()
    wanted = {e.get("campaign_id") for e in entries if isinstance(e, Mapping)} - {None}
    campaigns = set(Campaign.objects.filter(tenant=tenant, id__in=wanted)
                    .values_list("id", flat=True)) if wanted else set()
    results: dict[int, ItemResult] = {}
    first_with_key: dict[tuple[int | None, str], int] = {}
    repeats: list[tuple[int, int]] = []
    valid: list[tuple[int, _DncSpec]] = []
    for index, item in enumerate(entries):
        spec = item if isinstance(item, list) else _dnc_spec(item, campaigns, now)
        if isinstance(spec, list):
            results[index] = ItemResult(index, "rejected", errors=spec)
            continue
        key = (spec.campaign_id, spec.phone)
        if key in first_with_key:
            repeats.append((index, first_with_key[key]))
        else:
            first_with_key[key] = index
            valid.append((index, spec))
    if valid:
        with transaction.atomic():
            phones = sorted({spec.phone for _, spec in valid})
            stored = {(entry.campaign_id, entry.phone): entry for entry in
                      DncEntry.objects.select_for_update().filter(tenant=tenant,
                                                                  phone__in=phones)}
            renewed: list[tuple[int, DncEntry]] = []
            new: list[tuple[int, DncEntry]] = []
            for index, spec in valid:
                entry = stored.get((spec.campaign_id, spec.phone))
                if entry is None:
                    entry = DncEntry(tenant=tenant, campaign_id=spec.campaign_id,
                                     phone=spec.phone)
                    new.append((index, entry))
                else:
                    renewed.append((index, entry))
                entry.expires_at, entry.reason = spec.expires_at, spec.reason
                entry.added_by, entry.added_via = added_by, added_via[:100]
            DncEntry.objects.bulk_update([e for _, e in renewed],
                                         ["expires_at", "reason", "added_by", "added_via"],
                                         batch_size=1000)
            DncEntry.objects.bulk_create([e for _, e in new], batch_size=1000)
            dnc_refresh_leads(tenant=tenant, phones=phones)
        for index, entry in renewed:
            results[index] = ItemResult(index, "updated", id=entry.id)
        for index, entry in new:
            results[index] = ItemResult(index, "added", id=entry.id)
    for index, first in repeats:
        results[index] = ItemResult(index, "duplicate", id=results[first].id, duplicate_of=first)
    return BulkReport(results=[results[i] for i in range(len(entries))])
