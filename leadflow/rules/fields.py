"""The fields rule conditions may use, and the record the engine evaluates them on.

Rules see every lead field of the shared registry plus:

* ``last_status_change_at`` / ``hours_since_status_change``, ``campaign`` and the
  remaining text columns;
* sliding-window counts, named with their parameters so a condition is plain JSON:
  ``calls.<dial result>.<H>h`` (calls with that result started in the last H hours)
  and ``status_count.<status id>.<N>h`` / ``.<N>d`` (calls whose feedback set that
  status in the last N hours / days: the vendor's "No Answer more than 3 times in
  the last 12 hours").
  Both compile to a correlated COUNT over the calls table and, in Python, count the
  lead's recent calls the engine loaded once (``values["recent_calls"]``);
* ``event.*``: the payload of the event that fired an event rule (previous and new
  status and weight, dial result, the agent). They exist only in Python, so a
  time-based rule cannot use them (the query compiler rejects them when it is saved).

Counting feedback *calls* rather than status-change events is deliberate: a lead
that gets "No Answer" three times in a row changes status once but has three calls.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Expression, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from leadflow.core.conditions import (
    LEAD_FIELDS,
    Computed,
    ElapsedSince,
    FieldRegistry,
    FieldSpec,
    FieldType,
    column,
    lead_values,
)
from leadflow.dialing.models import Call, DialResult
from leadflow.leads.models import Lead

T = FieldType

EVENT_FIELDS = [
    column("event.kind", T.STRING, label="event"),
    column("event.old_status", T.ID, label="previous status"),
    column("event.new_status", T.ID, label="new status"),
    column("event.old_weight", T.INTEGER, label="previous weight"),
    column("event.new_weight", T.INTEGER, label="new weight"),
    column("event.dial_result", T.STRING, label="dial result"),
    column("event.agent", T.ID, label="agent of the event"),
]
EVENT_PREFIX = "event."

_EXTRA_LEAD_FIELDS = [
    column("campaign", T.ID, orm_path="campaign_id", nullable=False),
    column("region", T.STRING, orm_path="region", nullable=False),
    column("postal_code", T.STRING, orm_path="postal_code", nullable=False,
           label="postal code"),
    column("language", T.STRING, orm_path="language", nullable=False),
    column("source", T.STRING, orm_path="source", nullable=False),
    column("email", T.STRING, orm_path="email", nullable=False),
    column("external_id", T.STRING, orm_path="external_id", nullable=False,
           label="CRM id"),
    column("last_status_change_at", T.DATETIME, orm_path="last_status_change_at",
           label="last status change"),
    FieldSpec("hours_since_status_change", T.NUMBER,
              ElapsedSince("last_status_change_at", timedelta(hours=1)),
              label="hours since status change"),
]

CALLS_RE = re.compile(r"^calls\.([a-z_]+)\.([0-9]{1,4})h$")
STATUS_COUNT_RE = re.compile(r"^status_count\.([0-9]{1,12})\.([0-9]{1,4})([hd])$")
MAX_WINDOW = timedelta(days=31)  # how far back the engine loads a lead's calls


def _count_calls(**filters: Any) -> Expression:
    calls = (Call.objects.filter(lead_id=OuterRef("pk"), **filters).order_by()
             .values("lead_id").annotate(n=Count("id")).values("n"))
    return Coalesce(Subquery(calls, output_field=IntegerField()), Value(0))


def _calls_with_result(result: str, hours: int) -> Computed:
    window = timedelta(hours=hours)

    def getter(values: Mapping[str, Any], now: datetime) -> int:
        since = now - window
        return sum(1 for call in values.get("recent_calls", ())
                   if call["dial_result"] == result and call["started_at"] >= since)

    return Computed(getter=getter, expression=lambda now: _count_calls(
        dial_result=result, started_at__gte=now - window))


def _calls_with_status(status_id: int, window: timedelta) -> Computed:

    def getter(values: Mapping[str, Any], now: datetime) -> int:
        since = now - window
        return sum(1 for call in values.get("recent_calls", ())
                   if call["status_id"] == status_id and call["feedback_at"] is not None
                   and call["feedback_at"] >= since)

    return Computed(getter=getter, expression=lambda now: _count_calls(
        status_id=status_id, feedback_at__gte=now - window))


def window_spec(name: str) -> FieldSpec | None:
    """The spec of a sliding-window count field named ``name``, or None."""
    if match := CALLS_RE.match(name):
        result, hours = match.group(1), int(match.group(2))
        if result in DialResult.values and 1 <= hours <= MAX_WINDOW / timedelta(hours=1):
            return FieldSpec(name, T.INTEGER, _calls_with_result(result, hours),
                             nullable=False, label=f"calls {result} in the last {hours} h")
    if match := STATUS_COUNT_RE.match(name):
        status_id, number, unit = int(match.group(1)), int(match.group(2)), match.group(3)
        window = timedelta(hours=number) if unit == "h" else timedelta(days=number)
        if timedelta(hours=1) <= window <= MAX_WINDOW:
            return FieldSpec(name, T.INTEGER, _calls_with_status(status_id, window),
                             nullable=False,
                             label=f"times in status {status_id} in the last {number} {unit}")
    return None


class RuleFieldRegistry(FieldRegistry):
    """The lead registry plus rule-only fields and the parametrised window counts."""

    def get(self, name: str) -> FieldSpec | None:
        return super().get(name) or window_spec(name)


RULE_FIELDS = RuleFieldRegistry([*LEAD_FIELDS, *_EXTRA_LEAD_FIELDS, *EVENT_FIELDS],
                                custom=LEAD_FIELDS.custom, name="rule")


def uses_windows(tree: Any) -> bool:
    """Whether a condition reads a sliding-window count (the engine then loads calls)."""
    if isinstance(tree, dict):
        field = tree.get("field")
        if isinstance(field, str) and (CALLS_RE.match(field) or STATUS_COUNT_RE.match(field)):
            return True
        return any(uses_windows(v) for v in tree.values() if isinstance(v, dict | list))
    if isinstance(tree, list):
        return any(uses_windows(v) for v in tree)
    return False


def recent_calls(lead_id: int, now: datetime) -> list[dict[str, Any]]:
    """The lead's calls of the last ``MAX_WINDOW``: what the window getters count."""
    since = now - MAX_WINDOW
    rows = Call.objects.filter(lead_id=lead_id, started_at__gte=since).values(
        "dial_result", "started_at", "status_id", "feedback_at")
    return [dict(row) for row in rows]


def rule_values(lead: Lead, *, event: Mapping[str, Any] | None = None,
                calls: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The record ``compile_predicate(…, RULE_FIELDS, …)`` reads for one lead."""
    values = lead_values(lead)
    values.update({
        "campaign": lead.campaign_id, "region": lead.region, "postal_code": lead.postal_code,
        "language": lead.language, "source": lead.source, "email": lead.email,
        "external_id": lead.external_id, "last_status_change_at": lead.last_status_change_at,
        "recent_calls": calls or [],
    })
    for key, value in (event or {}).items():
        values[EVENT_PREFIX + key] = value
    return values
