"""Is a lead dialable now, and if not, every reason why — in Python and compiled to SQL.

``lead_eligibility`` answers for one lead; ``eligible_q`` is the same test as a Django Q
(the claim and "Currently Available Leads" use it); ``eligibility_breakdown`` counts each
reason over a campaign in one grouped query. The tests check that the two agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Q

from leadflow.campaigns.models import Campaign
from leadflow.dialing.hours import HoursPolicy, hours_policy
from leadflow.dialing.sqlany import AnyOf
from leadflow.leads.models import DncEntry, Lead, ZoneSet
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Tenant


class Reason(StrEnum):
    CAMPAIGN_DISABLED = "campaign_disabled"
    STATUS_NOT_DIALABLE = "status_not_dialable"
    FROZEN = "frozen"
    DNC = "dnc"
    OUTSIDE_CALLING_HOURS = "outside_calling_hours"
    CALLBACK_NOT_DUE = "callback_not_due"
    ATTEMPTS_TODAY = "attempts_per_day_reached"
    ATTEMPTS_TOTAL = "attempts_total_reached"
    MIN_GAP = "too_soon_since_last_call"
    LEASED = "leased"
    ASSIGNED_TO_OTHER = "assigned_to_another_agent"


def campaign_today(campaign: Campaign, at: datetime) -> date:
    """The day ``attempts_today`` counts in: the campaign's own zone."""
    return at.astimezone(ZoneInfo(campaign.time_zone)).date()


def _dnc_exists(at: datetime) -> Q:
    # Two probes, one per unique index (tenant-wide, per campaign): an OR of the two
    # scopes in one subquery could use neither.
    unexpired = Q(expires_at__isnull=True) | Q(expires_at__gt=at)
    tenant_wide = DncEntry.objects.filter(unexpired, tenant_id=OuterRef("tenant_id"),
                                          campaign__isnull=True, phone=OuterRef("phone"))
    in_campaign = DncEntry.objects.filter(unexpired, tenant_id=OuterRef("tenant_id"),
                                          campaign_id=OuterRef("campaign_id"),
                                          phone=OuterRef("phone"))
    return Q(Exists(tenant_wide)) | Q(Exists(in_campaign))


def lead_eligibility(lead: Lead, *, agent: Any = None, at: datetime,
                     policy: HoursPolicy | None = None) -> list[Reason]:
    """Every reason ``lead`` cannot be dialled by ``agent`` (None: the pool) at ``at``;
    an empty list means dialable. A lease held by ``agent`` itself does not count."""
    campaign = lead.campaign
    reasons: list[Reason] = []
    if not campaign.is_active:
        reasons.append(Reason.CAMPAIGN_DISABLED)
    if lead.status_id is not None and not LeadStatus.objects.filter(
            id=lead.status_id, is_dialable=True).exists():
        reasons.append(Reason.STATUS_NOT_DIALABLE)
    if lead.frozen_until is not None and lead.frozen_until > at:
        reasons.append(Reason.FROZEN)
    if lead.is_blacklisted or DncEntry.objects.filter(
            Q(campaign__isnull=True) | Q(campaign_id=lead.campaign_id),
            Q(expires_at__isnull=True) | Q(expires_at__gt=at),
            tenant_id=lead.tenant_id, phone=lead.phone).exists():
        reasons.append(Reason.DNC)
    policy = policy or hours_policy(campaign)
    zones = ZoneSet.objects.get(id=lead.zone_set_id).zone_names if lead.zone_set_id else None
    if not policy.is_open(zones, at, country=lead.country, region=lead.region):
        reasons.append(Reason.OUTSIDE_CALLING_HOURS)
    if lead.callback_at is not None and lead.callback_at > at:
        reasons.append(Reason.CALLBACK_NOT_DUE)
    if (campaign.max_attempts_per_day and lead.attempts_day == campaign_today(campaign, at)
            and lead.attempts_today >= campaign.max_attempts_per_day):
        reasons.append(Reason.ATTEMPTS_TODAY)
    if campaign.max_attempts_total and lead.attempts >= campaign.max_attempts_total:
        reasons.append(Reason.ATTEMPTS_TOTAL)
    gap = campaign.min_minutes_between_calls
    if gap and lead.last_call_at is not None and at - lead.last_call_at < timedelta(minutes=gap):
        reasons.append(Reason.MIN_GAP)
    agent_id = getattr(agent, "pk", None)
    if (lead.lease_expires_at is not None and lead.lease_expires_at > at
            and (agent_id is None or lead.leased_by_id != agent_id)):
        reasons.append(Reason.LEASED)
    if lead.assigned_agent_id is not None and lead.assigned_agent_id != agent_id:
        reasons.append(Reason.ASSIGNED_TO_OTHER)
    return reasons


@dataclass
class CampaignContext:
    """What the SQL form needs per campaign, loaded once per query."""

    campaign: Campaign
    policy: HoursPolicy
    zone_sets: list[ZoneSet]
    undialable: list[int]  # the campaign's status ids with is_dialable = False


def campaign_context(campaign: Campaign, *, zone_sets: list[ZoneSet] | None = None,
                     policy: HoursPolicy | None = None,
                     undialable: list[int] | None = None) -> CampaignContext:
    """``undialable``: the campaign's non-dialable status ids, when the caller loaded
    them for several campaigns at once (one query instead of one per campaign)."""
    if undialable is None:
        undialable = list(LeadStatus.objects.filter(campaign=campaign, is_dialable=False)
                          .values_list("id", flat=True))
    return CampaignContext(campaign, policy or hours_policy(campaign),
                           zone_sets if zone_sets is not None else list(ZoneSet.objects.all()),
                           undialable)


def reason_qs(ctx: CampaignContext, at: datetime, *, agent_id: int | None = None
              ) -> dict[Reason, Q]:
    """Each reason as a Q that holds when the reason applies (leads of ctx's campaign)."""
    campaign = ctx.campaign
    # Ids are positive: these spell "never" / "always" without an empty IN list, which
    # Django refuses to compile inside an aggregate's filter.
    never, always = Q(pk__lt=0), Q(pk__gt=0)
    undialable = ctx.undialable
    today = campaign_today(campaign, at)
    gap_start = at - timedelta(minutes=campaign.min_minutes_between_calls)
    qs: dict[Reason, Q] = {
        Reason.CAMPAIGN_DISABLED: never if campaign.is_active else always,
        Reason.STATUS_NOT_DIALABLE: Q(status_id__in=undialable) if undialable else never,
        Reason.FROZEN: Q(frozen_until__gt=at),
        Reason.DNC: Q(is_blacklisted=True) | _dnc_exists(at),
        Reason.OUTSIDE_CALLING_HOURS: ~ctx.policy.zone_q(ctx.zone_sets, at),
        Reason.CALLBACK_NOT_DUE: Q(callback_at__gt=at),
        Reason.ATTEMPTS_TODAY: (Q(attempts_day=today,
                                  attempts_today__gte=campaign.max_attempts_per_day)
                                if campaign.max_attempts_per_day else never),
        Reason.ATTEMPTS_TOTAL: (Q(attempts__gte=campaign.max_attempts_total)
                                if campaign.max_attempts_total else never),
        Reason.MIN_GAP: (Q(last_call_at__gt=gap_start)
                         if campaign.min_minutes_between_calls else never),
        Reason.LEASED: Q(lease_expires_at__gt=at) & (
            ~Q(leased_by_id=agent_id) if agent_id is not None else Q()),
        Reason.ASSIGNED_TO_OTHER: Q(assigned_agent__isnull=False) & (
            ~Q(assigned_agent_id=agent_id) if agent_id is not None else Q()),
    }
    return qs


def _campaign_part(ctx: CampaignContext, at: datetime) -> tuple[Q, tuple[Any, ...]]:
    """The campaign-specific conditions, and a key: campaigns with equal keys share them."""
    campaign = ctx.campaign
    zone = ctx.policy.zone_q(ctx.zone_sets, at)
    q = zone
    if campaign.max_attempts_per_day:
        today = campaign_today(campaign, at)
        q &= (Q(attempts_day__isnull=True) | ~Q(attempts_day=today)
              | Q(attempts_today__lt=campaign.max_attempts_per_day))
    if campaign.max_attempts_total:
        q &= Q(attempts__lt=campaign.max_attempts_total)
    if campaign.min_minutes_between_calls:
        q &= Q(last_call_at__isnull=True) | Q(
            last_call_at__lte=at - timedelta(minutes=campaign.min_minutes_between_calls))
    return q, (q,)


def eligible_leads_q(contexts: Iterable[CampaignContext], at: datetime, *,
                     agent_id: int | None = None, own_lease_ok: bool = True,
                     probe_dnc: bool = True) -> Q:
    """Leads of the given campaigns dialable at ``at`` (by ``agent_id``, or the pool).

    ``own_lease_ok=False`` (the claim): a lead the agent already holds is not handed to
    them a second time. ``probe_dnc=False`` (figures): trust ``is_blacklisted``, kept by
    every DNC change and the minute sweep, instead of probing the list for every row.

    Written positively (NULL-safe) so PostgreSQL can walk the claim index. Conditions
    common to all campaigns appear once; campaigns whose own conditions (open zone
    sets, caps) are equal share one ``campaign_id IN (…)`` branch, so the usual case
    is a single branch and a cheap plan — an OR of one branch per campaign cost 12 ms
    of planning per claim."""
    active = [ctx for ctx in contexts if ctx.campaign.is_active]
    if not active:
        return Q(pk__lt=0)
    groups: dict[tuple[Any, ...], tuple[Q, list[int]]] = {}
    for ctx in active:
        part, key = _campaign_part(ctx, at)
        groups.setdefault(key, (part, []))[1].append(ctx.campaign.id)
    branches = Q(pk__lt=0)
    for part, ids in groups.values():
        branches |= Q(AnyOf("campaign_id", ids)) & part
    undialable = [sid for ctx in active for sid in ctx.undialable]
    # status_dialable: the trigger-kept copy of the status's dialability, which the
    # claim index's predicate has (leads/0006); the status list below says the same.
    q = Q(is_blacklisted=False, status_dialable=True) & branches
    if probe_dnc:
        q &= ~_dnc_exists(at)
    if undialable:
        q &= Q(status_id__isnull=True) | ~Q(AnyOf("status_id", undialable))
    q &= Q(frozen_until__isnull=True) | Q(frozen_until__lte=at)
    q &= Q(callback_at__isnull=True) | Q(callback_at__lte=at)
    # An expired lease is a free lead: the pool takes it back without any sweep.
    free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lte=at)
    mine = Q(assigned_agent__isnull=True)
    if agent_id is not None:
        if own_lease_ok:
            free |= Q(leased_by_id=agent_id)
        mine |= Q(assigned_agent_id=agent_id)
    return q & free & mine


def eligible_q(campaign: Campaign, at: datetime, *, agent_id: int | None = None,
               ctx: CampaignContext | None = None, own_lease_ok: bool = True,
               probe_dnc: bool = True) -> Q:
    """Leads of ``campaign`` dialable at ``at`` (see ``eligible_leads_q``)."""
    if not campaign.is_active:
        return Q(pk__lt=0)
    return eligible_leads_q([ctx or campaign_context(campaign)], at, agent_id=agent_id,
                            own_lease_ok=own_lease_ok, probe_dnc=probe_dnc)


def eligibility_breakdown(*, tenant: Tenant, campaign: Campaign, at: datetime
                          ) -> dict[str, int]:
    """How many leads of the campaign each reason applies to (a lead may count under
    several), plus ``total`` and ``available``: one grouped query of conditional counts."""
    ctx = campaign_context(campaign)
    reasons = reason_qs(ctx, at)
    aggregates: dict[str, Any] = {"total": Count("id")}
    aggregates["available"] = Count("id", filter=eligible_q(campaign, at, ctx=ctx))
    for reason, q in reasons.items():
        aggregates[reason.value] = Count("id", filter=q)
    row = Lead.objects.filter(tenant=tenant, campaign=campaign).aggregate(**aggregates)
    return {key: int(value or 0) for key, value in row.items()}
