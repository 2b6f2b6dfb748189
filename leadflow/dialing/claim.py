"""Handing out the next lead: atomic claim + lease, never one lead to two holders.

Order: the agent's due personal callbacks, due general callbacks, the agent's personal
queue (when routing enables it), leads whose lease expired, then the lead sources in the
order given (routing decides it), leads by weight descending then least recently called
(never-called first).

PostgreSQL: one statement per claim, ``UPDATE … WHERE id = COALESCE((SELECT id … LIMIT 1
FOR UPDATE SKIP LOCKED), …) AND <lease free> RETURNING id`` plus the LeadEvent in a CTE —
concurrent claimers skip each other's rows instead of queueing, and the outer WHERE
re-checks the lease on the row's newest version. SQLite: the transaction is IMMEDIATE
(writers serialise at BEGIN), and a conditional UPDATE whose row count is checked
confirms the lease was still free. Either way no lead is ever held by two holders.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet

from leadflow.campaigns.models import Campaign
from leadflow.dialing.ahead import Ahead
from leadflow.dialing.eligibility import (
    CampaignContext,
    campaign_context,
    campaign_today,
    eligible_leads_q,
)
from leadflow.dialing.hours import hours_policy
from leadflow.dialing.models import CallingRule, Holiday
from leadflow.dialing.pgexec import (
    LEAD_COLUMNS,
    ClaimPlan,
    execute_prepared,
    lead_from_row,
    prepare_connection,
    shared_parameters,
)
from leadflow.leads.models import CallbackKind, Lead, LeadEvent, LeadEventKind, ZoneSet
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Tenant


class SourceLike(Protocol):
    """What the claim needs from a routing LeadSource: a Q over Lead."""

    @property
    def q(self) -> Q: ...


@dataclass(frozen=True)
class LeadSource:
    """A lead source without routing: the fallback and the tests use it."""

    q: Q
    priority: int = 0
    weight: int = 1
    is_failover: bool = False
    filter_group_id: int | None = None
    user_group_id: int | None = None


@dataclass
class Claim:
    lead: Lead
    lease_token: uuid.UUID
    lease_expires_at: datetime
    origin: str  # personal_callback, personal_queue, general_callback, expired_lease,
    #              source:<index>
    source: Any = None  # the source it came from (routing advances its round-robin)


# --- per-tenant context, cached briefly --------------------------------------------------
# Campaign settings, rules and zone sets change rarely; loading them on every claim would
# cost more queries than the claim itself. A campaign disabled or edited takes effect on
# claims within _TTL seconds.
_TTL = 2.0
_contexts: dict[int, tuple[float, dict[int, CampaignContext]]] = {}
_generation: dict[int, int] = {}  # bumped when a reload finds a change: plans key on it
_fingerprints: dict[int, Any] = {}
_reload_lock = threading.Lock()


def claim_cache_clear() -> None:
    """Every dialing cache: the claim's own and the next-lead request's (``hot``)."""
    from leadflow.dialing import hot

    _ahead.wait()  # a compile still running would put its plan back after the clear
    _contexts.clear()
    _fingerprints.clear()
    _plans.clear()
    _signature_of_minute.clear()
    hot.clear_all()


def tenant_contexts(tenant_id: int) -> dict[int, CampaignContext]:
    cached = _contexts.get(tenant_id)
    if cached is not None and time.monotonic() - cached[0] < _TTL:
        return cached[1]
    # Single flight: when the TTL runs out under load, one thread reloads while the
    # others keep using the seconds-old contexts (64 threads reloading at once cost
    # 64 × the reload's queries every TTL). Without any contexts yet, wait for them.
    if not _reload_lock.acquire(blocking=cached is None):
        assert cached is not None
        return cached[1]
    try:
        fresh = _contexts.get(tenant_id)
        if fresh is not None and time.monotonic() - fresh[0] < _TTL:
            return fresh[1]  # loaded by the thread we waited for
        return _reload(tenant_id, cached)
    finally:
        _reload_lock.release()


def _reload(tenant_id: int, cached: tuple[float, dict[int, CampaignContext]] | None
            ) -> dict[int, CampaignContext]:
    campaigns = list(Campaign.objects.filter(tenant_id=tenant_id, is_active=True))
    rules = list(CallingRule.objects.filter(Q(tenant__isnull=True) | Q(tenant_id=tenant_id)))
    holidays = list(Holiday.objects.filter(Q(tenant__isnull=True) | Q(tenant_id=tenant_id)))
    zone_sets = list(ZoneSet.objects.all())
    undialable: dict[int, list[int]] = {c.id: [] for c in campaigns}
    for status_id, campaign_id in (LeadStatus.objects.filter(
            campaign_id__in=list(undialable), is_dialable=False)
            .order_by("id").values_list("id", "campaign_id")):
        undialable[campaign_id].append(status_id)
    contexts = {c.id: campaign_context(c, zone_sets=zone_sets, undialable=undialable[c.id],
                                       policy=hours_policy(c, rules=rules, holidays=holidays))
                for c in campaigns}
    # Compiled statements survive a reload that changed nothing (the usual case): only
    # a real change bumps the generation they are keyed on.
    fingerprint = (
        tuple((c.id, c.updated_at, str(c.calling_hours), c.time_zone, c.lead_lease_seconds,
               c.max_attempts_per_day, c.max_attempts_total, c.min_minutes_between_calls,
               tuple(contexts[c.id].undialable)) for c in campaigns),
        tuple((r.id, r.tenant_id, r.country, r.region, r.start, r.end, tuple(r.weekdays or []))
              for r in rules),
        tuple((h.id, h.country, h.region, h.date) for h in holidays),
        tuple(z.id for z in zone_sets),
    )
    if _fingerprints.get(tenant_id) != fingerprint:
        _fingerprints[tenant_id] = fingerprint
        _generation[tenant_id] = _generation.get(tenant_id, 0) + 1
    elif cached is not None:
        contexts = cached[1]
    _contexts[tenant_id] = (time.monotonic(), contexts)
    return contexts


def pool_sources(tenant: Tenant, *, agent_id: int | None = None) -> list[LeadSource]:
    """Fallback when routing gives nothing: every active campaign of the tenant, one
    source each (a single-campaign source walks the claim index in order).

    With ``agent_id`` the list is rotated by agent: all campaigns are equal here, and
    agents starting on different campaigns do not all fight for the same head rows
    of the claim index (SKIP LOCKED skips them, but every skip costs a heap visit)."""
    ids = sorted(tenant_contexts(tenant.id))
    if agent_id is not None and ids:
        shift = agent_id % len(ids)
        ids = ids[shift:] + ids[:shift]
    return [LeadSource(q=Q(campaign_id=cid)) for cid in ids]


def _eligible(contexts: dict[int, CampaignContext], at: datetime, agent_id: int | None) -> Q:
    return eligible_leads_q(contexts.values(), at, agent_id=agent_id, own_lease_ok=False)


def _lease_set(*, holder_id: int | None, token: uuid.UUID, at: datetime,
               contexts: dict[int, CampaignContext]) -> tuple[str, list[Any]]:
    # Raw SQL: datetimes go through the backend's adapter (SQLite stores naive UTC text).
    adapt = connection.ops.adapt_datetimefield_value
    # Each campaign has its own lease length: a CASE keeps it one statement.
    expiry = " ".join(f"WHEN {cid} THEN %s" for cid in contexts)
    expiry_params = [adapt(at + timedelta(seconds=ctx.campaign.lead_lease_seconds))
                     for ctx in contexts.values()]
    set_sql = (f"leased_by_id = %s, lease_token = %s, "
               f"lease_expires_at = CASE campaign_id {expiry} END")
    return set_sql, [holder_id, token.hex if connection.vendor == "sqlite" else token,
                     *expiry_params]


# Belt and braces: the outer WHERE re-checks that the lease is free.
_FREE = "(lease_expires_at IS NULL OR lease_expires_at <= %s)"


def claim_statement(candidates: QuerySet[Lead], *, holder_id: int | None, token: uuid.UUID,
                    at: datetime, contexts: dict[int, CampaignContext], limit: int
                    ) -> tuple[str, list[Any]]:
    """The PostgreSQL claim as one statement (also what the bench runs bare):
    ``UPDATE … WHERE id IN (SELECT id … LIMIT n FOR UPDATE SKIP LOCKED) RETURNING id``.
    Must be compiled inside a transaction (Django refuses FOR UPDATE outside one)."""
    set_sql, set_params = _lease_set(holder_id=holder_id, token=token, at=at,
                                     contexts=contexts)
    # SKIP LOCKED: a row another claimer is leasing right now is skipped, not waited
    # for; the lock lives until this statement's transaction commits (immediately).
    inner = candidates.values("id")[:limit].select_for_update(skip_locked=True)
    sql, params = inner.query.get_compiler(connection=connection).as_sql()
    adapt = connection.ops.adapt_datetimefield_value
    return (f"UPDATE {Lead._meta.db_table} SET {set_sql} WHERE id IN ({sql}) AND {_FREE} "
            f"RETURNING id", [*set_params, *params, adapt(at)])


def _claim_sql(candidates: QuerySet[Lead], *, holder_id: int | None, token: uuid.UUID,
               at: datetime, contexts: dict[int, CampaignContext], limit: int) -> list[int]:
    """Lease up to ``limit`` leads of ``candidates`` (already ordered); their ids."""
    if connection.vendor == "postgresql":
        sql, params = claim_statement(candidates, holder_id=holder_id, token=token, at=at,
                                      contexts=contexts, limit=limit)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]
    # SQLite: we are inside an IMMEDIATE transaction, so no other writer runs between
    # this read and the update; the conditional UPDATE's row count still confirms it.
    set_sql, set_params = _lease_set(holder_id=holder_id, token=token, at=at,
                                     contexts=contexts)
    adapt = connection.ops.adapt_datetimefield_value
    ids = list(candidates.values_list("id", flat=True)[:limit])
    claimed: list[int] = []
    with connection.cursor() as cursor:
        for lead_id in ids:
            cursor.execute(f"UPDATE {Lead._meta.db_table} SET {set_sql} WHERE id = %s "
                           f"AND {_FREE}", [*set_params, lead_id, adapt(at)])
            if cursor.rowcount == 1:
                claimed.append(lead_id)
    return claimed


def _pool_order(queryset: QuerySet[Lead]) -> QuerySet[Lead]:
    # No id tie-break: the order must be exactly the claim index's, or PostgreSQL sorts
    # every row of a (weight, last_call_at) group before LIMIT 1 can stop.
    return queryset.order_by(F("weight").desc(), F("last_call_at").asc(nulls_first=True))


def _steps(*, tenant: Tenant, contexts: dict[int, CampaignContext], agent_id: int,
           sources: Sequence[SourceLike], at: datetime, personal_queue: str
           ) -> list[tuple[str, QuerySet[Lead]]]:
    eligible = _eligible(contexts, at, agent_id)
    # (The eligibility branches already restrict the campaigns.)
    base = Lead.objects.filter(tenant_id=tenant.id)
    steps: list[tuple[str, QuerySet[Lead]]] = [
        ("personal_callback", base.filter(
            eligible, assigned_agent_id=agent_id, callback_kind=CallbackKind.PERSONAL,
            callback_at__lte=at).order_by("callback_at", "id")),
    ]
    any_source = Q(pk__lt=0)
    for source in sources:
        any_source |= source.q
    if sources:
        steps.append(("general_callback", base.filter(
            eligible, any_source, callback_kind=CallbackKind.GENERAL,
            callback_at__lte=at).order_by("callback_at", "id")))
    if personal_queue:
        order = (["callback_at", "id"] if personal_queue == "callback_asc"
                 else ["-weight", "callback_at", "id"])
        steps.append(("personal_queue", base.filter(eligible, assigned_agent_id=agent_id)
                      .order_by(*order)))
    if sources:
        # Leases that ran out: back to the pool first (they were next once already).
        # Held rows are not in the claim index, so they are found through lead_leases.
        steps.append(("expired_lease", base.filter(
            eligible, any_source, lease_token__isnull=False, lease_expires_at__lte=at)
            .order_by("lease_expires_at", "id")))
    for index, source in enumerate(sources):
        steps.append((f"source:{index}", _pool_order(
            base.filter(eligible, lease_token__isnull=True).filter(source.q))))
    return steps


# --- PostgreSQL: one statement per claim, compiled once per calling-hours state ---------
# Every step becomes ``(SELECT id * 64 + step … LIMIT 1 FOR UPDATE SKIP LOCKED)``; COALESCE
# evaluates them left to right and stops at the first that finds a row, so only that
# row is locked. The UPDATE leases it and a data-modifying CTE writes its LeadEvent: one
# round trip, atomic without an explicit transaction (a single statement is one).
#
# Building the Q trees and compiling them costs far more Python time than the database
# spends on the claim (60–110 ms a statement). Between two moments with the same open
# zone sets and the same attempts days (``_minute_signature``; windows are HH:MM, so it
# can only change on a minute boundary) the statement differs only in its datetimes,
# and those derived from the claim's moment are that moment plus a constant. So it is
# compiled once for a signature with a placeholder token and agent, and each claim
# shifts the ``at``-relative datetimes by its distance from the compile moment and puts
# its own token and agent in. Compiled once per minute instead, the first claims of
# every minute waited for ten compiles per process: the p99 of a paced run was that.
_PLACEHOLDER = uuid.UUID(int=0)
# The agent is a parameter too: one compilation serves every agent of the tenant.
_AGENT_PLACEHOLDER = -7_777_777_777_777
_STEP_BITS = 64  # more steps than sources ever reach


@dataclass(frozen=True)
class _Compiled:
    at: datetime  # the moment compiled for: claims bind with their distance from it
    plan: ClaimPlan
    reusable: bool  # other minutes with the same signature may use it


_plans: dict[Any, _Compiled] = {}
_signature_of_minute: dict[tuple[int, int | None, datetime], int] = {}
_signature_numbers: dict[Any, int] = {}
_signature_counter = itertools.count()
_ahead = Ahead(_plans)
# Claims in a minute's last seconds have the next minute's statements compiled ahead.
COMPILE_AHEAD_FROM_SECOND = 45


def _one_statement(steps: list[tuple[str, QuerySet[Lead]]], *, agent_id: int,
                   at: datetime, contexts: dict[int, CampaignContext]) -> ClaimPlan:
    picks: list[str] = []
    params: list[Any] = []
    for index, (_, candidates) in enumerate(steps[:_STEP_BITS]):
        inner = candidates.values("id")[:1].select_for_update(skip_locked=True)
        sql, inner_params = inner.query.get_compiler(connection=connection).as_sql()
        picks.append(f"(SELECT s.id * {_STEP_BITS} + {index} FROM ({sql}) AS s)")
        params += inner_params
    set_sql, set_params = _lease_set(holder_id=agent_id, token=_PLACEHOLDER, at=at,
                                     contexts=contexts)
    table = Lead._meta.db_table
    events = LeadEvent._meta.db_table
    sql = (
        f"WITH pick AS MATERIALIZED (SELECT COALESCE({', '.join(picks)}) AS v), "
        f"claimed AS (UPDATE {table} SET {set_sql} "
        f"WHERE id = (SELECT v / {_STEP_BITS} FROM pick) AND {_FREE} "
        f"RETURNING {LEAD_COLUMNS}), "
        f"event AS (INSERT INTO {events} (tenant_id, lead_id, kind, old, new, actor_id, "
        f"rule_name, created_at) SELECT tenant_id, id, 'claimed', '{{}}'::jsonb, "
        f"jsonb_build_object('leased_by', leased_by_id, 'lease_token', lease_token, "
        f"'lease_expires_at', lease_expires_at, 'step', (SELECT v %% {_STEP_BITS} FROM pick)), "
        f"leased_by_id, '', %s FROM claimed) "
        # The whole row comes back: no second round trip to load the lead.
        f"SELECT {LEAD_COLUMNS}, (SELECT v %% {_STEP_BITS} FROM pick) FROM claimed")
    adapt = connection.ops.adapt_datetimefield_value
    # Each distinct value once (ClaimPlan): the steps repeat the eligibility parameters.
    return shared_parameters(sql, [*params, *set_params, adapt(at), adapt(at)],
                             [o for o, _ in steps], token=_PLACEHOLDER,
                             agent_id=_AGENT_PLACEHOLDER)


def _plan(*, tenant: Tenant, contexts: dict[int, CampaignContext], agent_id: int,
          sources: Sequence[SourceLike], at: datetime, personal_queue: str
          ) -> tuple[datetime, ClaimPlan]:
    """The claim statement for ``at``, compiled for a placeholder agent and token
    (``ClaimPlan.bind`` puts the real ones in), and the moment it was compiled for:
    bind with ``at`` minus that moment. ``agent_id`` is unused: kept for callers.

    1. The minute's signature: what the statement depends on besides ``at`` plus
       constants (each campaign's open zone sets, its attempts day).
    2. A statement compiled for an equal signature serves, whatever minute it was
       compiled in: its ``at``-relative datetimes move with ``at``.
    3. Late in a minute whose successor has another signature (a window opens or
       closes, a day ends), the successor's statement is compiled in the background.
    """
    minute = at.replace(second=0, microsecond=0)
    shape = (tenant.id, _generation.get(tenant.id), personal_queue,
             tuple(hash(s.q) for s in sources))
    signature = _minute_signature(tenant.id, contexts, minute)
    entry = _plans.get((*shape, signature))
    if entry is None or not (entry.reusable or entry.at == minute):
        if len(_plans) > 5000:
            _plans.clear()
        entry = _plans[(*shape, signature)] = _compile(
            tenant=tenant, contexts=contexts, sources=sources, minute=minute,
            personal_queue=personal_queue)
    if at.second >= COMPILE_AHEAD_FROM_SECOND:
        following = minute + timedelta(minutes=1)
        upcoming = _minute_signature(tenant.id, contexts, following)
        if upcoming != signature:
            _ahead.submit((*shape, upcoming), lambda: _compile(
                tenant=tenant, contexts=contexts, sources=sources, minute=following,
                personal_queue=personal_queue))
    return entry.at, entry.plan


def _minute_signature(tenant_id: int, contexts: dict[int, CampaignContext],
                      minute: datetime) -> int:
    """A small number standing for the minute's signature (equal signatures, equal
    numbers), computed once per tenant and minute."""
    key = (tenant_id, _generation.get(tenant_id), minute)
    number = _signature_of_minute.get(key)
    if number is None:
        if len(_signature_of_minute) > 10_000:
            _signature_of_minute.clear()
        signature = tuple(
            (cid, ctx.policy.open_sets(ctx.zone_sets, minute),
             campaign_today(ctx.campaign, minute) if ctx.campaign.max_attempts_per_day
             else None)
            for cid, ctx in sorted(contexts.items()) if ctx.campaign.is_active)
        if len(_signature_numbers) > 10_000:
            _signature_numbers.clear()
        # Numbers are never reused (a counter, not the dict's size): a cleared table
        # must not let a new signature take an old one's statement.
        number = _signature_numbers.get(signature)
        if number is None:
            number = _signature_numbers[signature] = next(_signature_counter)
        _signature_of_minute[key] = number
    return number


# Compiled again this much later in the same minute, the statement shows which of its
# datetimes are ``at``-relative (moved by exactly this) and which are fixed.
_PROBE = timedelta(seconds=1)


def _compile(*, tenant: Tenant, contexts: dict[int, CampaignContext],
             sources: Sequence[SourceLike], minute: datetime, personal_queue: str
             ) -> _Compiled:
    def at(moment: datetime) -> ClaimPlan:
        steps = _steps(tenant=tenant, contexts=contexts, agent_id=_AGENT_PLACEHOLDER,
                       sources=sources, at=moment, personal_queue=personal_queue)
        with transaction.atomic():  # Django compiles FOR UPDATE only inside a transaction
            return _one_statement(steps, agent_id=_AGENT_PLACEHOLDER, at=moment,
                                  contexts=contexts)

    plan, probe = at(minute), at(minute + _PROBE)
    if probe.sql != plan.sql or len(probe.values) != len(plan.values):
        return _Compiled(minute, plan, reusable=False)  # placeholders fell differently
    relative = tuple(i for i in plan.shifted if probe.values[i] - plan.values[i] == _PROBE)
    fixed = [i for i in plan.shifted if probe.values[i] == plan.values[i]]
    if len(relative) + len(fixed) != len(plan.shifted):
        return _Compiled(minute, plan, reusable=False)
    # A fixed datetime (a filter's own date) must not move with ``at``.
    return _Compiled(minute, replace(plan, shifted=relative), reusable=True)


def prepare_generic_plans(raw: Any) -> None:
    """Kept for callers (the bench's floor): see ``pgexec.prepare_connection``."""
    prepare_connection(raw)


def lead_claim(*, tenant: Tenant, agent: Any, sources: Sequence[SourceLike],
               at: datetime, personal_queue: str = "") -> Claim | None:
    """Lease the next lead for ``agent`` (see the module docstring for the order).

    ``personal_queue``: "" (off), "callback_asc" or "weight_desc_callback": after due
    callbacks, the agent's own permanently assigned leads in that order."""
    contexts = tenant_contexts(tenant.id)
    if not contexts:
        return None
    agent_id = agent.pk
    by_origin = {f"source:{i}": source for i, source in enumerate(sources)}
    token = uuid.uuid4()
    if connection.vendor == "postgresql":
        minute, plan = _plan(
            tenant=tenant, contexts=contexts, agent_id=agent_id, sources=sources, at=at,
            personal_queue=personal_queue)
        # One statement: the row lock, the lease and the LeadEvent commit together.
        row = execute_prepared(plan.sql, plan.bind(at - minute, token, agent_id))
        if row is None:
            return None
        lead = lead_from_row(row[:-1])
        assert lead.lease_expires_at is not None
        origin = plan.origins[row[-1]]
        return Claim(lead, token, lead.lease_expires_at, origin, by_origin.get(origin))
    for origin, candidates in _steps(tenant=tenant, contexts=contexts, agent_id=agent_id,
                                     sources=sources, at=at, personal_queue=personal_queue):
        # SQLite: IMMEDIATE transaction per step (see _claim_sql).
        with transaction.atomic():
            ids = _claim_sql(candidates, holder_id=agent_id, token=token, at=at,
                             contexts=contexts, limit=1)
            if ids:
                return _finish(ids[0], token, agent_id, at, origin, by_origin)
    return None


def _finish(lead_id: int, token: uuid.UUID, agent_id: int, at: datetime, origin: str,
            by_origin: dict[str, Any]) -> Claim:
    """Inside the claim's transaction: load the lead and write its LeadEvent."""
    lead = Lead.objects.get(id=lead_id)
    _claimed_event(lead, actor_id=agent_id, at=at, origin=origin)
    assert lead.lease_expires_at is not None
    return Claim(lead, token, lead.lease_expires_at, origin, by_origin.get(origin))


def _claimed_event(lead: Lead, *, actor_id: int | None, at: datetime, origin: str) -> None:
    LeadEvent.objects.create(
        tenant_id=lead.tenant_id, lead=lead, kind=LeadEventKind.CLAIMED, actor_id=actor_id,
        old={}, new={"leased_by": actor_id, "lease_token": str(lead.lease_token),
                     "lease_expires_at": lead.lease_expires_at.isoformat()
                     if lead.lease_expires_at else None, "origin": origin},
        created_at=at)


def lead_claim_batch_for_desk(*, tenant: Tenant, desk_id: int, count: int, at: datetime,
                              sources: Sequence[SourceLike] | None = None
                              ) -> tuple[uuid.UUID, list[Lead]]:
    """Lease up to ``count`` pool leads at once for a predictive dialer serving a desk.

    The leases have no agent (the dialer hands each answered call to one); they share
    one token. Due general callbacks first, then the sources in order."""
    contexts = tenant_contexts(tenant.id)
    token = uuid.uuid4()
    if not contexts or count <= 0:
        return token, []
    sources = list(sources) if sources is not None else pool_sources(tenant)
    eligible = _eligible(contexts, at, None)
    base = Lead.objects.filter(tenant_id=tenant.id, campaign_id__in=list(contexts))
    any_source = Q(pk__lt=0)
    for source in sources:
        any_source |= source.q
    steps: list[QuerySet[Lead]] = [
        base.filter(eligible, any_source, callback_kind=CallbackKind.GENERAL,
                    callback_at__lte=at).order_by("callback_at", "id"),
        base.filter(eligible, any_source, lease_token__isnull=False, lease_expires_at__lte=at)
        .order_by("lease_expires_at", "id")]
    steps += [_pool_order(base.filter(eligible, lease_token__isnull=True).filter(s.q))
              for s in sources]
    claimed: list[int] = []
    for candidates in steps:
        if len(claimed) >= count:
            break
        # Short transaction per step, as in lead_claim.
        with transaction.atomic():
            ids = _claim_sql(candidates, holder_id=None, token=token, at=at,
                             contexts=contexts, limit=count - len(claimed))
            for lead in Lead.objects.filter(id__in=ids):
                _claimed_event(lead, actor_id=None, at=at, origin=f"desk:{desk_id}")
            claimed += ids
    leads = list(Lead.objects.filter(id__in=claimed).order_by("id"))
    return token, leads
