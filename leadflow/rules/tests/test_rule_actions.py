"""Each action does what it says, and its row form and set form leave the same lead."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.crm.models import OutboxMessage
from leadflow.dialing.tests.conftest import AT, make_agent
from leadflow.leads.models import DncEntry, Lead
from leadflow.leads.tests.factories import make_lead, status_named
from leadflow.rules.actions import ACTIONS, TOUCHED
from leadflow.rules.engine import RuleEvent, Trigger, lead_state
from leadflow.rules.setwise import apply_set
from leadflow.rules.tests.support import add_rule, clear_template_rules, fire, rule_events
from leadflow.statuses.services import status_set_api_mapping
from leadflow.statuses.tests.factories import make_mapping

pytestmark = pytest.mark.django_db

Check = Callable[[Lead, Campaign], None]


def _frozen_days(days: int) -> Check:
    def check(lead: Lead, campaign: Campaign) -> None:
        assert lead.frozen_until == AT + timedelta(days=days)
    return check


def _case(name: str, action: dict[str, Any], check: Check,
          lead_fields: dict[str, Any] | None = None) -> Any:
    return pytest.param(action, check, lead_fields or {}, id=name)


def _status(name: str) -> Check:
    def check(lead: Lead, campaign: Campaign) -> None:
        assert lead.status_id == status_named(campaign, name).id
        assert lead.last_status_change_at == AT
    return check


CASES = [
    _case("set status", {"type": "set_status", "status": "Busy"}, _status("Busy")),
    _case("weight +N", {"type": "change_weight", "mode": "add", "value": 7},
          lambda lead, c: _eq(lead.weight, 12), {"weight": 5}),
    _case("weight -N", {"type": "change_weight", "mode": "subtract", "value": 7},
          lambda lead, c: _eq(lead.weight, -2), {"weight": 5}),
    _case("weight =N", {"type": "change_weight", "mode": "set", "value": 40},
          lambda lead, c: _eq(lead.weight, 40), {"weight": 5}),
    _case("weight clamps", {"type": "change_weight", "mode": "add", "value": 2_000_000_000},
          lambda lead, c: _eq(lead.weight, 2_000_000_000), {"weight": 5}),
    _case("freeze N days", {"type": "freeze", "days": 14}, _frozen_days(14)),
    _case("freeze until a date", {"type": "freeze", "until": "2026-04-01"},
          lambda lead, c: _eq(lead.frozen_until,  # midnight in the tenant's zone
                              datetime(2026, 4, 1, tzinfo=ZoneInfo(c.tenant.time_zone)))),
    _case("unfreeze", {"type": "unfreeze"}, lambda lead, c: _eq(lead.frozen_until, None),
          {"frozen_until": AT + timedelta(days=3)}),
    _case("unassign", {"type": "unassign"}, lambda lead, c: _eq(lead.assigned_agent_id, None),
          {"assigned_agent": "agent"}),
    _case("assign a named agent", {"type": "assign", "to": "agent", "agent": "agent"},
          lambda lead, c: _eq(lead.assigned_agent.username, "ann")),  # type: ignore[union-attr]
    _case("callback in N hours", {"type": "schedule_callback", "at": "in_hours",
                                  "hours": 3, "kind": "general"},
          lambda lead, c: _eq((lead.callback_at, lead.callback_kind),
                              (AT + timedelta(hours=3), "general"))),
    _case("callback at the next window (now, inside hours)",
          {"type": "schedule_callback", "at": "next_window", "kind": "personal"},
          lambda lead, c: _eq((lead.callback_at, lead.callback_kind), (AT, "personal"))),
    _case("set a column", {"type": "set_field", "field": "language", "value": "es"},
          lambda lead, c: _eq(lead.language, "es")),
    _case("set a custom field", {"type": "set_field", "field": "custom.tier", "value": "gold"},
          lambda lead, c: _eq(lead.custom_fields, {"keep": 1, "tier": "gold"}),
          {"custom_fields": {"keep": 1}}),
    _case("reset attempts", {"type": "reset_attempts"},
          lambda lead, c: _eq((lead.attempts, lead.attempts_today), (0, 0)),
          {"attempts": 4, "attempts_today": 2}),
    _case("add to DNC (campaign)", {"type": "add_dnc", "scope": "campaign", "expires_days": 30},
          lambda lead, c: _eq((lead.is_blacklisted, DncEntry.objects.get(
              phone=lead.phone).expires_at), (True, AT + timedelta(days=30)))),
]


def _eq(actual: Any, expected: Any) -> None:
    assert actual == expected


def _resolve(campaign: Campaign, agent: Any, value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _resolve(campaign, agent, v) for k, v in value.items()}
    if value == "agent":
        return agent.pk if isinstance(value, str) else value
    if isinstance(value, str) and value in {"Busy"}:
        return status_named(campaign, value).id
    return value


@pytest.fixture
def bare(campaign: Campaign) -> Campaign:
    clear_template_rules(campaign)
    return campaign


@pytest.mark.parametrize(("action", "check", "lead_fields"), CASES)
def test_each_action_changes_the_lead_the_same_way_row_by_row_and_set_based(
        bare: Campaign, agent: Any, action: dict[str, Any], check: Check,
        lead_fields: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from leadflow.core import clock
    monkeypatch.setattr(clock, "now", lambda: AT)
    action = {k: (_resolve(bare, agent, v) if k in ("status", "agent") else v)
              for k, v in action.items()}
    fields = {"first_name": "Twin", "last_name": "Lead", "email": "", "region": "",
              "created_at": AT - timedelta(days=1),
              **{k: (agent if v == "agent" else v) for k, v in lead_fields.items()}}
    by_row = make_lead(bare, phone="+12125550111", **fields)
    by_set = make_lead(bare, phone="+12125550122", **fields)
    rule = add_rule(bare, name="under test", triggers=[{"event": "feedback_submitted"}],
                    actions=[action])
    fire(by_row, RuleEvent(Trigger.FEEDBACK_SUBMITTED), AT)
    with transaction.atomic():
        apply_set(tenant=bare.tenant, campaign=bare, rule_name=rule.name, actions=[action],
                  ids=[by_set.id], at=AT, extra={})
    row_lead, set_lead = Lead.objects.get(id=by_row.id), Lead.objects.get(id=by_set.id)
    check(row_lead, bare)
    check(set_lead, bare)
    assert lead_state(row_lead) == lead_state(set_lead)
    row_event, set_event = rule_events(row_lead)[0], rule_events(set_lead)[0]
    assert row_event.new["actions"] == [action["type"]]
    assert set_event.rule_name == "under test"
    # The set form's event compares only the columns the action declares it touches:
    # an undeclared change would be missing from it.
    assert ((_columns(set_event.old), _columns(set_event.new))
            == (_columns(row_event.old), _columns(row_event.new)))
    assert set(row_event.old) <= set(ACTIONS[action["type"]].touched(action))


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    """The lead columns of an event's old or new side, times compared as instants
    (the row form records a zone's offset, the set form UTC)."""
    def instant(value: Any) -> Any:
        try:
            return datetime.fromisoformat(value) if isinstance(value, str) else value
        except ValueError:
            return value
    return {k: instant(v) for k, v in values.items() if k in TOUCHED}


def test_move_to_another_campaign_maps_the_status_by_name_and_runs_its_new_lead_rules(
        bare: Campaign) -> None:
    target = make_campaign(bare.tenant, name="Target")
    clear_template_rules(target)
    add_rule(target, triggers=[{"event": "lead_created"}],
             actions=[{"type": "set_field", "field": "custom.arrived", "value": True}])
    add_rule(bare, triggers=[{"event": "feedback_submitted"}],
             actions=[{"type": "move_campaign", "campaign": target.id, "status": "by_name"}])
    lead = make_lead(bare, status=status_named(bare, "Busy"))
    fire(lead, RuleEvent(Trigger.FEEDBACK_SUBMITTED), AT)
    moved = Lead.objects.get(id=lead.id)
    assert moved.campaign_id == target.id
    assert moved.status_id == status_named(target, "Busy").id
    assert moved.custom_fields == {"arrived": True}
    assert moved.created_at == AT  # entry into the new campaign: age counts from here


def test_update_crm_queues_the_final_mapped_status_after_the_rules_other_actions(
        bare: Campaign) -> None:
    mapping = make_mapping(bare.tenant, code="CALLBACK")
    busy = status_named(bare, "Busy")
    status_set_api_mapping(tenant=bare.tenant, status_id=busy.id, api_mapping_id=mapping.id)
    add_rule(bare, triggers=[{"event": "feedback_submitted"}],
             actions=[{"type": "update_crm"}, {"type": "set_status", "status": busy.id}])
    lead = make_lead(bare, external_id="CRM-1")
    fire(lead, RuleEvent(Trigger.FEEDBACK_SUBMITTED), AT)
    message = OutboxMessage.objects.get(lead_id=lead.id)
    assert message.payload["crm_status"] == "CALLBACK"
    assert message.payload["external_id"] == "CRM-1"
    assert message.state == "pending" and message.topic == "lead.status"


def test_assign_to_the_event_agent_takes_the_agent_from_the_event(bare: Campaign) -> None:
    bob = make_agent(bare.tenant, "bob")
    add_rule(bare, triggers=[{"event": "feedback_submitted"}],
             actions=[{"type": "assign", "to": "event_agent"}])
    lead = make_lead(bare)
    fire(lead, RuleEvent(Trigger.FEEDBACK_SUBMITTED, {"agent": bob.pk}), AT)
    assert Lead.objects.get(id=lead.id).assigned_agent_id == bob.pk


def test_a_callback_outside_calling_hours_moves_to_the_next_window(tenant: Any) -> None:
    weekdays_nine_to_five = {day: {"start": "09:00", "end": "17:00"}
                             for day in ("mon", "tue", "wed", "thu", "fri")}
    campaign = make_campaign(tenant, calling_hours=weekdays_nine_to_five,
                             time_zone="America/New_York")
    clear_template_rules(campaign)
    add_rule(campaign, triggers=[{"event": "feedback_submitted"}],
             actions=[{"type": "schedule_callback", "at": "in_hours", "hours": 3,
                       "kind": "general"}])
    lead = make_lead(campaign)
    # 15:00 New York + 3 h = 18:00, after hours: next window is Thursday 09:00 (14:00 UTC).
    fire(lead, RuleEvent(Trigger.FEEDBACK_SUBMITTED), AT + timedelta(hours=5))
    assert Lead.objects.get(id=lead.id).callback_at == datetime(2026, 3, 5, 14, 0, tzinfo=UTC)
