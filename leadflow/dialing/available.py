"""The exact "Currently Available Leads" of many campaigns at about the price of the
All Campaigns table's coarse count.

``campaigns.selectors.campaign_figures`` counts, with one index-only scan, the leads that
are neither blacklisted nor frozen, in a dialable status, in a zone set the campaign's
own windows keep open now. Eligibility (``eligibility.eligible_leads_q``) excludes more:
leads held by a callback not yet due, a live lease or a permanent assignment; leads over
an attempt cap or inside the minimum gap; leads of a country (region) whose calling rule
or holiday closes a zone set the windows keep open. ``pool_exclusions`` counts those
among the coarse leads, each once, with queries that read few rows:

1. held leads, through the small partial indexes of callbacks, leases and assignments;
2. only for campaigns with caps or a gap, or a rule or holiday closing something now:
   their leads that break one (the held ones left out, already counted).

Coarse count − exclusions = the eligibility's count, the do-not-call list aside: the
table trusts ``is_blacklisted`` (kept by every DNC change and the minute sweep), while
the claim and the per-reason breakdown also probe the list itself.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from leadflow.campaigns.models import Campaign
from leadflow.dialing.eligibility import CampaignContext, Reason, campaign_context, reason_qs
from leadflow.dialing.hours import OpenSets, hours_policy
from leadflow.dialing.models import CallingRule, Holiday
from leadflow.dialing.sqlany import AnyOf
from leadflow.leads.models import Lead, ZoneSet

NEVER = Q(pk__lt=0)  # ids are positive; compiles where an empty IN list would not


@dataclass(frozen=True)
class PoolScope:
    """One campaign's coarse pool: its context and the zone sets its windows open now."""

    ctx: CampaignContext
    open_sets: OpenSets

    @property
    def window_open(self) -> tuple[tuple[int, ...], bool]:
        """Zone-set ids open for leads of no scoped country, and whether leads without
        a zone set (the campaign's zone) are open: the coarse count's zone test."""
        _, _, ids, without_zone_set = self.open_sets[0]
        return ids, without_zone_set


def pool_scopes(*, tenant_id: int, campaigns: Iterable[Campaign],
                at: datetime) -> dict[int, PoolScope]:
    """Campaign id → its pool scope now, for the active ``campaigns``.

    1. Zone sets, calling rules and holidays are loaded once for all of them.
    2. Open zone sets are computed once per distinct (calling hours, zone): campaigns
       usually share their hours, and each computation tries every zone set against
       every rule's country.
    """
    zone_sets = list(ZoneSet.objects.all())
    mine = Q(tenant__isnull=True) | Q(tenant_id=tenant_id)
    rules, holidays = list(CallingRule.objects.filter(mine)), list(Holiday.objects.filter(mine))
    known: dict[tuple[str, str], OpenSets] = {}
    scopes: dict[int, PoolScope] = {}
    for campaign in campaigns:
        if not campaign.is_active:
            continue
        ctx = campaign_context(campaign, zone_sets=zone_sets, undialable=[],
                               policy=hours_policy(campaign, rules=rules, holidays=holidays))
        key = (json.dumps(campaign.calling_hours, sort_keys=True), campaign.time_zone)
        if key not in known:
            known[key] = ctx.policy.open_sets(zone_sets, at)
        scopes[campaign.id] = PoolScope(ctx, known[key])
    return scopes


def _zone_in(ids: Sequence[int], without_zone_set: bool) -> Q:
    q = Q(AnyOf("zone_set_id", list(ids))) if ids else NEVER
    return q | Q(zone_set_id__isnull=True) if without_zone_set else q


def _pool_conditions(at: datetime) -> Q:
    return (Q(is_blacklisted=False, status_dialable=True)
            & (Q(frozen_until__isnull=True) | Q(frozen_until__lte=at)))


def _coarse(scope: PoolScope, at: datetime) -> Q:
    """The coarse count's test for one campaign (``campaign_figures`` steps 1 and 2)."""
    return (Q(campaign_id=scope.ctx.campaign.id) & _zone_in(*scope.window_open)
            & _pool_conditions(at))


def _coarse_all(scopes: Sequence[PoolScope], at: datetime) -> Q:
    """The coarse test of many campaigns: those whose windows open the same zone sets
    share one ``campaign_id IN (…)`` branch (usually a single branch), since a Q of
    one branch per campaign costs milliseconds to build, compile and plan."""
    groups: dict[tuple[tuple[int, ...], bool], list[int]] = {}
    for scope in scopes:
        groups.setdefault(scope.window_open, []).append(scope.ctx.campaign.id)
    branches = NEVER
    for (ids, without_zone_set), campaign_ids in groups.items():
        branches |= Q(AnyOf("campaign_id", campaign_ids)) & _zone_in(ids, without_zone_set)
    return branches & _pool_conditions(at)


def _closed_by_rules(scope: PoolScope) -> Q:
    """Leads of a scoped country (region) in a zone set the windows open but one of its
    rules or holidays closes now."""
    default_ids, default_null = scope.window_open
    closed = NEVER
    for country, region, ids, without_zone_set in scope.open_sets[1:]:
        shut = sorted(set(default_ids) - set(ids))
        shut_null = default_null and not without_zone_set
        if shut or shut_null:
            where = Q(country=country) & (Q(region=region) if region else Q())
            closed |= where & _zone_in(shut, shut_null)
    return closed


def _over_limits(scope: PoolScope, at: datetime) -> Q:
    reasons = reason_qs(scope.ctx, at)
    return reasons[Reason.ATTEMPTS_TODAY] | reasons[Reason.ATTEMPTS_TOTAL] | \
        reasons[Reason.MIN_GAP]


def _has_limits(scope: PoolScope) -> bool:
    campaign = scope.ctx.campaign
    return bool(campaign.max_attempts_per_day or campaign.max_attempts_total
                or campaign.min_minutes_between_calls)


def _rules_close_something(scope: PoolScope) -> bool:
    default_ids, default_null = scope.window_open
    return any(set(default_ids) - set(ids) or (default_null and not without_zone_set)
               for _, _, ids, without_zone_set in scope.open_sets[1:])


def _count_by_campaign(tenant_id: int, q: Q) -> Counter[int]:
    rows = (Lead.objects.filter(q, tenant_id=tenant_id).order_by().values("campaign_id")
            .annotate(n=Count("*")).values_list("campaign_id", "n"))
    return Counter(dict(rows))


def pool_exclusions(*, tenant_id: int, scopes: Sequence[PoolScope],
                    at: datetime) -> Counter[int]:
    """Campaign id → leads of its coarse pool that eligibility excludes at ``at``.

    1. Held: a callback not yet due, a live lease, a permanent assignment.
    2. Not held, but over a cap, inside the gap or shut by a rule or holiday (only the
       campaigns where that can happen now are asked).
    """
    active = [s for s in scopes if s.ctx.campaign.is_active]
    if not active:
        return Counter()
    pool = _coarse_all(active, at)
    # Each arm implies its partial index's predicate (callback_at IS NOT NULL,
    # lease_token IS NOT NULL, assigned_agent IS NOT NULL): few rows are read.
    held = (Q(callback_at__gt=at) | Q(lease_token__isnull=False, lease_expires_at__gt=at)
            | Q(assigned_agent__isnull=False))
    excluded = _count_by_campaign(tenant_id, pool & held)
    asked = [s for s in active if _has_limits(s) or _rules_close_something(s)]
    if asked:
        limited = NEVER
        for scope in asked:
            reasons = _over_limits(scope, at) if _has_limits(scope) else NEVER
            limited |= _coarse(scope, at) & (reasons | _closed_by_rules(scope))
        excluded.update(_count_by_campaign(tenant_id, limited & ~held))
    return excluded
