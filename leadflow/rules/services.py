"""Writes for rule groups and rules: every rule is validated whole before it is saved."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.selectors import campaign_get
from leadflow.core import clock
from leadflow.core.conditions import ConditionError, compile_q, validate
from leadflow.core.errors import NotFoundError
from leadflow.rules.actions import RunContext, actions_check
from leadflow.rules.engine import Trigger
from leadflow.rules.fields import EVENT_PREFIX, RULE_FIELDS
from leadflow.rules.models import Rule, RuleGroup, RuleKind
from leadflow.tenants.models import Tenant

GROUP_FIELDS = frozenset({"title", "is_enabled", "position"})
RULE_FIELDS_SETTABLE = frozenset({"name", "is_active", "position", "kind", "triggers", "hours",
                                  "weekdays", "conditions", "actions", "stop_processing",
                                  "group_id"})
TRIGGER_EVENTS = frozenset(t.value for t in Trigger)
TRIGGER_KEYS = frozenset({"event", "from_status", "to_status", "dial_result"})


def _reject_unknown(fields: Iterable[str], known: frozenset[str]) -> None:
    unknown = sorted(set(fields) - known)
    if unknown:
        raise ValidationError({name: "Unknown field." for name in unknown})


def rule_group_get(*, tenant: Tenant, group_id: int) -> RuleGroup:
    group = RuleGroup.objects.filter(tenant=tenant, id=group_id).first()
    if group is None:
        raise NotFoundError(f"Rule group {group_id} not found.")
    return group


def rule_get(*, tenant: Tenant, rule_id: int) -> Rule:
    rule = Rule.objects.filter(tenant=tenant, id=rule_id).select_related("group").first()
    if rule is None:
        raise NotFoundError(f"Rule {rule_id} not found.")
    return rule


def _group_fields(group: RuleGroup, fields: Mapping[str, Any]) -> None:
    _reject_unknown(fields, GROUP_FIELDS)
    for name, value in fields.items():
        setattr(group, name, value)
    if not str(group.title or "").strip():
        raise ValidationError({"title": "A rule group needs a title."})
    group.full_clean(exclude=["tenant", "campaign"])


@transaction.atomic
def rule_group_create(*, tenant: Tenant, campaign_id: int, **fields: Any) -> RuleGroup:
    campaign = campaign_get(tenant=tenant, campaign_id=campaign_id)
    last = RuleGroup.objects.filter(campaign=campaign).aggregate(m=Max("position"))["m"]
    group = RuleGroup(tenant=tenant, campaign=campaign, position=(last or 0) + 1)
    _group_fields(group, fields)
    group.save()
    return group


@transaction.atomic
def rule_group_update(*, tenant: Tenant, group_id: int, **fields: Any) -> RuleGroup:
    group = rule_group_get(tenant=tenant, group_id=group_id)
    _group_fields(group, fields)
    group.save()
    # Rules of a disabled group stop firing at once: event_rules_for filters on it.
    return group


@transaction.atomic
def rule_group_delete(*, tenant: Tenant, group_id: int) -> int:
    group = rule_group_get(tenant=tenant, group_id=group_id)
    count = group.rules.count()
    group.delete()
    return count


def _check_triggers(rule: Rule) -> list[str]:
    if rule.kind == RuleKind.TIME:
        return [] if not rule.triggers else ["A time-based rule has hours, not triggers."]
    if not isinstance(rule.triggers, list) or not rule.triggers:
        return ["An event-based rule needs at least one trigger."]
    problems = []
    for number, trigger in enumerate(rule.triggers, start=1):
        if not isinstance(trigger, dict) or trigger.get("event") not in TRIGGER_EVENTS:
            problems.append(f"Trigger {number}: the event must be one of "
                            f"{', '.join(t.value for t in Trigger)}.")
            continue
        unknown = sorted(set(trigger) - TRIGGER_KEYS)
        if unknown:
            problems.append(f"Trigger {number}: unknown keys {', '.join(unknown)}.")
    return problems


def _check_schedule(rule: Rule) -> list[str]:
    if rule.kind == RuleKind.EVENT:
        return [] if not rule.hours else ["An event-based rule has triggers, not hours."]
    problems = []
    hours, weekdays = rule.hours, rule.weekdays or []
    if not isinstance(hours, list) or not hours or not all(
            isinstance(h, int) and not isinstance(h, bool) and 0 <= h <= 23 for h in hours):
        problems.append("A time-based rule needs hours, each a whole number 0–23.")
    if not isinstance(weekdays, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in weekdays):
        problems.append("Weekdays are numbers 0 (Monday) … 6 (Sunday).")
    return problems


def _check_conditions(rule: Rule) -> list[str]:
    try:
        validate(rule.conditions, RULE_FIELDS)
        if rule.kind == RuleKind.TIME:
            # A sweep runs the condition as SQL: compiling now rejects event fields
            # and anything else without a database form, when it is saved.
            compile_q(rule.conditions, RULE_FIELDS, clock.now())
    except ConditionError as exc:
        return [f"Conditions: {exc}"]
    if rule.kind == RuleKind.TIME and EVENT_PREFIX in str(rule.conditions):
        return ["Conditions: a time-based rule has no event to read event.* fields from."]
    return []


def rule_check(rule: Rule, campaign: Campaign) -> None:
    """Raise one ValidationError listing every problem of the rule, by part."""
    errors: dict[str, list[str]] = {}
    if not str(rule.name or "").strip():
        errors["name"] = ["A rule needs a name."]
    if rule.kind not in RuleKind.values:
        errors["kind"] = [f"The type must be one of {', '.join(RuleKind.values)}."]
    else:
        if problems := _check_triggers(rule):
            errors["triggers"] = problems
        if problems := _check_schedule(rule):
            errors["hours"] = problems
        if problems := _check_conditions(rule):
            errors["conditions"] = problems
        ctx = RunContext(tenant=campaign.tenant, campaign=campaign, rule_name=rule.name,
                         at=clock.now(), is_sweep=rule.kind == RuleKind.TIME)
        if problems := actions_check(rule.actions, ctx):
            errors["actions"] = problems
    if errors:
        raise ValidationError(errors)


def _apply_rule_fields(tenant: Tenant, rule: Rule, fields: Mapping[str, Any]) -> None:
    _reject_unknown(fields, RULE_FIELDS_SETTABLE)
    for name, value in fields.items():
        if name == "group_id":
            group = rule_group_get(tenant=tenant, group_id=value)
            if group.campaign_id != rule.campaign_id:
                raise ValidationError({"group_id": "The group belongs to another campaign."})
            rule.group = group
        else:
            setattr(rule, name, value)
    if rule.kind == RuleKind.EVENT:
        rule.weekdays = []
    rule_check(rule, rule.campaign)


@transaction.atomic
def rule_create(*, tenant: Tenant, group_id: int, **fields: Any) -> Rule:
    group = rule_group_get(tenant=tenant, group_id=group_id)
    last = Rule.objects.filter(group=group).aggregate(m=Max("position"))["m"]
    rule = Rule(tenant=tenant, group=group, campaign=group.campaign, position=(last or 0) + 1)
    _apply_rule_fields(tenant, rule, fields)
    rule.save()
    return rule


@transaction.atomic
def rule_update(*, tenant: Tenant, rule_id: int, **fields: Any) -> Rule:
    rule = rule_get(tenant=tenant, rule_id=rule_id)
    _apply_rule_fields(tenant, rule, fields)
    rule.save()
    return rule


@transaction.atomic
def rule_delete(*, tenant: Tenant, rule_id: int) -> None:
    rule_get(tenant=tenant, rule_id=rule_id).delete()
