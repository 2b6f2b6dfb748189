"""Applying a rule to a set of leads at once: sweeps and leads created in bulk.

Both paths change leads with each action's set-based form, read the rows back and
write one LeadEvent per changed lead, all inside the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from leadflow.campaigns.models import Campaign
from leadflow.core.conditions import compile_predicate, compile_q
from leadflow.crm.outbox import outbox_add_status_updates
from leadflow.leads.models import Lead, LeadEvent
from leadflow.rules.actions import ACTIONS, RunContext
from leadflow.rules.compiled import event_rules_for
from leadflow.rules.engine import (
    RULE_EVENT_KIND,
    TOUCHED,
    RuleEvent,
    Trigger,
    changes,
    follow_ups,
    rules_fire,
    trigger_matches,
)
from leadflow.rules.fields import EVENT_FIELDS, EVENT_PREFIX, RULE_FIELDS
from leadflow.tenants.models import Tenant

ROW = ("id", *TOUCHED, "lease_token", "lease_expires_at")
_EVENT_NAMES = {spec.name for spec in EVENT_FIELDS}


def bind_event(tree: Any, payload: dict[str, Any], now: datetime) -> Any:
    """The condition with each ``event.*`` leaf decided on ``payload``: ``{}`` (true) or
    ``{"any": []}`` (false), so the rest compiles to SQL for a whole set of leads that
    share one event (leads created by one import batch)."""
    if isinstance(tree, dict):
        if tree.get("field") in _EVENT_NAMES:
            values = {EVENT_PREFIX + k: v for k, v in payload.items()}
            return {} if compile_predicate(tree, RULE_FIELDS, now)(values) else {"any": []}
        if "all" in tree:
            return {"all": [bind_event(c, payload, now) for c in tree["all"]]}
        if "any" in tree:
            return {"any": [bind_event(c, payload, now) for c in tree["any"]]}
        if "not" in tree:
            return {"not": bind_event(tree["not"], payload, now)}
    return tree


def _jsonable_row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def apply_set(*, tenant: Tenant, campaign: Campaign, rule_name: str,
              actions: list[dict[str, Any]], ids: list[int],
              before: dict[int, dict[str, Any]], at: datetime, extra: dict[str, Any],
              crm_key: str = "") -> list[dict[str, Any]]:
    """Apply ``actions`` to the leads ``ids`` (already selected and locked).

    1. Each action's set-based form, in order.
    2. ``update_crm``: outbox rows read after every action (the final status).
    3. Read the rows back; one LeadEvent per lead with old → new and ``extra``.
    Returns the rows as they are after the actions."""
    ctx = RunContext(tenant=tenant, campaign=campaign, rule_name=rule_name, at=at,
                     is_sweep=True)
    for action in actions:
        ACTIONS[action["type"]].many(ids, action, ctx)
    if any(action["type"] == "update_crm" for action in actions):
        outbox_add_status_updates(tenant=tenant, lead_ids=ids, at=at,
                                  reason=f"rule “{rule_name}”", key_prefix=crm_key)
    after = list(Lead.objects.filter(id__in=ids).values(*ROW))
    action_types = [a["type"] for a in actions]
    LeadEvent.objects.bulk_create([
        LeadEvent(tenant_id=tenant.id, lead_id=row["id"], kind=RULE_EVENT_KIND,
                  old=old, new={**new, "actions": action_types, **extra},
                  rule_name=rule_name[:120], created_at=at)
        for row in after
        for old, new in [changes(_jsonable_row(before[row["id"]]), _jsonable_row(row))]])
    return after


def rules_fire_for_new_leads(*, tenant: Tenant, campaign: Campaign, lead_ids: list[int],
                             at: datetime) -> int:
    """``lead_created`` rules for leads an import or API batch just inserted.

    Set-based, so a million-row import pays per rule, not per lead:
    1. The campaign's rules triggered by lead_created (none: one query and done).
    2. For each, in order: the batch's leads still in play that match (event fields
       decided on the shared payload), changed by ``apply_set``; "stop processing"
       takes its matches out of play for the later rules.
    3. Leads whose status, weight or assignment a rule changed get the follow-up
       events one at a time (locked), only if some rule listens to them.
    Must run inside the batch's transaction. Returns rule applications."""
    event = RuleEvent(Trigger.LEAD_CREATED)
    rules = [r for r in event_rules_for(campaign.id)
             if any(trigger_matches(t, event) for t in r.triggers)]
    if not rules or not lead_ids:
        return 0
    assert transaction.get_connection().in_atomic_block, "call inside the batch transaction"
    in_play, applied = list(lead_ids), 0
    first_rows: dict[int, dict[str, Any]] = {}
    last_rows: dict[int, dict[str, Any]] = {}
    for rule in rules:
        tree = bind_event(rule.conditions, event.values(), at)
        rows = list(Lead.objects.filter(id__in=in_play).filter(
            compile_q(tree, RULE_FIELDS, at)).order_by("id")
            .select_for_update(of=("self",)).values(*ROW))
        if not rows:
            continue
        before = {r["id"]: r for r in rows}
        for row in rows:
            first_rows.setdefault(row["id"], row)
        after = apply_set(tenant=tenant, campaign=campaign, rule_name=rule.name,
                          actions=rule.actions, ids=list(before), before=before, at=at,
                          extra={"trigger": event.kind.value})
        last_rows.update({r["id"]: r for r in after})
        applied += len(rows)
        if rule.stop_processing:
            in_play = [i for i in in_play if i not in before]
    _cascade(tenant=tenant, campaign=campaign, first=first_rows, last=last_rows, at=at)
    return applied


def _cascade(*, tenant: Tenant, campaign: Campaign, first: dict[int, dict[str, Any]],
             last: dict[int, dict[str, Any]], at: datetime) -> None:
    listening = {t.get("event") for r in event_rules_for(campaign.id) for t in r.triggers}
    for lead_id, row in last.items():
        events = [e for e in follow_ups(first[lead_id], row, agent=None)
                  if e.kind.value in listening]
        if not events:
            continue
        lead = Lead.objects.select_for_update(of=("self",)).select_related(
            "campaign").get(id=lead_id)
        for follow_up in events:
            rules_fire(tenant=tenant, lead=lead, event=follow_up, at=at, depth=1)

