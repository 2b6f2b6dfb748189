"""Time-based rules: each (rule, hour slot) runs exactly once, set-based, in chunks.

Exactly once rests on two facts. The ledger row ``RuleRun`` is unique per (rule,
slot), so a slot starts once however many workers tick. And every chunk runs in one
transaction that (a) locks the run row, (b) reads its cursor, (c) changes the next
chunk of matching leads, writes their LeadEvents and outbox rows, and (d) moves the
cursor past them: a crash (even ``kill -9``) loses the whole chunk or none of it, and
two workers on one run take turns on the row lock, each starting where the other
stopped. Chunks are short (``CHUNK`` leads) so agents' claims keep flowing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q

from leadflow.core import clock
from leadflow.core.conditions import compile_q
from leadflow.leads.models import Lead
from leadflow.rules.actions import RunContext
from leadflow.rules.compiled import compile_rule
from leadflow.rules.engine import apply_rule
from leadflow.rules.fields import RULE_FIELDS, recent_calls, rule_values
from leadflow.rules.models import Rule, RuleDeferral, RuleKind, RuleRun, RunState
from leadflow.rules.setwise import apply_set
from leadflow.tenants.models import Tenant

logger = logging.getLogger(__name__)

CHUNK = 5_000


def slot_of(hour: int, local_day: datetime, zone: ZoneInfo) -> datetime:
    """The UTC start of ``hour`` on ``local_day`` in ``zone``.

    Across DST: an hour the clock repeats (fall back) has one slot, its first
    occurrence; an hour the clock skips (spring forward) starts when the clock jumps
    past it, so it still runs that day (fold=0 resolves it with the earlier offset)."""
    local = datetime.combine(local_day.date(), time(hour), tzinfo=zone)
    return local.astimezone(UTC)


def due_slots(*, now: datetime) -> list[tuple[Rule, datetime]]:
    """Every (active time rule, slot) whose hour has begun within the last hour."""
    due = []
    rules = (Rule.objects.filter(kind=RuleKind.TIME, is_active=True, group__is_enabled=True,
                                 campaign__is_active=True).select_related("tenant"))
    for rule in rules:
        zone = ZoneInfo(rule.tenant.time_zone)
        local = now.astimezone(zone)
        for hour in set(rule.hours or []):
            slot = slot_of(hour, local, zone)
            weekday = slot.astimezone(zone).weekday()
            if slot <= now < slot + timedelta(hours=1) and (
                    not rule.weekdays or weekday in rule.weekdays):
                due.append((rule, slot))
    return due


def rule_run_start(*, rule: Rule, slot: datetime) -> RuleRun:
    """The run of (rule, slot): created now, or the one another worker created."""
    try:
        # The savepoint keeps a lost race from breaking an enclosing transaction.
        with transaction.atomic():
            return RuleRun.objects.create(tenant_id=rule.tenant_id, rule=rule, slot=slot,
                                          started_at=clock.now())
    except IntegrityError:
        return RuleRun.objects.get(rule=rule, slot=slot)


def rule_run_advance(*, run_id: int, chunk: int = CHUNK) -> bool:
    """Process the next chunk of a run; True when the run is done.

    1. Lock the run row (serialises workers on one run) and read its cursor.
    2. Select the next ``chunk`` leads of the campaign after the cursor, in id order,
       that match the condition compiled to SQL at this moment; lock them so no claim
       hands one out while it changes.
    3. Leads an agent holds now are deferred (``RuleDeferral``), the rest changed by
       each action's set-based form in order.
    4. One LeadEvent per changed lead naming the run and rule, old → new read back
       from the rows; outbox rows for ``update_crm`` with keys fixed by run and rule.
    5. Move the cursor past the chunk; no rows left: the run is done.
    """
    with transaction.atomic():
        # Only the run row: a bare FOR UPDATE would also lock the joined rule, campaign
        # and tenant rows, and block every insert referencing them (a claim's LeadEvent)
        # for the whole chunk. NO KEY: the run's deferral rows may still reference it.
        run = (RuleRun.objects.select_for_update(no_key=True, of=("self",))
               .select_related("rule__campaign__tenant").get(id=run_id))
        if run.state == RunState.DONE:
            return True
        rule, at = run.rule, clock.now()
        matching = (Lead.objects.filter(campaign_id=rule.campaign_id, id__gt=run.cursor)
                    .filter(compile_q(rule.conditions, RULE_FIELDS, at)).order_by("id"))
        # NO KEY: LeadEvents and calls referencing the leads are not blocked; claims
        # (FOR UPDATE SKIP LOCKED) still skip them until the chunk commits.
        rows = list(matching.select_for_update(no_key=True, of=("self",))
                    .values("id", "lease_token", "lease_expires_at")[:chunk])
        if not rows:
            run.state, run.finished_at = RunState.DONE, at
            run.save(update_fields=["state", "finished_at"])
            return True
        held = {r["id"] for r in rows if _is_held(r, at)}
        RuleDeferral.objects.bulk_create(
            [RuleDeferral(tenant_id=run.tenant_id, run=run, lead_id=lead_id, created_at=at)
             for lead_id in sorted(held)], ignore_conflicts=True)
        ids = [r["id"] for r in rows if r["id"] not in held]
        if ids:
            apply_set(tenant=rule.campaign.tenant, campaign=rule.campaign,
                      rule_name=rule.name, actions=rule.actions, ids=ids, at=at,
                      extra={"rule_run": run.id}, crm_key=f"run{run.id}")
        run.cursor, run.matched = rows[-1]["id"], run.matched + len(rows)
        run.save(update_fields=["cursor", "matched"])
        return False


def _is_held(row: Mapping[str, Any], at: datetime) -> bool:
    """An agent holds the lead now: an unexpired lease."""
    return (row["lease_token"] is not None and row["lease_expires_at"] is not None
            and row["lease_expires_at"] > at)


def rules_tick(*, now: datetime | None = None, chunk: int = CHUNK) -> int:
    """Start due slots and drive every unfinished run to its end; returns runs finished.

    Unfinished runs include those a crashed worker left: they resume at their cursor.
    """
    now = now or clock.now()
    for rule, slot in due_slots(now=now):
        rule_run_start(rule=rule, slot=slot)
    finished = 0
    for run_id in RuleRun.objects.filter(state=RunState.RUNNING).values_list("id", flat=True):
        while not rule_run_advance(run_id=run_id, chunk=chunk):
            pass
        finished += 1
    released_deferrals_apply(at=clock.now(), chunk=chunk)
    return finished


def _not_held_q(at: datetime, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}lease_token__isnull": True})
            | Q(**{f"{prefix}lease_expires_at__isnull": True})
            | Q(**{f"{prefix}lease_expires_at__lte": at}))


def released_deferrals_apply(*, at: datetime, chunk: int = CHUNK) -> int:
    """Deferrals of leads nobody holds any more without feedback (the lease expired:
    the agent never called, or the feedback can no longer come): apply them now, as
    feedback would have. Each lead in its own short transaction, locked SKIP LOCKED
    (a lead in the middle of a claim or feedback is left to that, or the next tick)."""
    lead_ids = list(RuleDeferral.objects.filter(_not_held_q(at, "lead__"))
                    .order_by("lead_id").values_list("lead_id", flat=True).distinct()[:chunk])
    applied = 0
    for lead_id in lead_ids:
        with transaction.atomic():
            lead = (Lead.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("campaign__tenant").filter(_not_held_q(at), id=lead_id)
                    .first())
            if lead is not None:
                applied += deferred_rules_apply(tenant=lead.campaign.tenant, lead=lead, at=at)
    return applied


def deferred_rules_apply(*, tenant: Tenant, lead: Lead, at: datetime) -> int:
    """Apply the sweep matches deferred while an agent held ``lead`` (it is locked).

    The condition is tested again on the lead as the agent left it: a lead the call
    changed so that the rule no longer matches is not changed. Either way the deferral
    is consumed, so a run acts on a lead at most once."""
    deferrals = list(RuleDeferral.objects.filter(lead=lead)
                     .select_related("run__rule__group", "run__rule__campaign")
                     .order_by("id"))
    applied = 0
    for deferral in deferrals:
        rule = deferral.run.rule
        compiled = compile_rule(rule)
        # A rule switched off since, or a lead the call moved to another campaign (the
        # rule's statuses and fields are its old campaign's), is not applied.
        runnable = (rule.is_active and rule.group.is_enabled and rule.campaign.is_active
                    and lead.campaign_id == rule.campaign_id)
        values = rule_values(lead, calls=recent_calls(lead.id, at)
                             if runnable and compiled.uses_windows else None)
        if runnable and compiled.predicate(at)(values):
            ctx = RunContext(tenant=tenant, campaign=lead.campaign, rule_name=rule.name,
                             at=at, is_sweep=True)
            apply_rule(lead=lead, rule=compiled, ctx=ctx,
                       extra={"rule_run": deferral.run_id, "deferred": True})
            applied += 1
        deferral.delete()
    return applied
