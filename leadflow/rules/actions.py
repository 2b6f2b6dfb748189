"""The action catalogue: what a rule does to a lead, one row at a time or set-based.

Every action has three faces, kept side by side so they cannot drift apart:

* ``check(params, ctx)``: validation when a rule is saved (raises ``ActionError``);
* ``one(lead, params, run)``: the event path, mutating a locked ``Lead`` in memory
  (the engine saves it once per rule) and writing side rows (DNC, outbox) directly;
* ``many(ids, params, run)``: the sweep path, one or two set-based statements over a
  chunk of lead ids inside the chunk's transaction.

Actions are JSON objects ``{"type": "change_weight", "mode": "add", "value": 10}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.db.models.functions import Greatest

from leadflow.campaigns.models import Campaign
from leadflow.dialing.hours import hours_policy
from leadflow.dialing.sqlany import AnyOf
from leadflow.leads.dnc import dnc_entry_add, dnc_refresh_leads
from leadflow.leads.models import CallbackKind, DncEntry, Lead, ZoneSet
from leadflow.rules.jsonset import JSONSetKey
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Membership, Tenant

MAX_WEIGHT = 2_000_000_000
# Every column an action may change: what a rule application's LeadEvent compares.
TOUCHED = ("status_id", "last_status_change_at", "weight", "frozen_until", "assigned_agent_id",
           "callback_at", "callback_kind", "callback_zone", "is_blacklisted", "campaign_id",
           "attempts", "attempts_today", "attempts_day", "custom_fields", "first_name",
           "last_name", "email", "language", "source", "region", "postal_code", "created_at")
SETTABLE_COLUMNS = {"first_name": 80, "last_name": 80, "email": 254, "language": 16,
                    "source": 100, "region": 64, "postal_code": 16}


class ActionError(ValueError):
    """A bad action: the message names the action and the parameter."""


@dataclass
class RunContext:
    """What actions need to know about the rule application they belong to."""

    tenant: Tenant
    campaign: Campaign
    rule_name: str
    at: datetime
    is_sweep: bool
    event: Mapping[str, Any] = field(default_factory=dict)
    moved_to: int | None = None  # set by move_campaign: the engine stops for the lead
    _zones: dict[int, list[str]] = field(default_factory=dict)


# --- parameter helpers ---------------------------------------------------------------

def _int(params: Mapping[str, Any], key: str, *, low: int, high: int) -> int:
    value = params.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ActionError(f"'{key}' must be a whole number from {low} to {high}")
    return value


def _id(params: Mapping[str, Any], key: str) -> int:
    return _int(params, key, low=1, high=2**62)


def _choice(params: Mapping[str, Any], key: str, choices: Sequence[str]) -> str:
    value = params.get(key)
    if value not in choices:
        raise ActionError(f"'{key}' must be one of {', '.join(choices)}")
    return str(value)


def _status_in(campaign: Campaign, status_id: Any) -> LeadStatus:
    status = LeadStatus.objects.filter(campaign=campaign, id=status_id).first() if (
        isinstance(status_id, int) and not isinstance(status_id, bool)) else None
    if status is None:
        raise ActionError(f"status {status_id!r} is not a status of campaign “{campaign}”")
    return status


def _freeze_until(params: Mapping[str, Any], ctx: RunContext) -> datetime:
    if "until" in params:
        day = date.fromisoformat(str(params["until"]))
        return datetime.combine(day, time(0), ZoneInfo(ctx.tenant.time_zone))
    return ctx.at + timedelta(days=_int(params, "days", low=1, high=3650))


# --- the actions ---------------------------------------------------------------------

class Action:
    label = ""
    # The columns (of TOUCHED) this action's forms may change: a sweep's LeadEvents
    # compare only the columns its rule's actions touch.
    touches: tuple[str, ...] = TOUCHED

    def touched(self, params: Mapping[str, Any]) -> tuple[str, ...]:
        return self.touches

    def check(self, params: Mapping[str, Any], ctx: RunContext) -> None:
        """Raise ActionError when ``params`` are wrong for this rule."""

    def one(self, lead: Lead, params: Mapping[str, Any], ctx: RunContext) -> None:
        raise NotImplementedError

    def many(self, ids: list[int], params: Mapping[str, Any], ctx: RunContext) -> None:
        raise NotImplementedError


def _leads(ids: list[int]) -> QuerySet[Lead]:
    """The leads ``ids``, as one array parameter on PostgreSQL: a chunk of 5,000 ids as
    5,000 placeholders cost more to bind than the UPDATE took to run."""
    return Lead.objects.filter(AnyOf("id", ids))


def _update(ids: list[int], **assignments: Any) -> None:
    _leads(ids).update(**assignments)


class SetStatus(Action):
    label = "Set status"
    touches = ("status_id", "last_status_change_at")

    def check(self, params: Mapping[str, Any], ctx: RunContext) -> None:
        _status_in(ctx.campaign, params.get("status"))

    def one(self, lead: Lead, params: Mapping[str, Any], ctx: RunContext) -> None:
        if lead.status_id != params["status"]:
            lead.status_id = params["status"]
            lead.last_status_change_at = ctx.at

    def many(self, ids: list[int], params: Mapping[str, Any], ctx: RunContext) -> None:
        _leads(ids).exclude(status_id=params["status"]).update(
            status_id=params["status"], last_status_change_at=ctx.at)


class ChangeWeight(Action):
    label = "Change weight"
    touches = ("weight",)

    def check(self, params: Mapping[str, Any], ctx: RunContext) -> None:
        _choice(params, "mode", ("add", "subtract", "set"))
        _int(params, "value", low=-MAX_WEIGHT if params["mode"] == "set" else 0,
             high=MAX_WEIGHT)

    @staticmethod
    def _delta(params: Mapping[str, Any]) -> int:
        return int(params["value"]) * (-1 if params["mode"] == "subtract" else 1)

    def one(self, lead: Lead, params: Mapping[str, Any], ctx: RunContext) -> None:
        if params["mode"] == "set":
            lead.weight = int(params["value"])
        else:
            lead.weight = max(-MAX_WEIGHT, min(MAX_WEIGHT, lead.weight + self._delta(params)))

    def many(self, ids: list[int], params: Mapping[str, Any], ctx: RunContext) -> None:
        if params["mode"] == "set":
            _update(ids, weight=int(params["value"]))
            return
        # Clamped like the Python path: an integer column must never overflow.
        delta = self._delta(params)
        new = Greatest(F("weight") + delta, Value(-MAX_WEIGHT)) if delta < 0 else Case(
            When(weight__gt=MAX_WEIGHT - delta, then=Value(MAX_WEIGHT)),
            default=F("weight") + delta, output_field=IntegerField())
        _update(ids, weight=new)


class Freeze(Action):
    label = "Freeze (remove from the pool)"
    touches = ("frozen_until",)

    def check(self, params: Mapping[str, Any], ctx: RunContext) -> None:
        if "until" in params:
            try:
                date.fromisoformat(str(params["until"]))
            except ValueError as exc:
                raise ActionError("'until' must be a date YYYY-MM-DD") from exc
        else:
            _int(params, "days", low=1, high=3650)

    def one(self, lead: Lead, params: Mapping[str, Any], ctx: RunContext) -> None:
        lead.frozen_until = _freeze_until(params, ctx)

    def many(self, ids: list[int], params: Mapping[str, Any], ctx: RunContext) -> None:
        _update(ids, frozen_until=_freeze_until(params, ctx))


class Unfreeze(Action):
    label = "Unfreeze"
    touches = ("frozen_until",)

    def one(self, lead: Lead, params: Mapping[str, Any], ctx: RunContext) -> None:
        lead.frozen_until = None

    def many(self, ids: list[int], params: Mapping[str, Any], ctx: RunContext) -> None:
        _leads(ids).filter(frozen_until__isnull=False).update(frozen_until=None)


class Assign(Action):
    label = "Assign permanently"
    touches = ("assigned_agent_id",)

    def check(self, params: Mapping[str, Any], ctx: RunContext) -> None:
        to = _choice(params, "to", ("event_agent", "agent"))
        if to == "event_agent" and ctx.is_sweep:
            raise ActionError("a time-based rule has no event agent: name an agent")
        if to == "agent" and not Membership.objects.filter(
                tenant=ctx.tenant, user_id=_id(params, "agent")).exists():
            raise ActionError(f"agent {params.get('agent')!r} is not a member of this tenant")

    def _agent(self, params: Mapping[str, Any], ctx: RunContext) -> int | None:
        if params["to"] == "agent":
            return int(params["agent"])
        agent = ctx.event.get("agent")
        return int(agent) if agent is not None else None

    def one(self, lead: Lead, params: Mapping[str, Any], ctx: RunContext) -> None:
        agent = self._agent(params, ctx)
        if agent is not None:  # an event without an agent (a CRM update) assigns nobody
            lead.assigned_agent_id = agent

    def many(self, ids: list[int], params: Mapping[str, Any], ctx: RunContext) -> None:
        _update(ids, assigned_agent_id=self._agent(params, ctx))


class Unassign(Action):
    label = "Unassign"
    touches = ("assigned_agent_id",)

    def one(self, lead: Lead, params: Mapping[str, Any], ctx: RunContext) -> None:
        lead.assigned_agent_id = None

    def many(self, ids: list[int], params: Mapping[str, Any], ctx: RunContext) -> None:
        _leads(ids).filter(assigned_agent__isnull=False).update(
            assigned_agent=None)


class ScheduleCallback(Action):
    """At the submitted call_after, in N hours, or at the next calling window."""

    label = "Schedule a callback"
    touches = ("callback_at", "callback_kind", "callback_zone")

    def check(self, params: Mapping[str, Any], ctx: RunContext) -> None:
        at = _choice(params, "at", ("call_after", "in_hours", "next_window"))
        _choice(params, "kind", ("personal", "general"))
        if at == "in_hours":
            _int(params, "hours", low=0, high=24 * 366)
        if at == "call_after" and ctx.is_sweep:
            raise ActionError("a time-based rule has no submitted call_after")

    def _zones(self, ctx: RunContext, zone_set_id: int | None) -> list[str] | None:
        if zone_set_id is None:
            return None
        if zone_set_id not in ctx._zones:
            ctx._zones[zone_set_id] = ZoneSet.objects.get(id=zone_set_id).zone_names
        return ctx._zones[zone_set_id]

    def _when(self, params: Mapping[str, Any], ctx: RunContext, *, zones: list[str] | None,
              country: str, region: str) -> datetime | None:
        if params["at"] == "call_after":
            wanted = ctx.event.get("call_after")
            if wanted is None:
                return None
        elif params["at"] == "in_hours":
            wanted = ctx.at + timedelta(hours=int(params["hours"]))
        else:
            wanted = ctx.at
        # Like an agent's callback: outside calling hours it moves to the next window.
        policy = hours_policy(ctx.campaign)
        return policy.next_open(zones, wanted, country=country, region=region) or wanted

    def one(self, lead: Lead, params: Mapping[str, Any], ctx: RunContext) -> None:
        zones = self._zones(ctx, lead.zone_set_id)
        when = self._when(params, ctx, zones=zones, country=lead.country, region=lead.region)
        if when is not None:
            lead.callback_at = when
            lead.callback_kind = CallbackKind(params["kind"])
            lead.callback_zone = zones[0] if zones else ctx.campaign.time_zone

    def many(self, ids: list[int], params: Mapping[str, Any], ctx: RunContext) -> None:
        # The next window depends on the zones and the country/region rules: one
        # UPDATE per distinct (zone set, country, region) in the chunk, a handful.
        groups = (_leads(ids)
                  .values_list("zone_set_id", "country", "region").distinct())
        for zone_set_id, country, region in groups:
            zones = self._zones(ctx, zone_set_id)
            when = self._when(params, ctx, zones=zones, country=country, region=region)
            _leads(ids).filter(zone_set_id=zone_set_id, country=country,
                                region=region).update(
                callback_at=when, callback_kind=params["kind"],
                callback_zone=zones[0] if zones else ctx.campaign.time_zone)


class AddToDnc(Action):
    label = "Add to do-not-call"
    touches = ("is_blacklisted",)

    def check(self, params: Mapping[str, Any], ctx: RunContext) -> None:
        _choice(params, "scope", ("tenant", "campaign"))
        if params.get("expires_days") is not None:
            _int(params, "expires_days", low=1, high=3650)

    def _expiry(self, params: Mapping[str, Any], ctx: RunContext) -> datetime | None:
        days = params.get("expires_days")
        return ctx.at + timedelta(days=int(days)) if days else None

    def one(self, lead: Lead, params: Mapping[str, Any], ctx: RunContext) -> None:
        dnc_entry_add(tenant=ctx.tenant, phone=lead.phone,
                      campaign_id=lead.campaign_id if params["scope"] == "campaign" else None,
                      expires_at=self._expiry(params, ctx), reason=f"Rule “{ctx.rule_name}”",
                      added_via=f"rule “{ctx.rule_name}”"[:100])
        lead.is_blacklisted = True

    def many(self, ids: list[int], params: Mapping[str, Any], ctx: RunContext) -> None:
        campaign_id = ctx.campaign.id if params["scope"] == "campaign" else None
        phones = set(_leads(ids).values_list("phone", flat=True))
        scope = DncEntry.objects.filter(tenant=ctx.tenant, phone__in=phones)
        scope = (scope.filter(campaign_id=campaign_id) if campaign_id is not None
                 else scope.filter(campaign__isnull=True))
        known = set(scope.values_list("phone", flat=True))
        DncEntry.objects.bulk_create([
            DncEntry(tenant=ctx.tenant, campaign_id=campaign_id, phone=phone,
                     expires_at=self._expiry(params, ctx), reason=f"Rule “{ctx.rule_name}”",
                     added_via=f"rule “{ctx.rule_name}”"[:100])
            for phone in sorted(phones - known)])
        dnc_refresh_leads(tenant=ctx.tenant, phones=phones, at=ctx.at)


class MoveCampaign(Action):
    """Move the lead to another campaign, its status mapped by name or to the default."""

    label = "Move to another campaign"
    touches = ("campaign_id", "status_id", "created_at", "last_status_change_at",
               "assigned_agent_id", "callback_at", "callback_kind", "attempts_today",
               "attempts_day")

    def check(self, params: Mapping[str, Any], ctx: RunContext) -> None:
        _choice(params, "status", ("by_name", "default"))
        target = _id(params, "campaign")
        if target == ctx.campaign.id or not Campaign.objects.filter(
                tenant=ctx.tenant, id=target).exists():
            raise ActionError(f"campaign {target!r} is not another campaign of this tenant")
        if not LeadStatus.objects.filter(campaign_id=target,
                                         is_default_for_new_leads=True).exists():
            raise ActionError("the target campaign has no default status for new leads")

    @staticmethod
    def status_map(ctx: RunContext, target: int, mode: str) -> tuple[dict[int, int], int]:
        """Old status id → target status id, and the target's default status id."""
        targets = {s.name: s.id for s in LeadStatus.objects.filter(campaign_id=target)}
        default = LeadStatus.objects.get(campaign_id=target, is_default_for_new_leads=True).id
        if mode == "default":
            return {}, default
        mine = LeadStatus.objects.filter(campaign=ctx.campaign).values_list("id", "name")
        return {sid: targets[name] for sid, name in mine if name in targets}, default

    def one(self, lead: Lead, params: Mapping[str, Any], ctx: RunContext) -> None:
        mapping, default = self.status_map(ctx, params["campaign"], params["status"])
        new_status = mapping.get(lead.status_id or 0, default)
        if new_status != lead.status_id:
            lead.last_status_change_at = ctx.at
        lead.campaign_id, lead.status_id = params["campaign"], new_status
        # ``created_at`` is the lead's entry into its campaign (age, time exclusions).
        lead.created_at = ctx.at
        # A hold, a callback and attempts belong to the old campaign's agents and caps.
        lead.assigned_agent_id, lead.callback_at, lead.callback_kind = None, None, ""
        lead.attempts_today, lead.attempts_day = 0, None
        ctx.moved_to = params["campaign"]

    def many(self, ids: list[int], params: Mapping[str, Any], ctx: RunContext) -> None:
        mapping, default = self.status_map(ctx, params["campaign"], params["status"])
        status = Case(*[When(status_id=old, then=Value(new)) for old, new in mapping.items()],
                      default=Value(default), output_field=IntegerField()) if mapping else (
            Value(default))
        _update(ids, campaign_id=params["campaign"], status_id=status, created_at=ctx.at,
                last_status_change_at=ctx.at, assigned_agent=None, callback_at=None,
                callback_kind="", attempts_today=0, attempts_day=None)


class SetField(Action):
    label = "Set a field"

    def touched(self, params: Mapping[str, Any]) -> tuple[str, ...]:
        name = str(params["field"])
        return ("custom_fields",) if name.startswith("custom.") else (name,)

    def check(self, params: Mapping[str, Any], ctx: RunContext) -> None:
        name, value = params.get("field"), params.get("value")
        if isinstance(name, str) and name.startswith("custom."):
            if not name[7:] or len(name) > 71:
                raise ActionError("'field' names a custom field: custom.<key>")
            if not (value is None or isinstance(value, str | int | float | bool)):
                raise ActionError("a custom field's value is text, a number, true/false")
            return
        if name not in SETTABLE_COLUMNS:
            raise ActionError(f"'field' must be custom.<key> or one of "
                              f"{', '.join(SETTABLE_COLUMNS)}")
        if not isinstance(value, str) or len(value) > SETTABLE_COLUMNS[name] or "\x00" in value:
            raise ActionError(f"'value' must be text of at most {SETTABLE_COLUMNS[name]} "
                              "characters")

    def one(self, lead: Lead, params: Mapping[str, Any], ctx: RunContext) -> None:
        name = str(params["field"])
        if name.startswith("custom."):
            lead.custom_fields = {**(lead.custom_fields or {}), name[7:]: params["value"]}
        else:
            setattr(lead, name, params["value"])

    def many(self, ids: list[int], params: Mapping[str, Any], ctx: RunContext) -> None:
        name = str(params["field"])
        if name.startswith("custom."):
            _update(ids, custom_fields=JSONSetKey("custom_fields", name[7:], params["value"]))
        else:
            _update(ids, **{name: params["value"]})


class ResetAttempts(Action):
    label = "Reset attempts"
    touches = ("attempts", "attempts_today", "attempts_day")

    def one(self, lead: Lead, params: Mapping[str, Any], ctx: RunContext) -> None:
        lead.attempts, lead.attempts_today, lead.attempts_day = 0, 0, None

    def many(self, ids: list[int], params: Mapping[str, Any], ctx: RunContext) -> None:
        _update(ids, attempts=0, attempts_today=0, attempts_day=None)


class UpdateCrm(Action):
    """Queue an outbox row carrying the lead's status as the CRM knows it (its mapping)."""

    label = "Update the CRM"
    touches = ()

    def one(self, lead: Lead, params: Mapping[str, Any], ctx: RunContext) -> None:
        """Nothing yet: ``engine.apply_rule`` queues the row after saving the lead, so
        it carries the status the rule's later actions leave, not an intermediate one."""

    def many(self, ids: list[int], params: Mapping[str, Any], ctx: RunContext) -> None:
        """Nothing yet either: ``setwise.apply_set`` queues the rows after every action,
        with the caller's idempotency keys. Queueing here too sent each lead twice,
        once with a status the rule's later actions may still change."""


ACTIONS: dict[str, Action] = {
    "set_status": SetStatus(),
    "change_weight": ChangeWeight(),
    "freeze": Freeze(),
    "unfreeze": Unfreeze(),
    "assign": Assign(),
    "unassign": Unassign(),
    "schedule_callback": ScheduleCallback(),
    "add_dnc": AddToDnc(),
    "move_campaign": MoveCampaign(),
    "set_field": SetField(),
    "reset_attempts": ResetAttempts(),
    "update_crm": UpdateCrm(),
}

ActionCheck = Callable[[Mapping[str, Any], RunContext], None]


def actions_check(actions: Any, ctx: RunContext) -> list[str]:
    """Every problem of an action list, each naming the action by its position."""
    if not isinstance(actions, list) or not actions:
        return ["A rule needs at least one action."]
    problems: list[str] = []
    for number, action in enumerate(actions, start=1):
        if not isinstance(action, dict) or action.get("type") not in ACTIONS:
            problems.append(f"Action {number}: unknown type "
                            f"{action.get('type') if isinstance(action, dict) else action!r}; "
                            f"one of {', '.join(ACTIONS)}.")
            continue
        try:
            ACTIONS[action["type"]].check(action, ctx)
        except (ActionError, KeyError, TypeError, ValueError) as exc:
            problems.append(f"Action {number} ({action['type']}): {exc}.")
    return problems
