"""REST endpoints for CRMs: leads (create, bulk, upsert by external id, update, read) and
the do-not-call list. Views stay thin: the writes live in ``services_api``.

Status codes of a lead write: 201 created; 200 duplicate or updated; 409 with
``{"outcome": "dnc_skipped", "detail"}`` when the phone is on the do-not-call list and
``dnc_policy`` is "skip" (the request was valid, the list refuses it; send
``dnc_policy: "blacklist"`` to store it blacklisted); 422 naming each refused field.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from leadflow.api.auth import request_tenant
from leadflow.core import clock
from leadflow.leads import services_api
from leadflow.leads.dnc import dnc_entries_search, dnc_entry_remove
from leadflow.leads.intake.writer import WriteOptions
from leadflow.leads.models import DncEntry, Lead
from leadflow.leads.schemas import (
    LIST_LIMIT_MAX,
    DncBulkCounts,
    DncBulkIn,
    DncBulkItemOut,
    DncBulkOut,
    DncDeleted,
    DncIn,
    DncOut,
    DncPage,
    DncSkippedOut,
    ItemErrorOut,
    ItemRejection,
    LeadBulkCounts,
    LeadBulkIn,
    LeadBulkItemOut,
    LeadBulkOut,
    LeadCreateIn,
    LeadFieldsIn,
    LeadOut,
    LeadPage,
    LeadPatchIn,
    LeadUpsertIn,
    LeadWriteOut,
    RowErrorDetail,
    RowErrorsOut,
    WriteOptionsIn,
)
from leadflow.leads.services_api import ItemError, ItemResult, LeadRejected
from leadflow.tenants.models import ApiKey, Membership

router = Router(tags=["leads"])
_DNC = ["do-not-call"]

WRITE_OPTIONS = ("default_region", "dedupe_scope", "on_duplicate", "dnc_policy", "campaign_id")
_LEAD_OUTCOMES = ("imported", "updated", "duplicate", "dnc_skipped", "rejected")
_DNC_OUTCOMES = ("added", "updated", "duplicate", "rejected")


class Page(Schema):
    limit: int = Field(100, ge=1, le=LIST_LIMIT_MAX)
    offset: int = Field(0, ge=0, le=10**9)


class LeadFilters(Page):
    campaign_id: int | None = None
    phone: str = ""
    external_id: str = ""
    default_region: str | None = None


class DncFilters(Page):
    q: str = ""
    campaign_id: int | None = None


def given_fields(payload: LeadFieldsIn, *, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """The lead's fields the client sent with a value (``null`` reads as not given)."""
    data = payload.model_dump(exclude_unset=True)
    return {k: v for k, v in data.items() if k not in drop and v is not None}


def rejected_response(errors: list[ItemError]) -> Status[RowErrorsOut]:
    """422 in the API's usual shape, ``loc`` being the path of the refused value."""
    return Status(422, RowErrorsOut(detail=[
        RowErrorDetail(loc=["body", *(int(p) if p.isdigit() else p
                                      for p in e.field.split(".", 1) if p)],
                       msg=e.reason, type="value_error", value=e.value)
        for e in errors
    ]))


def _service_errors(errors: list[ItemErrorOut]) -> list[ItemError]:
    return [ItemError(e.field, e.value, e.reason) for e in errors]


def write_response(result: ItemResult) -> Status[Any]:
    if result.outcome == "rejected":
        return rejected_response(result.errors)
    if result.outcome == "dnc_skipped":
        return Status(409, DncSkippedOut(outcome="dnc_skipped",
                                         detail="The phone is on the do-not-call list; the "
                                                "lead was not stored."))
    assert result.id is not None
    return Status(201 if result.outcome == "imported" else 200,
                  LeadWriteOut(id=result.id, outcome=result.outcome))  # type: ignore[arg-type]


def _lead_out(lead: Lead) -> LeadOut:
    return LeadOut(
        id=lead.id, campaign_id=lead.campaign_id, phone=lead.phone,
        phone_extension=lead.phone_extension, alt_phones=list(lead.alt_phones),
        first_name=lead.first_name, last_name=lead.last_name, email=lead.email,
        country=lead.country, region=lead.region, postal_code=lead.postal_code,
        language=lead.language,
        time_zones=lead.zone_set.zone_names if lead.zone_set else [],
        tz_source=lead.tz_source, external_id=lead.external_id, source=lead.source,
        status_id=lead.status_id, status=lead.status.name if lead.status else None,
        weight=lead.weight, is_blacklisted=lead.is_blacklisted,
        frozen_until=lead.frozen_until, attempts=lead.attempts,
        last_call_at=lead.last_call_at, callback_at=lead.callback_at,
        custom_fields=dict(lead.custom_fields), created_at=lead.created_at,
    )


def write_options_of(payload: WriteOptionsIn) -> WriteOptions:
    return WriteOptions(dedupe_scope=payload.dedupe_scope, on_duplicate=payload.on_duplicate,
                        dnc_policy=payload.dnc_policy)


# --- leads ------------------------------------------------------------------------------
# /leads/bulk is declared before /leads/{lead_id}, which would otherwise match it.

@router.post("/leads/bulk", response=LeadBulkOut, exclude_none=True)
def create_leads_bulk(request: HttpRequest, payload: LeadBulkIn) -> LeadBulkOut:
    """Up to 10,000 leads in one request. Refused items are reported, the others written
    in one transaction; ``results`` keep the input order; counts add up to ``total``."""
    items = [_service_errors(item.errors) if isinstance(item, ItemRejection) else given_fields(item)
             for item in payload.leads]
    report = services_api.leads_write(
        tenant=request_tenant(request), campaign_id=payload.campaign_id, items=items,
        options=write_options_of(payload), default_region=payload.default_region,
    )
    return LeadBulkOut(
        results=[LeadBulkItemOut(
            index=r.index, outcome=r.outcome, id=r.id,  # type: ignore[arg-type]
            duplicate_of=r.duplicate_of,
            errors=[ItemErrorOut(field=e.field, value=e.value, reason=e.reason)
                    for e in r.errors] or None,
        ) for r in report.results],
        counts=LeadBulkCounts(**report.counts(_LEAD_OUTCOMES), blacklisted=report.blacklisted),
    )


@router.put("/leads/by-external-id/{path:external_id}",
            response={200: LeadWriteOut, 201: LeadWriteOut, 409: DncSkippedOut,
                      422: RowErrorsOut})
def upsert_lead_by_external_id(request: HttpRequest, external_id: str, campaign_id: int,
                               payload: LeadUpsertIn) -> Status[Any]:
    """Update the lead with this CRM id (in the campaign, or the tenant with
    ``dedupe_scope: "tenant"``), or create it in ``campaign_id``: 200 updated, 201 created."""
    try:
        result = services_api.lead_upsert_by_external_id(
            tenant=request_tenant(request), campaign_id=campaign_id, external_id=external_id,
            fields=given_fields(payload, drop=("default_region", "dedupe_scope", "dnc_policy")),
            dedupe_scope=payload.dedupe_scope, dnc_policy=payload.dnc_policy,
            default_region=payload.default_region,
        )
    except LeadRejected as exc:
        return rejected_response(exc.errors)
    return write_response(result)


@router.post("/leads", response={200: LeadWriteOut, 201: LeadWriteOut, 409: DncSkippedOut,
                                 422: RowErrorsOut})
def create_lead(request: HttpRequest, payload: LeadCreateIn) -> Status[Any]:
    """One lead, with the import's normalisation, dedupe and DNC rules: 201 imported,
    200 duplicate or updated (``on_duplicate``), 409 do-not-call, 422 refused fields."""
    report = services_api.leads_write(
        tenant=request_tenant(request), campaign_id=payload.campaign_id,
        items=[given_fields(payload, drop=WRITE_OPTIONS)], options=write_options_of(payload),
        default_region=payload.default_region,
    )
    return write_response(report.results[0])


@router.get("/leads", response=LeadPage)
def list_leads(request: HttpRequest, filters: Query[LeadFilters]) -> LeadPage:
    """Look leads up by campaign, phone (any format; national with default_region) and
    external id. Phones are returned in full: an API key is an integration with full
    rights, not an agent's screen."""
    leads = services_api.leads_lookup(
        tenant=request_tenant(request), campaign_id=filters.campaign_id, phone=filters.phone,
        external_id=filters.external_id, default_region=filters.default_region,
    )
    page = leads[filters.offset:filters.offset + filters.limit]
    return LeadPage(count=leads.count(), limit=filters.limit, offset=filters.offset,
                    items=[_lead_out(lead) for lead in page])


@router.get("/leads/{lead_id}", response=LeadOut)
def get_lead(request: HttpRequest, lead_id: int) -> LeadOut:
    return _lead_out(services_api.lead_get(tenant=request_tenant(request), lead_id=lead_id))


@router.patch("/leads/{lead_id}", response={200: LeadOut, 422: RowErrorsOut})
def update_lead(request: HttpRequest, lead_id: int, payload: LeadPatchIn) -> Status[Any]:
    """Change some fields: a new phone is re-normalised and re-checked against the
    do-not-call list; zones are re-derived when phone, country, region, postal code or
    time zone change; ``custom_fields`` merge (null removes a key). All or nothing."""
    tenant = request_tenant(request)
    try:
        services_api.lead_update(tenant=tenant, lead_id=lead_id,
                                 changes=given_fields(payload, drop=("default_region",)),
                                 default_region=payload.default_region)
    except LeadRejected as exc:
        return rejected_response(exc.errors)
    return Status(200, _lead_out(services_api.lead_get(tenant=tenant, lead_id=lead_id)))


# --- do-not-call ------------------------------------------------------------------------

def _dnc_out(entry: DncEntry) -> DncOut:
    return DncOut(
        id=entry.id, phone=entry.phone, campaign_id=entry.campaign_id,
        expires_at=entry.expires_at,
        is_active=entry.expires_at is None or entry.expires_at > clock.now(),
        reason=entry.reason, added_by=entry.added_by.username if entry.added_by else None,
        added_via=entry.added_via, created_at=entry.created_at,
    )


def _added_by(request: HttpRequest) -> tuple[Any, str]:
    """Who adds through the API: the session's user, or the API key by name."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, Membership):
        return auth.user, "api"
    if isinstance(auth, ApiKey):
        return None, f"api key “{auth.name}”"[:100]
    return None, "api"


@router.post("/dnc/bulk", response=DncBulkOut, exclude_none=True, tags=_DNC)
def add_dnc_bulk(request: HttpRequest, payload: DncBulkIn) -> DncBulkOut:
    """Up to 10,000 entries, each upserted like POST /dnc; the leads they cover are
    blacklisted in the same transaction. Refused entries are reported, not written."""
    user, via = _added_by(request)
    entries = [_service_errors(item.errors) if isinstance(item, ItemRejection)
               else item.model_dump() for item in payload.entries]
    report = services_api.dnc_entries_add_bulk(tenant=request_tenant(request), entries=entries,
                                               added_by=user, added_via=via)
    return DncBulkOut(
        results=[DncBulkItemOut(
            index=r.index, outcome=r.outcome, id=r.id,  # type: ignore[arg-type]
            duplicate_of=r.duplicate_of,
            errors=[ItemErrorOut(field=e.field, value=e.value, reason=e.reason)
                    for e in r.errors] or None,
        ) for r in report.results],
        counts=DncBulkCounts(**report.counts(_DNC_OUTCOMES)),
    )


@router.get("/dnc", response=DncPage, tags=_DNC)
def list_dnc(request: HttpRequest, filters: Query[DncFilters]) -> DncPage:
    """Search by digits of the number or words of the reason; ``campaign_id`` narrows to
    that campaign's own entries (tenant-wide ones cover it too but are listed without it)."""
    entries = dnc_entries_search(tenant=request_tenant(request), query=filters.q,
                                 campaign_id=filters.campaign_id)
    page = entries[filters.offset:filters.offset + filters.limit]
    return DncPage(count=entries.count(), limit=filters.limit, offset=filters.offset,
                   items=[_dnc_out(entry) for entry in page])


@router.post("/dnc", response={200: DncOut, 201: DncOut}, tags=_DNC)
def add_dnc(request: HttpRequest, payload: DncIn) -> Status[DncOut]:
    """Add a number (201), or renew the entry it already has in that scope (200: expiry
    and reason replaced). Leads with the number become blacklisted at once."""
    user, via = _added_by(request)
    entry, created = services_api.dnc_entry_upsert(
        tenant=request_tenant(request), phone=payload.phone, campaign_id=payload.campaign_id,
        expires_at=payload.expires_at, reason=payload.reason,
        default_region=payload.default_region, added_by=user, added_via=via,
    )
    return Status(201 if created else 200, _dnc_out(entry))


@router.get("/dnc/{entry_id}", response=DncOut, tags=_DNC)
def get_dnc(request: HttpRequest, entry_id: int) -> DncOut:
    return _dnc_out(services_api.dnc_entry_get(tenant=request_tenant(request),
                                               entry_id=entry_id))


@router.delete("/dnc/{entry_id}", response=DncDeleted, tags=_DNC)
def remove_dnc(request: HttpRequest, entry_id: int) -> DncDeleted:
    """Remove an entry; leads no other entry covers stop being blacklisted."""
    entry = dnc_entry_remove(tenant=request_tenant(request), entry_id=entry_id)
    return DncDeleted(id=entry_id, phone=entry.phone, campaign_id=entry.campaign_id)
