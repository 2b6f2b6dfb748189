"""Reads behind the back-office Leads pages: the search (keyset-paged) and one lead with
its history.

The search never counts its result: on a tenant with millions of leads a ``COUNT(*)``
of a loose filter is a scan of every matching row, while the page only needs 50 rows
and whether a 51st exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from leadflow.core.errors import NotFoundError
from leadflow.dialing.models import Call
from leadflow.leads.intake.phones import PhoneError, parse_phone
from leadflow.leads.models import Lead, LeadEvent
from leadflow.statuses.models import LeadStatus
from leadflow.statuses.selectors import MAX_ID, searchable_ids
from leadflow.tenants.models import Tenant

PAGE_SIZE = 50
HISTORY_LIMIT = 200
# Words of a name search: each must match a first name, last name or email. More words
# than this add nothing a person types and only lengthen the statement.
MAX_NAME_WORDS = 5


@dataclass(frozen=True)
class LeadSearch:
    """What the search form asks for; every part optional (all empty: the newest leads)."""

    text: str = ""
    campaign_id: int | None = None
    status_id: int | None = None  # only meaningful with campaign_id (the form ensures it)
    frozen: bool = False
    blacklisted: bool = False
    assigned: bool = False
    callback: bool = False
    before: int | None = None  # keyset: only leads with a smaller id (the next page)


@dataclass(frozen=True)
class LeadPage:
    leads: list[Lead]
    next_before: int | None  # the ``before`` of the next page; None on the last one


@dataclass(frozen=True)
class LeadHistory:
    events: list[LeadEvent]
    calls: list[Call]
    more_events: bool  # older events exist beyond the HISTORY_LIMIT shown
    more_calls: bool
    status_names: dict[int, str] = field(default_factory=dict)  # for events' status_id


def _text_q(*, tenant: Tenant, text: str) -> Q:
    """The free-text part.

    With digits, the text is a phone number or an external id. A number that parses as
    a full international number is looked up exactly — one probe of
    ``lead_tenant_phone (tenant, phone)`` — when the tenant has a lead with it; otherwise
    the digits are searched anywhere in the E.164 phone (``phone LIKE '%…%'``). That
    cannot use an index: it is a scan, acceptable because the page stops at 51 rows
    walked in id order (the primary key backwards), so it costs in proportion to how
    rare the match is, not to the tenant's size. The exact probe is decided on
    existence, not on the current page, so every page of one search uses the same test.

    Without digits, each word must match the first name, last name or email (case-
    insensitive contains, again a bounded scan); an external id always matches exactly
    (``lead_tenant_external_id``)."""
    external = Q(external_id=text)
    digits = "".join(ch for ch in text if ch.isdigit())
    if digits:
        try:
            e164 = parse_phone(text).e164
        except PhoneError:
            e164 = ""
        if e164 and Lead.objects.filter(tenant=tenant, phone=e164).exists():
            return Q(phone=e164) | external
        return Q(phone__contains=digits) | external
    words = text.split()[:MAX_NAME_WORDS]
    by_name = Q()
    for word in words:
        by_name &= (Q(first_name__icontains=word) | Q(last_name__icontains=word)
                    | Q(email__icontains=word))
    return by_name | external


def leads_search(*, tenant: Tenant, search: LeadSearch, at: datetime,
                 page_size: int = PAGE_SIZE) -> LeadPage:
    """The tenant's leads matching ``search``, newest first (``-id``), ``page_size`` at
    a time after ``search.before``.

    ``at`` is "now" for the frozen flag. One query (two when the text looks like a full
    phone number: the exact-match probe). Reads ``page_size + 1`` rows to know whether a
    next page exists without counting.

    Plans, measured on PostgreSQL with 1M leads in the tenant: no text, or a common
    filter, walks the primary key backwards and stops at 51 rows (~1–25 ms; a ``before``
    page starts the walk there, ~0.3 ms). An exact number is two probes of
    ``lead_tenant_phone`` (~0.3 ms). A search that matches little or nothing walks the
    whole tenant: digits ~180 ms, a two-word name ~430 ms — the price of ``LIKE
    '%…%'`` without a trigram index, which every imported row would pay for. A campaign
    filter leaves the planner the same walk or ``lead_table_figures`` plus a sort of the
    campaign's rows; when a campaign's leads are all old (imported in one block) the
    walk passes the newer leads first (~120 ms for 700,000 of them): a ``(campaign, id)``
    index would make it a probe, at the same cost to imports."""
    leads = Lead.objects.filter(tenant=tenant)
    text = search.text.replace("\x00", "").strip()  # PostgreSQL refuses NUL in a parameter
    if text:
        leads = leads.filter(_text_q(tenant=tenant, text=text))
    if search.campaign_id is not None:
        leads = leads.filter(campaign_id=search.campaign_id)
        if search.status_id is not None:
            leads = leads.filter(status_id=search.status_id)
    if search.frozen:
        leads = leads.filter(frozen_until__gt=at)
    if search.blacklisted:
        leads = leads.filter(is_blacklisted=True)
    if search.assigned:
        leads = leads.filter(assigned_agent__isnull=False)
    if search.callback:
        leads = leads.filter(callback_at__isnull=False)
    if search.before is not None:
        leads = leads.filter(id__lt=min(search.before, MAX_ID))
    rows = list(_with_relations(leads).order_by("-id")[:page_size + 1])
    more = len(rows) > page_size
    rows = rows[:page_size]
    return LeadPage(leads=rows, next_before=rows[-1].id if more else None)


def _with_relations(leads: QuerySet[Lead]) -> QuerySet[Lead]:
    # Joined in the same statement: one row per lead, each relation a primary-key probe.
    return leads.select_related("campaign", "status", "assigned_agent", "leased_by",
                                "zone_set")


def lead_get(*, tenant: Tenant, lead_id: int) -> Lead:
    """One lead of the tenant with what its page shows; another tenant's id and a
    nonexistent one are the same NotFoundError."""
    lead = _with_relations(Lead.objects.filter(tenant=tenant, id__in=searchable_ids([lead_id]))
                           ).first()
    if lead is None:
        raise NotFoundError(f"Lead {lead_id} not found.")
    return lead


def lead_history(*, tenant: Tenant, lead: Lead, limit: int = HISTORY_LIMIT) -> LeadHistory:
    """The lead's newest ``limit`` events and calls, newest first.

    Three queries: events through ``lead_event_lead (lead, created_at)``, calls through
    the calls' lead index, and the names of the statuses the events mention (a lead's
    events name statuses of its campaign; the ids are read once, not per event)."""
    events = list(LeadEvent.objects.filter(tenant=tenant, lead_id=lead.id)
                  .select_related("actor").order_by("-created_at", "-id")[:limit + 1])
    calls = list(Call.objects.filter(tenant=tenant, lead_id=lead.id)
                 .select_related("agent", "status").order_by("-started_at", "-id")[:limit + 1])
    status_ids = {value for event in events[:limit] for changes in (event.old, event.new)
                  if isinstance(changes, dict)
                  for key, value in changes.items() if key == "status_id"}
    names = dict(LeadStatus.objects.filter(tenant=tenant, id__in=searchable_ids(status_ids))
                 .values_list("id", "name")) if status_ids else {}
    return LeadHistory(events=events[:limit], calls=calls[:limit],
                       more_events=len(events) > limit, more_calls=len(calls) > limit,
                       status_names=names)


def event_changes(event: LeadEvent, status_names: dict[int, str]) -> list[tuple[str, Any, Any]]:
    """(field, old, new) for each key an event recorded, status ids shown by name."""
    old = event.old if isinstance(event.old, dict) else {}
    new = event.new if isinstance(event.new, dict) else {}
    rows: list[tuple[str, Any, Any]] = []
    for key in [*old, *(k for k in new if k not in old)]:
        before, after = old.get(key), new.get(key)
        if key == "status_id":
            before, after = (status_names.get(v, v) if isinstance(v, int) else v
                             for v in (before, after))
            key = "status"
        rows.append((key, before, after))
    return rows
