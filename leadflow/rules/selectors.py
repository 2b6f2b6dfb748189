"""Reads for the Rules page: a campaign's groups and rules, and the dry run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet

from leadflow.campaigns.models import Campaign
from leadflow.core.conditions import compile_q
from leadflow.leads.models import Lead
from leadflow.rules.fields import EVENT_PREFIX, RULE_FIELDS
from leadflow.rules.models import Rule, RuleGroup


def rule_groups_for_campaign(*, campaign: Campaign) -> QuerySet[RuleGroup]:
    """Groups in order, each with its rules in order (two queries)."""
    return (RuleGroup.objects.filter(campaign=campaign)
            .prefetch_related(Prefetch("rules", queryset=Rule.objects.order_by("position", "id"))))


def without_event_fields(tree: Any) -> Any:
    """The condition with every ``event.*`` leaf replaced by "always true".

    A dry run has no event: it answers "which leads would match if the event fired
    now", so the event's own tests are left out (the page says so)."""
    if isinstance(tree, dict):
        field = tree.get("field")
        if isinstance(field, str) and field.startswith(EVENT_PREFIX):
            return {}
        if "all" in tree:
            return {"all": [without_event_fields(c) for c in tree["all"]]}
        if "any" in tree:
            parts = [without_event_fields(c) for c in tree["any"]]
            return {} if any(p == {} for p in parts) else {"any": parts}
        if "not" in tree:
            inner = without_event_fields(tree["not"])
            return {} if inner == {} else {"not": inner}
    return tree


@dataclass(frozen=True)
class DryRun:
    matched: int
    sample: list[Lead]
    ignored_event_fields: bool


def rule_dry_run(*, rule: Rule | None = None, campaign: Campaign, conditions: Any,
                 now: datetime, sample_size: int = 10) -> DryRun:
    """How many of the campaign's leads the condition matches now, and the first ten.

    Raises ConditionError for a bad condition (the editor shows it on the field)."""
    tree = without_event_fields(conditions or {})
    leads = Lead.objects.filter(campaign=campaign).filter(compile_q(tree, RULE_FIELDS, now))
    return DryRun(matched=leads.count(),
                  sample=list(leads.select_related("status").order_by("id")[:sample_size]),
                  ignored_event_fields=tree != (conditions or {}))
