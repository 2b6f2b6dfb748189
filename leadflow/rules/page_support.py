"""What the Rules pages need beyond the services: the builder's field list for one
campaign, the choice lists of the trigger and action editors, and one-line summaries.

Kept out of ``selectors.py`` / ``fields.py`` (the engine's modules): everything here is
presentation (labels, names instead of ids) and may change with the pages alone.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from leadflow.campaigns.models import Campaign
from leadflow.dialing.models import DialResult
from leadflow.rules.actions import ACTIONS, SETTABLE_COLUMNS
from leadflow.rules.engine import Trigger
from leadflow.rules.fields import CALLS_RE, RULE_FIELDS, STATUS_COUNT_RE, RuleFieldRegistry
from leadflow.rules.models import Rule, RuleKind
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Membership, Role
from leadflow.ui.conditions import OPERATOR_LABELS

# The windows the builder offers; a saved rule using another window still shows it
# (the builder adds the fields a tree uses), it is just not in the list up front.
STATUS_WINDOWS = ("12h", "24h", "7d")
CALL_WINDOWS = ("12h", "24h")
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
TRIGGER_LABELS = {t.value: t.value.replace("_", " ").capitalize() for t in Trigger}
# Which trigger filters mean something for which event (what its payload carries).
STATUS_FILTER_EVENTS = ("status_changed", "feedback_submitted")
DIAL_RESULT_EVENTS = ("call_finished", "feedback_submitted", "status_changed")


def _window_text(window: str) -> str:
    number, unit = window[:-1], window[-1]
    return f"{number} {'h' if unit == 'h' else 'days'}"


class CampaignRuleFields(RuleFieldRegistry):
    """``RULE_FIELDS`` with the window counts of one campaign listed and named readably.

    Accepts exactly what ``RULE_FIELDS`` accepts (``get`` delegates to it); it only adds
    names to ``names()`` so the builder offers them, and relabels the window counts
    ("Times in “Busy” in the last 12 h" rather than a status id).
    """

    def __init__(self, statuses: Sequence[tuple[int, str]]) -> None:
        super().__init__(list(RULE_FIELDS), custom=RULE_FIELDS.custom, name="rule")
        self.status_names = dict(statuses)
        self._windows = [f"status_count.{sid}.{w}" for sid, _ in statuses
                         for w in STATUS_WINDOWS]
        self._windows += [f"calls.{result}.{w}" for result in DialResult.values
                          for w in CALL_WINDOWS]

    def names(self) -> list[str]:
        return [*super().names(), *self._windows]

    def get(self, name: str) -> Any:
        spec = super().get(name)
        if spec is None:
            return None
        if match := STATUS_COUNT_RE.match(name):
            status = self.status_names.get(int(match.group(1)), f"#{match.group(1)}")
            window = _window_text(match.group(2) + match.group(3))
            return dataclasses.replace(spec, label=f"Times in “{status}” in the last {window}")
        if match := CALLS_RE.match(name):
            result = DialResult(match.group(1)).label
            window = _window_text(match.group(2) + "h")
            return dataclasses.replace(spec, label=f"Calls “{result}” in the last {window}")
        if name.startswith("event."):
            return dataclasses.replace(spec, label=f"Event: {spec.label}")
        return spec


@dataclasses.dataclass(frozen=True)
class RulePageData:
    """The campaign's names, read once per page, for choices and summaries."""

    statuses: list[tuple[int, str]]
    agents: list[tuple[int, str]]
    campaigns: list[tuple[int, str]]  # the tenant's other campaigns (move_campaign)
    own: tuple[int, str]  # this campaign: the ``campaign`` condition field may name it

    @property
    def status_names(self) -> dict[Any, str]:
        # Keyed by Any: summaries look up whatever a rule's JSON holds, valid or not.
        return dict(self.statuses)

    def registry(self) -> CampaignRuleFields:
        return CampaignRuleFields(self.statuses)

    def condition_choices(self) -> dict[str, list[tuple[Any, str]]]:
        """Names instead of ids in the builder, for every id field that has them."""
        triggers = [(t.value, TRIGGER_LABELS[t.value]) for t in Trigger]
        return {"status": self.statuses, "event.old_status": self.statuses,
                "event.new_status": self.statuses, "assigned_agent": self.agents,
                "event.agent": self.agents, "event.kind": triggers,
                "event.dial_result": list(DialResult.choices),
                "campaign": [self.own, *self.campaigns]}

    def editor_config(self) -> dict[str, Any]:
        """The JSON ``rules/rules.js`` draws the trigger and action editors from."""
        return {
            "triggers": [[t.value, TRIGGER_LABELS[t.value]] for t in Trigger],
            "statusEvents": list(STATUS_FILTER_EVENTS),
            "dialResultEvents": list(DIAL_RESULT_EVENTS),
            "statuses": self.statuses, "agents": self.agents, "campaigns": self.campaigns,
            "dialResults": [list(c) for c in DialResult.choices],
            "actions": [[name, action.label] for name, action in ACTIONS.items()],
            "columns": list(SETTABLE_COLUMNS),
        }


def page_data(campaign: Campaign) -> RulePageData:
    statuses = list(LeadStatus.objects.filter(campaign=campaign).order_by("position", "id")
                    .values_list("id", "name"))
    # Any member may be named (the service accepts every membership); agents first.
    members = (Membership.objects.filter(tenant_id=campaign.tenant_id)
               .order_by("user__username").values_list("user_id", "user__username", "role"))
    agents = [(uid, name) for uid, name, role in members if role == Role.AGENT]
    agents += [(uid, f"{name} ({role})") for uid, name, role in members if role != Role.AGENT]
    others = list(Campaign.objects.filter(tenant_id=campaign.tenant_id)
                  .exclude(id=campaign.id).order_by("name").values_list("id", "name"))
    return RulePageData(statuses=statuses, agents=agents, campaigns=others,
                        own=(campaign.id, campaign.name))


# --- one-line summaries of the Rules page --------------------------------------------

def trigger_summary(rule: Rule, data: RulePageData) -> str:
    if rule.kind == RuleKind.TIME:
        hours = ", ".join(f"{h:02d}:00" for h in sorted(rule.hours or []))
        days = (", ".join(WEEKDAY_NAMES[d] for d in sorted(rule.weekdays))
                if rule.weekdays else "every day")
        return f"{hours or 'no hours'} · {days}"
    names = data.status_names
    parts = []
    for trigger in rule.triggers or []:
        text = TRIGGER_LABELS.get(str(trigger.get("event")), str(trigger.get("event")))
        if trigger.get("from_status") or trigger.get("to_status"):
            text += (f": {names.get(trigger.get('from_status'), 'any')} → "
                     f"{names.get(trigger.get('to_status'), 'any')}")
        if trigger.get("dial_result"):
            text += f" ({trigger['dial_result']})"
        parts.append(text)
    return "; ".join(parts) or "no trigger"


def condition_summary(tree: Any, registry: CampaignRuleFields,
                      choices: Mapping[str, Sequence[tuple[Any, str]]]) -> str:
    """``Weight > 5 and (Status = Busy or Status = No Answer)``; "always" for {}."""
    labels = {name: dict(pairs) for name, pairs in choices.items()}

    def value(field: str, raw: Any) -> str:
        named = labels.get(field, {})
        if isinstance(raw, list):
            return "(" + ", ".join(str(named.get(v, v)) for v in raw) + ")"
        return str(named.get(raw, raw))

    def text(node: Any, top: bool) -> str:
        if not isinstance(node, Mapping) or not node:
            return "always"
        if "field" in node:
            spec = registry.get(str(node["field"]))
            name = spec.label if spec is not None and spec.label else str(node["field"])
            name = name[:1].upper() + name[1:]
            op = OPERATOR_LABELS.get(str(node.get("op")), str(node.get("op")))
            if "value" not in node:
                return f"{name} {op}"
            return f"{name} {op} {value(str(node['field']), node['value'])}"
        if "not" in node:
            return f"not ({text(node['not'], False)})"
        for key, joiner in (("all", " and "), ("any", " or ")):
            if isinstance(node.get(key), list):
                children = node[key]
                if not children:
                    return "always" if key == "all" else "never"
                inner = joiner.join(text(c, False) for c in children)
                return inner if top or len(children) == 1 else f"({inner})"
        return "?"

    return text(tree, True)


def _action_text(action: Mapping[str, Any], data: RulePageData) -> str:
    kind = action.get("type")
    statuses, agents = data.status_names, dict[Any, str](data.agents)
    if kind == "set_status":
        return f"Status → {statuses.get(action.get('status'), action.get('status'))}"
    if kind == "change_weight":
        sign = {"add": "+", "subtract": "−", "set": "= "}.get(str(action.get("mode")), "?")
        return f"Weight {sign}{action.get('value')}"
    if kind == "freeze":
        return (f"Freeze until {action['until']}" if "until" in action
                else f"Freeze {action.get('days')} day{'s' if action.get('days') != 1 else ''}")
    if kind == "assign":
        return ("Assign to the event's agent" if action.get("to") == "event_agent"
                else f"Assign to {agents.get(action.get('agent'), action.get('agent'))}")
    if kind == "schedule_callback":
        when = {"call_after": "at call after", "next_window": "next window"}.get(
            str(action.get("at")), f"in {action.get('hours')} h")
        return f"Callback {when} ({action.get('kind')})"
    if kind == "add_dnc":
        days = action.get("expires_days")
        return f"DNC ({action.get('scope')}{f', {days} days' if days else ''})"
    if kind == "move_campaign":
        campaigns = dict[Any, str](data.campaigns)
        return (f"Move to {campaigns.get(action.get('campaign'), action.get('campaign'))}"
                f" ({'status by name' if action.get('status') == 'by_name' else 'default status'})")
    if kind == "set_field":
        return f"Set {action.get('field')} = {action.get('value')!r}"
    return ACTIONS[kind].label if kind in ACTIONS else str(kind)


def actions_summary(actions: Any, data: RulePageData) -> list[str]:
    return [_action_text(a, data) for a in actions or [] if isinstance(a, Mapping)]
