"""Applying a rule to a set of leads at once: sweeps and leads created in bulk.

Both paths change leads with each action's set-based form, read the rows back and
write one LeadEvent per changed lead, all inside the caller's transaction.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from leadflow.campaigns.models import Campaign
from leadflow.core.conditions import compile_predicate, compile_q
from leadflow.crm.outbox import outbox_add_status_updates
from leadflow.dialing.sqlany import AnyOf
from leadflow.leads.models import Lead, LeadEvent
from leadflow.rules.actions import ACTIONS, TOUCHED, RunContext
from leadflow.rules.compiled import event_rules_for
from leadflow.rules.engine import (
    RULE_EVENT_KIND,
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


_TABLE = Lead._meta.db_table
_EVENT_TABLE = LeadEvent._meta.db_table


def _touched(actions: list[dict[str, Any]]) -> tuple[str, ...]:
    """The columns ``actions`` may change, in TOUCHED's order."""
    names = {name for action in actions for name in ACTIONS[action["type"]].touched(action)}
    return tuple(name for name in TOUCHED if name in names)


# PostgreSQL: the rows before the actions in a temporary table (only the columns the
# actions may change), and every LeadEvent written by one INSERT … SELECT that compares
# before and after column by column. In Python the same work (read back, diff, build
# 5,000 objects, bind them) took three quarters of a sweep's time; a generic JSON diff
# of every column in SQL still took half.
def _snapshot_sql(columns: tuple[str, ...]) -> str:
    return (f"CREATE TEMPORARY TABLE rule_set_before ON COMMIT DROP AS "
            f"SELECT {', '.join(('id', *columns))} FROM {_TABLE} WHERE id = ANY(%s::bigint[])")


def _side(columns: tuple[str, ...], mine: str, other: str) -> str:
    """JSON of the columns whose value in ``mine`` differs from ``other``: the same
    keys and values ``to_jsonb`` gives, '{}' when nothing changed."""
    parts = [f"CASE WHEN {mine}.{c} IS DISTINCT FROM {other}.{c} "
             f"THEN jsonb_build_object('{c}', {mine}.{c}) ELSE '{{}}'::jsonb END"
             for c in columns]
    return " || ".join(parts) or "'{}'::jsonb"


def _events_sql(columns: tuple[str, ...]) -> str:
    return f"""
INSERT INTO {_EVENT_TABLE} (tenant_id, lead_id, kind, old, new, rule_name, created_at)
SELECT %(tenant)s, b.id, %(kind)s, {_side(columns, "b", "a")},
       ({_side(columns, "a", "b")}) || %(extra)s::jsonb, %(rule)s, %(at)s
FROM rule_set_before b JOIN {_TABLE} a ON a.id = b.id
WHERE a.id = ANY(%(ids)s::bigint[])
"""


def apply_set(*, tenant: Tenant, campaign: Campaign, rule_name: str,
              actions: list[dict[str, Any]], ids: list[int], at: datetime,
              extra: dict[str, Any], crm_key: str = "") -> None:
    """Apply ``actions`` to the leads ``ids`` (already selected and locked).

    1. Keep the rows as they are (a temporary table on PostgreSQL, else in Python).
    2. Each action's set-based form, in order.
    3. ``update_crm``: outbox rows read after every action (the final status).
    4. One LeadEvent per lead: the columns that changed, old → new, the actions and
       ``extra`` (on PostgreSQL one INSERT … SELECT comparing the columns the actions
       touch, else built in Python over every column)."""
    postgres, columns = connection.vendor == "postgresql", _touched(actions)
    before: dict[int, dict[str, Any]] = {}
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS rule_set_before")
            cursor.execute(_snapshot_sql(columns), [ids])
    else:
        before = {r["id"]: r for r in Lead.objects.filter(id__in=ids).values(*ROW)}
    ctx = RunContext(tenant=tenant, campaign=campaign, rule_name=rule_name, at=at,
                     is_sweep=True)
    for action in actions:
        ACTIONS[action["type"]].many(ids, action, ctx)
    if any(action["type"] == "update_crm" for action in actions):
        outbox_add_status_updates(tenant=tenant, lead_ids=ids, at=at,
                                  reason=f"rule “{rule_name}”", key_prefix=crm_key)
    details = {"actions": [a["type"] for a in actions], **extra}
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute(_events_sql(columns), {
                "tenant": tenant.id, "kind": RULE_EVENT_KIND, "extra": json.dumps(details),
                "rule": rule_name[:120], "at": at, "ids": ids})
            cursor.execute("DROP TABLE rule_set_before")
        return
    LeadEvent.objects.bulk_create([
        LeadEvent(tenant_id=tenant.id, lead_id=row["id"], kind=RULE_EVENT_KIND,
                  old=old, new={**new, **details}, rule_name=rule_name[:120], created_at=at)
        for row in Lead.objects.filter(id__in=ids).values(*ROW)
        for old, new in [changes(_jsonable_row(before[row["id"]]), _jsonable_row(row))]])


_CASCADE_COLUMNS = ("id", "status_id", "weight", "assigned_agent_id")


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
    campaign_rules = event_rules_for(campaign.id)
    rules = [r for r in campaign_rules if any(trigger_matches(t, event) for t in r.triggers)]
    if not rules or not lead_ids:
        return 0
    assert transaction.get_connection().in_atomic_block, "call inside the batch transaction"
    listening = {str(t.get("event")) for r in campaign_rules for t in r.triggers} & {
        Trigger.STATUS_CHANGED.value, Trigger.WEIGHT_CHANGED.value, Trigger.LEAD_ASSIGNED.value}
    first = _cascade_rows(lead_ids) if listening else {}
    in_play, applied, changed = list(lead_ids), 0, set()
    for rule in rules:
        tree = bind_event(rule.conditions, event.values(), at)
        ids = list(Lead.objects.filter(AnyOf("id", in_play)).filter(
            compile_q(tree, RULE_FIELDS, at)).order_by("id")
            .select_for_update(of=("self",)).values_list("id", flat=True))
        if not ids:
            continue
        apply_set(tenant=tenant, campaign=campaign, rule_name=rule.name, actions=rule.actions,
                  ids=ids, at=at, extra={"trigger": event.kind.value})
        applied += len(ids)
        changed.update(ids)
        if rule.stop_processing:
            matched = set(ids)
            in_play = [i for i in in_play if i not in matched]
    if listening and changed:
        _cascade(tenant=tenant, first=first, last=_cascade_rows(sorted(changed)),
                 listening=listening, at=at)
    return applied


def _cascade_rows(ids: list[int]) -> dict[int, dict[str, Any]]:
    return {r["id"]: r for r in Lead.objects.filter(AnyOf("id", ids)).values(*_CASCADE_COLUMNS)}


def _cascade(*, tenant: Tenant, first: dict[int, dict[str, Any]],
             last: dict[int, dict[str, Any]], listening: set[str], at: datetime) -> None:
    for lead_id, row in last.items():
        events = [e for e in follow_ups(first[lead_id], row, agent=None)
                  if e.kind.value in listening]
        if not events:
            continue
        lead = Lead.objects.select_for_update(of=("self",)).select_related(
            "campaign").get(id=lead_id)
        for follow_up in events:
            rules_fire(tenant=tenant, lead=lead, event=follow_up, at=at, depth=1)
