"""Event-based rules: run in the transaction of the change that fired them.

The caller has locked the lead (``select_for_update``) and saved its own change; it
then calls ``rules_fire`` before committing, so the change and everything the rules
do commit or roll back together.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from leadflow.core.conditions import Predicate
from leadflow.crm.outbox import outbox_add_status_updates
from leadflow.leads.models import Lead, LeadEvent, LeadEventKind
from leadflow.rules.actions import ACTIONS, TOUCHED, RunContext
from leadflow.rules.compiled import CompiledRule, event_rules_for
from leadflow.rules.fields import recent_calls, rule_values
from leadflow.tenants.models import Tenant

logger = logging.getLogger(__name__)

# A rule whose actions fire rules that fire it back (status A → B → A …) stops here.
MAX_DEPTH = 8
RULE_EVENT_KIND = LeadEventKind.RULE_APPLIED
LOOP_EVENT_KIND = LeadEventKind.RULE_LOOP_STOPPED

SAVED_FIELDS = [name.removesuffix("_id") if name.endswith("_id") else name
                for name in TOUCHED]


class Trigger(StrEnum):
    LEAD_CREATED = "lead_created"
    STATUS_CHANGED = "status_changed"
    WEIGHT_CHANGED = "weight_changed"
    CALL_FINISHED = "call_finished"
    FEEDBACK_SUBMITTED = "feedback_submitted"
    CALLBACK_DUE = "callback_due"
    LEAD_ASSIGNED = "lead_assigned"


@dataclass(frozen=True)
class RuleEvent:
    """What happened: the trigger and its payload (the ``event.*`` condition fields)."""

    kind: Trigger
    payload: dict[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        return {"kind": self.kind.value, **self.payload}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def lead_state(lead: Lead) -> dict[str, Any]:
    return {name: _jsonable(getattr(lead, name)) for name in TOUCHED}


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any],
                                                                   dict[str, Any]]:
    changed = [name for name in TOUCHED if before[name] != after[name]]
    return {n: before[n] for n in changed}, {n: after[n] for n in changed}


def follow_ups(before: dict[str, Any], after: dict[str, Any], *, agent: Any,
               ) -> list[RuleEvent]:
    """The events a rule's own changes fire, in the order status → weight → assignment.

    ``before`` / ``after`` are lead states (``lead_state`` or rows read back)."""
    events = []
    if before["status_id"] != after["status_id"]:
        events.append(RuleEvent(Trigger.STATUS_CHANGED, {
            "old_status": before["status_id"], "new_status": after["status_id"],
            "agent": agent}))
    if before["weight"] != after["weight"]:
        events.append(RuleEvent(Trigger.WEIGHT_CHANGED, {
            "old_weight": before["weight"], "new_weight": after["weight"], "agent": agent}))
    if after["assigned_agent_id"] is not None and before["assigned_agent_id"] != (
            after["assigned_agent_id"]):
        events.append(RuleEvent(Trigger.LEAD_ASSIGNED, {"agent": after["assigned_agent_id"]}))
    return events


@dataclass
class Pending:
    """The writes of a firing pass, made once at its end: one UPDATE of the lead, the
    CRM rows, one INSERT of the LeadEvents. Fifty rules firing on one feedback cost
    three statements instead of a hundred; the lead is locked throughout, so nobody
    can see the difference."""

    events: list[LeadEvent] = field(default_factory=list)
    crm_rules: list[str] = field(default_factory=list)
    dirty: bool = False

    def flush(self, *, lead: Lead, tenant: Tenant, at: datetime) -> None:
        if self.dirty:
            lead.save(update_fields=SAVED_FIELDS)
        for name in self.crm_rules:  # read after the save: the final status
            outbox_add_status_updates(tenant=tenant, lead_ids=[lead.id], at=at,
                                      reason=f"rule “{name}”")
        LeadEvent.objects.bulk_create(self.events)
        self.events, self.crm_rules, self.dirty = [], [], False


def apply_rule(*, lead: Lead, rule: CompiledRule, ctx: RunContext, extra: dict[str, Any],
               pending: Pending | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Apply one rule's actions to a locked lead and record its LeadEvent.

    1. Run each action's row form in order on the lead in memory.
    2. Queue the save (only the columns actions may touch), the CRM update (read after
       the save, so it carries the final status) and one LeadEvent naming the rule:
       the actions applied and every column changed.
    3. Without a ``pending`` of the caller's, write them now.
    Returns the state before and after."""
    own = pending is None
    queue = Pending() if pending is None else pending
    before = lead_state(lead)
    for action in rule.actions:
        ACTIONS[action["type"]].one(lead, action, ctx)
    if any(action["type"] == "update_crm" for action in rule.actions):
        queue.crm_rules.append(rule.name)
    after = lead_state(lead)
    old, new = changes(before, after)
    queue.dirty = queue.dirty or bool(new)
    queue.events.append(LeadEvent(
        tenant_id=lead.tenant_id, lead=lead, kind=RULE_EVENT_KIND, old=old,
        new={**new, "actions": [a["type"] for a in rule.actions], **extra},
        rule_name=rule.name[:120], created_at=ctx.at))
    if own:
        queue.flush(lead=lead, tenant=ctx.tenant, at=ctx.at)
    return before, after


@dataclass
class _Pass:
    tenant: Tenant
    lead: Lead
    at: datetime
    applied: int = 0
    calls: list[dict[str, Any]] | None = None
    pending: Pending = field(default_factory=Pending)
    # A campaign's rules, loaded once per pass: every rule application queues a
    # follow-up event (weight_changed, …) and each used to reload them — N rules
    # firing cost N queries of N rules (most of a feedback with 50 rules).
    rules: dict[int, list[CompiledRule]] = field(default_factory=dict)

    def campaign_rules(self, campaign_id: int) -> list[CompiledRule]:
        if campaign_id not in self.rules:
            self.rules[campaign_id] = event_rules_for(campaign_id)
        return self.rules[campaign_id]

    def values(self, event: RuleEvent, rules: list[CompiledRule]) -> dict[str, Any]:
        # Sliding-window counts need the lead's recent calls: one query, only if read.
        if self.calls is None and any(rule.uses_windows for rule in rules):
            self.calls = recent_calls(self.lead.id, self.at)
        return rule_values(self.lead, event=event.values(), calls=self.calls)


def trigger_matches(trigger: dict[str, Any], event: RuleEvent) -> bool:
    if trigger.get("event") != event.kind.value:
        return False
    for key, payload_key in (("from_status", "old_status"), ("to_status", "new_status"),
                             ("dial_result", "dial_result")):
        wanted = trigger.get(key)
        if wanted not in (None, "", []):
            got = event.payload.get(payload_key)
            if (got not in wanted) if isinstance(wanted, list) else got != wanted:
                return False
    return True


def rules_fire(*, tenant: Tenant, lead: Lead, event: RuleEvent, at: datetime,
               depth: int = 0) -> int:
    """Run the campaign's event rules for ``event`` and for the events they cause.

    1. Take the next event from the queue (first: the one given).
    2. For each enabled group and active rule, in order, whose trigger matches: test
       its condition on the lead as it is now plus the event's payload; when it holds,
       apply its actions (``apply_rule``) and queue the events they cause, one level
       deeper; a rule marked "stop processing" ends this event's pass.
    3. An event deeper than ``MAX_DEPTH`` is not run: the loop is logged and recorded
       on the lead (a ``rule_loop_stopped`` event), and the transaction goes on.
    4. A move to another campaign fires ``lead_created`` there and ends the old
       campaign's pass.
    Returns how many rule applications happened.
    """
    state = _Pass(tenant=tenant, lead=lead, at=at)
    queue: deque[tuple[RuleEvent, int]] = deque([(event, depth)])
    # Writes wait for the end of the pass (Pending); the loop record joins them.
    while queue:
        current, depth = queue.popleft()
        if depth > MAX_DEPTH:
            logger.warning("Rule loop on lead %s stopped at depth %s (%s)", lead.id, depth,
                           current.kind)
            state.pending.events.append(LeadEvent(
                tenant_id=lead.tenant_id, lead=lead, kind=LOOP_EVENT_KIND,
                new={"event": current.kind.value, "depth": depth}, created_at=at))
            break
        queue.extend((e, depth + 1) for e in _run_event(state, current))
    state.pending.flush(lead=lead, tenant=tenant, at=at)
    return state.applied


def _run_event(state: _Pass, event: RuleEvent) -> list[RuleEvent]:
    lead = state.lead
    kind = event.kind.value
    rules = [r for r in state.campaign_rules(lead.campaign_id)
             if kind in r.events and any(trigger_matches(t, event) for t in r.triggers)]
    if not rules:
        return []
    caused: list[RuleEvent] = []
    campaign = lead.campaign
    for rule in rules:
        predicate: Predicate = rule.predicate(state.at)
        if not predicate(state.values(event, rules)):
            continue
        ctx = RunContext(tenant=state.tenant, campaign=campaign, rule_name=rule.name,
                         at=state.at, is_sweep=False, event=event.payload)
        before, after = apply_rule(lead=lead, rule=rule, ctx=ctx, pending=state.pending,
                                   extra={"trigger": event.kind.value})
        state.applied += 1
        caused.extend(follow_ups(before, after, agent=event.payload.get("agent")))
        if ctx.moved_to is not None:
            lead.campaign = type(campaign).objects.get(id=ctx.moved_to)
            caused.append(RuleEvent(Trigger.LEAD_CREATED, {"moved_from": campaign.id}))
            break
        if rule.stop_processing:
            break
    return caused
