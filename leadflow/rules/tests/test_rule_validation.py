"""A rule is checked whole when saved: every bad part is named, nothing is written."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.core.errors import NotFoundError
from leadflow.leads.tests.factories import status_named
from leadflow.rules.models import Rule
from leadflow.rules.services import rule_create, rule_group_create, rule_update
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db

GOOD_ACTIONS = [{"type": "change_weight", "mode": "add", "value": 1}]


def _errors(campaign: Campaign, **fields: Any) -> dict[str, list[str]]:
    group = rule_group_create(tenant=campaign.tenant, campaign_id=campaign.id, title="G")
    before = Rule.objects.count()
    fields = {"name": "r", "kind": "event", "triggers": [{"event": "feedback_submitted"}],
              "actions": GOOD_ACTIONS, **fields}
    with pytest.raises(ValidationError) as caught:
        rule_create(tenant=campaign.tenant, group_id=group.id, **fields)
    assert Rule.objects.count() == before
    return caught.value.message_dict


@pytest.mark.parametrize(("fields", "part", "says"), [
    ({"name": " "}, "name", "needs a name"),
    ({"kind": "sometimes"}, "kind", "must be one of"),
    ({"triggers": []}, "triggers", "at least one trigger"),
    ({"triggers": [{"event": "moon_rise"}]}, "triggers", "Trigger 1: the event must be"),
    ({"triggers": [{"event": "status_changed", "colour": 1}]}, "triggers", "unknown keys"),
    ({"actions": []}, "actions", "at least one action"),
    ({"actions": [{"type": "explode"}]}, "actions", "Action 1: unknown type"),
    ({"actions": [GOOD_ACTIONS[0], {"type": "change_weight", "mode": "double", "value": 1}]},
     "actions", "Action 2 (change_weight): 'mode' must be one of"),
    ({"actions": [{"type": "freeze", "days": 0}]}, "actions", "'days' must be a whole number"),
    ({"actions": [{"type": "freeze", "until": "next week"}]}, "actions", "YYYY-MM-DD"),
    ({"actions": [{"type": "set_status", "status": 999_999}]}, "actions", "is not a status"),
    ({"actions": [{"type": "assign", "to": "agent", "agent": 999_999}]}, "actions",
     "not a member"),
    ({"actions": [{"type": "set_field", "field": "phone", "value": "1"}]}, "actions",
     "'field' must be custom.<key> or one of"),
    ({"actions": [{"type": "move_campaign", "campaign": 999_999, "status": "default"}]},
     "actions", "not another campaign"),
    ({"conditions": {"all": [{"field": "shoe_size", "op": "eq", "value": 1}]}}, "conditions",
     "shoe_size"),
    ({"conditions": {"field": "calls.no_answer.12h", "op": "gte", "value": "x"}}, "conditions",
     "Conditions:"),
    ({"kind": "time", "triggers": [], "hours": [25]}, "hours", "0–23"),
    ({"kind": "time", "triggers": [], "hours": []}, "hours", "needs hours"),
    ({"kind": "time", "triggers": [], "hours": [3],
      "conditions": {"field": "event.agent", "op": "not_empty"}}, "conditions", "event"),
    ({"kind": "time", "triggers": [], "hours": [3],
      "actions": [{"type": "assign", "to": "event_agent"}]}, "actions", "no event agent"),
    ({"kind": "time", "triggers": [], "hours": [3],
      "actions": [{"type": "schedule_callback", "at": "call_after", "kind": "general"}]},
     "actions", "no submitted call_after"),
])
def test_a_bad_rule_is_refused_with_a_message_naming_the_part(
        campaign: Campaign, fields: dict[str, Any], part: str, says: str) -> None:
    errors = _errors(campaign, **fields)
    assert any(says in message for message in errors[part]), errors


def test_a_status_of_another_campaign_is_refused(tenant: Tenant, campaign: Campaign) -> None:
    other = make_campaign(tenant, name="Other")
    errors = _errors(campaign, actions=[{"type": "set_status",
                                         "status": status_named(other, "Busy").id}])
    assert "is not a status of campaign" in errors["actions"][0]


def test_another_tenants_group_and_rule_are_not_found(campaign: Campaign,
                                                      other_tenant: Tenant) -> None:
    group = rule_group_create(tenant=campaign.tenant, campaign_id=campaign.id, title="G")
    rule = rule_create(tenant=campaign.tenant, group_id=group.id, name="r", kind="event",
                       triggers=[{"event": "lead_created"}], actions=GOOD_ACTIONS)
    with pytest.raises(NotFoundError):
        rule_create(tenant=other_tenant, group_id=group.id, name="x")
    with pytest.raises(NotFoundError):
        rule_update(tenant=other_tenant, rule_id=rule.id, name="x")


def test_a_valid_time_rule_with_a_window_condition_is_saved(campaign: Campaign) -> None:
    group = rule_group_create(tenant=campaign.tenant, campaign_id=campaign.id, title="G")
    busy = status_named(campaign, "Busy")
    rule = rule_create(tenant=campaign.tenant, group_id=group.id, name="busy often",
                       kind="time", hours=[9, 17], weekdays=[0, 1, 2, 3, 4],
                       conditions={"any": [{"field": f"status_count.{busy.id}.7d", "op": "gt",
                                            "value": 2},
                                           {"field": "calls.busy.24h", "op": "gte",
                                            "value": 3}]},
                       actions=[{"type": "freeze", "days": 2}])
    assert Rule.objects.get(id=rule.id).hours == [9, 17]
