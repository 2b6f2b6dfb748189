"""The template rules every new campaign starts with (the seed's examples), editable."""

from __future__ import annotations

from typing import Any

from leadflow.campaigns.models import Campaign
from leadflow.rules.models import Rule, RuleGroup, RuleKind
from leadflow.statuses.models import LeadStatus

ONLINE_SOURCE = "online"
HOLD_DAYS = 14


def _templates(status: dict[str, int]) -> list[tuple[str, list[dict[str, Any]]]]:
    personal, no_answer = status["Call Again - Personal"], status["No Answer"]
    return [
        ("New leads", [
            {"name": "Online leads first: weight +10000", "kind": RuleKind.EVENT,
             "triggers": [{"event": "lead_created"}],
             "conditions": {"all": [{"field": "source", "op": "eq", "value": ONLINE_SOURCE}]},
             "actions": [{"type": "change_weight", "mode": "add", "value": 10000}]},
        ]),
        ("Status changes", [
            {"name": "Update the CRM when an agent changes a status", "kind": RuleKind.EVENT,
             "triggers": [{"event": "status_changed"}],
             "conditions": {"all": [{"field": "event.agent", "op": "not_empty"}]},
             "actions": [{"type": "update_crm"}]},
            {"name": "Call Again - Personal: keep for the agent, dial at the appointed time",
             "kind": RuleKind.EVENT, "triggers": [{"event": "feedback_submitted"}],
             "conditions": {"all": [{"field": "status", "op": "eq", "value": personal}]},
             "actions": [{"type": "assign", "to": "event_agent"},
                         {"type": "schedule_callback", "at": "call_after",
                          "kind": "personal"}]},
            {"name": "No Answer 3 times in 12 hours: freeze for a day", "kind": RuleKind.EVENT,
             "triggers": [{"event": "feedback_submitted"}],
             "conditions": {"all": [{"field": f"status_count.{no_answer}.12h", "op": "gte",
                                     "value": 3}]},
             "actions": [{"type": "freeze", "days": 1}]},
        ]),
        ("Regular leads", [
            {"name": f"Personal holds return to the pool after {HOLD_DAYS} days",
             "kind": RuleKind.TIME, "hours": [3],
             "conditions": {"all": [
                 {"field": "status", "op": "eq", "value": personal},
                 {"field": "assigned_agent", "op": "not_empty"},
                 {"field": "hours_since_status_change", "op": "gte", "value": HOLD_DAYS * 24},
             ]},
             "actions": [{"type": "unassign"}]},
        ]),
    ]


def rules_create_defaults(*, campaign: Campaign) -> list[Rule]:
    """Create the template groups and rules; called in the campaign's creation transaction.

    Written directly (not through ``rule_create``): the templates are fixed and a test
    checks each one passes the same validation an admin's rule does."""
    status = dict(LeadStatus.objects.filter(campaign=campaign).values_list("name", "id"))
    if "Call Again - Personal" not in status or "No Answer" not in status:
        return []
    created = []
    for group_position, (title, rules) in enumerate(_templates(status), start=1):
        group = RuleGroup.objects.create(tenant_id=campaign.tenant_id, campaign=campaign,
                                         title=title, position=group_position)
        for position, fields in enumerate(rules, start=1):
            created.append(Rule.objects.create(tenant_id=campaign.tenant_id, group=group,
                                               campaign=campaign, position=position, **fields))
    return created
