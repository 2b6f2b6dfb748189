"""Event rules: every trigger, order, stop-processing, the cascade limit, templates."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from leadflow.campaigns.models import Campaign
from leadflow.crm.models import OutboxMessage
from leadflow.dialing.tests.conftest import AT
from leadflow.leads.intake.writer import WriteOptions
from leadflow.leads.models import Lead, LeadEvent
from leadflow.leads.services_api import leads_write
from leadflow.leads.tests.factories import make_lead, status_named
from leadflow.rules.engine import LOOP_EVENT_KIND, MAX_DEPTH, RuleEvent, Trigger
from leadflow.rules.models import Rule
from leadflow.rules.services import rule_group_create, rule_group_update, rule_update
from leadflow.rules.tests.support import (
    add_rule,
    call_with_feedback,
    clear_template_rules,
    fire,
    rule_events,
)
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db

PLUS_ONE = [{"type": "change_weight", "mode": "add", "value": 1}]


@pytest.fixture
def bare(campaign: Campaign) -> Campaign:
    clear_template_rules(campaign)
    return campaign


def _weight(lead: Lead) -> int:
    return Lead.objects.get(id=lead.id).weight


def test_a_feedback_rule_fires_on_every_outcome_even_the_same_status_again(
        tenant: Tenant, bare: Campaign, agent: Any) -> None:
    add_rule(bare, triggers=[{"event": "feedback_submitted"}], actions=PLUS_ONE)
    lead = make_lead(bare, status=status_named(bare, "No Answer"))
    call_with_feedback(tenant, bare, agent, status="No Answer", at=AT, lead=lead)
    call_with_feedback(tenant, bare, agent, status="No Answer", at=AT + timedelta(hours=1),
                       lead=lead)
    assert _weight(lead) == 2
    assert [e.rule_name for e in rule_events(lead)] == [Rule.objects.get().name] * 2


def test_a_status_rule_fires_only_for_its_from_and_to_statuses(
        tenant: Tenant, bare: Campaign, agent: Any) -> None:
    busy, no_answer = status_named(bare, "Busy"), status_named(bare, "No Answer")
    add_rule(bare, triggers=[{"event": "status_changed", "to_status": busy.id}],
             actions=PLUS_ONE)
    lead = make_lead(bare, status=no_answer)
    call_with_feedback(tenant, bare, agent, status="No Answer", at=AT, lead=lead)
    assert _weight(lead) == 0  # no change of status at all
    call_with_feedback(tenant, bare, agent, status="Voicemail", at=AT + timedelta(hours=1),
                       lead=lead)
    assert _weight(lead) == 0  # changed, but not to Busy
    call_with_feedback(tenant, bare, agent, status="Busy", at=AT + timedelta(hours=2),
                       lead=lead)
    assert _weight(lead) == 1
    event = rule_events(lead)[0]
    assert event.old == {"weight": 0} and event.new["weight"] == 1
    assert event.new["trigger"] == "status_changed"


def test_a_call_finished_rule_reads_the_dial_result(tenant: Tenant, bare: Campaign,
                                                    agent: Any) -> None:
    add_rule(bare, triggers=[{"event": "call_finished", "dial_result": "busy"}],
             actions=[{"type": "set_field", "field": "custom.last", "value": "busy"}])
    first, second = make_lead(bare), make_lead(bare)
    call_with_feedback(tenant, bare, agent, status="Busy", at=AT, lead=first,
                       dial_result="busy")
    call_with_feedback(tenant, bare, agent, status="No Answer", at=AT, lead=second,
                       dial_result="no_answer")
    assert Lead.objects.get(id=first.id).custom_fields.get("last") == "busy"
    assert "last" not in Lead.objects.get(id=second.id).custom_fields


def test_a_lead_assigned_rule_fires_when_a_status_assigns_the_agent(
        tenant: Tenant, bare: Campaign, agent: Any) -> None:
    add_rule(bare, triggers=[{"event": "lead_assigned"}],
             conditions={"all": [{"field": "event.agent", "op": "eq", "value": agent.pk}]},
             actions=[{"type": "set_field", "field": "custom.owner", "value": "ann"}])
    lead = make_lead(bare)
    call_with_feedback(tenant, bare, agent, status="Call Again - Personal", at=AT, lead=lead,
                       call_after=AT + timedelta(days=1))
    stored = Lead.objects.get(id=lead.id)
    assert stored.assigned_agent_id == agent.pk and stored.custom_fields["owner"] == "ann"


def test_a_lead_created_rule_runs_on_leads_from_the_api_set_based(
        tenant: Tenant, bare: Campaign) -> None:
    add_rule(bare, triggers=[{"event": "lead_created"}],
             conditions={"all": [{"field": "source", "op": "eq", "value": "online"}]},
             actions=[{"type": "change_weight", "mode": "set", "value": 10000}])
    report = leads_write(tenant=tenant, campaign_id=bare.id, options=WriteOptions(), items=[
        {"phone": "+12125550101", "source": "online"},
        {"phone": "+12125550102", "source": "paper"}])
    online, paper = (Lead.objects.get(id=r.id or 0) for r in report.results)
    assert (online.weight, paper.weight) == (10000, 0)
    assert [e.new["trigger"] for e in rule_events(online)] == ["lead_created"]
    assert rule_events(paper) == []


def test_a_weight_rule_fires_from_another_rules_change(bare: Campaign) -> None:
    add_rule(bare, triggers=[{"event": "feedback_submitted"}],
             actions=[{"type": "change_weight", "mode": "add", "value": 50}])
    add_rule(bare, triggers=[{"event": "weight_changed"}],
             conditions={"all": [{"field": "event.new_weight", "op": "gte", "value": 50}]},
             actions=[{"type": "set_field", "field": "custom.hot", "value": True}])
    lead = make_lead(bare)
    fire(lead, RuleEvent(Trigger.FEEDBACK_SUBMITTED, {}), AT)
    stored = Lead.objects.get(id=lead.id)
    assert stored.weight == 50 and stored.custom_fields["hot"] is True
    assert [e.new["trigger"] for e in rule_events(lead)] == ["feedback_submitted",
                                                            "weight_changed"]


def test_rules_run_in_group_then_rule_order_and_stop_processing_ends_the_pass(
        bare: Campaign) -> None:
    later = rule_group_create(tenant=bare.tenant, campaign_id=bare.id, title="Later")
    earlier = rule_group_create(tenant=bare.tenant, campaign_id=bare.id, title="Earlier")
    rule_group_update(tenant=bare.tenant, group_id=earlier.id, position=0)
    trigger = [{"event": "feedback_submitted"}]

    def setter(value: str) -> list[dict[str, Any]]:
        return [{"type": "set_field", "field": "custom.order", "value": value}]

    add_rule(bare, group=later, name="c", triggers=trigger, actions=setter("c"))
    first = add_rule(bare, group=earlier, name="a", triggers=trigger, actions=setter("a"))
    add_rule(bare, group=earlier, name="b", triggers=trigger, actions=setter("b"))
    lead = make_lead(bare)
    fire(lead, RuleEvent(Trigger.FEEDBACK_SUBMITTED), AT)
    assert [e.rule_name for e in rule_events(lead)] == ["a", "b", "c"]
    assert Lead.objects.get(id=lead.id).custom_fields["order"] == "c"

    rule_update(tenant=bare.tenant, rule_id=first.id, stop_processing=True)
    other = make_lead(bare)
    fire(other, RuleEvent(Trigger.FEEDBACK_SUBMITTED), AT)
    assert [e.rule_name for e in rule_events(other)] == ["a"]


def test_a_rule_whose_condition_fails_and_a_disabled_group_do_nothing(bare: Campaign) -> None:
    group = rule_group_create(tenant=bare.tenant, campaign_id=bare.id, title="G")
    add_rule(bare, group=group, triggers=[{"event": "feedback_submitted"}],
             conditions={"all": [{"field": "weight", "op": "gt", "value": 5}]},
             actions=PLUS_ONE)
    lead = make_lead(bare, weight=5)
    fire(lead, RuleEvent(Trigger.FEEDBACK_SUBMITTED), AT)
    assert _weight(lead) == 5
    heavy = make_lead(bare, weight=6)
    rule_group_update(tenant=bare.tenant, group_id=group.id, is_enabled=False)
    fire(heavy, RuleEvent(Trigger.FEEDBACK_SUBMITTED), AT)
    assert _weight(heavy) == 6


def test_a_rule_loop_stops_at_the_depth_limit_and_is_recorded(bare: Campaign) -> None:
    busy, voicemail = status_named(bare, "Busy"), status_named(bare, "Voicemail")
    add_rule(bare, name="to voicemail", actions=[{"type": "set_status", "status": voicemail.id}],
             triggers=[{"event": "status_changed", "to_status": busy.id}])
    add_rule(bare, name="to busy", actions=[{"type": "set_status", "status": busy.id}],
             triggers=[{"event": "status_changed", "to_status": voicemail.id}])
    lead = make_lead(bare, status=busy)
    applied = fire(lead, RuleEvent(Trigger.STATUS_CHANGED, {"new_status": busy.id}), AT)
    assert applied == MAX_DEPTH + 1
    assert len(rule_events(lead)) == MAX_DEPTH + 1
    assert LeadEvent.objects.filter(lead=lead, kind=LOOP_EVENT_KIND).count() == 1


def test_sliding_window_no_answer_three_times_in_twelve_hours_freezes_for_a_day(
        tenant: Tenant, campaign: Campaign, agent: Any) -> None:
    """The template rule, through real calls: the third No Answer within 12 h freezes."""
    lead = make_lead(campaign)
    for hour in (0, 5):
        call_with_feedback(tenant, campaign, agent, status="No Answer", lead=lead,
                           at=AT + timedelta(hours=hour), dial_result="no_answer")
    assert Lead.objects.get(id=lead.id).frozen_until is None
    third = AT + timedelta(hours=10)
    call_with_feedback(tenant, campaign, agent, status="No Answer", lead=lead, at=third,
                       dial_result="no_answer")
    frozen = Lead.objects.get(id=lead.id).frozen_until
    assert frozen is not None and frozen - third == timedelta(days=1, seconds=30)


def test_template_call_again_personal_assigns_and_schedules_the_agents_callback(
        tenant: Tenant, campaign: Campaign, agent: Any) -> None:
    lead = make_lead(campaign)
    wanted = AT + timedelta(days=2)
    call_with_feedback(tenant, campaign, agent, status="Call Again - Personal", lead=lead,
                       at=AT, call_after=wanted)
    stored = Lead.objects.get(id=lead.id)
    assert stored.assigned_agent_id == agent.pk
    assert (stored.callback_at, stored.callback_kind) == (wanted, "personal")
    names = [e.rule_name for e in rule_events(lead)]
    assert any(name.startswith("Call Again - Personal") for name in names)
    # …and the status change went to the CRM outbox with the mapped status.
    assert OutboxMessage.objects.filter(lead_id=lead.id).count() == 1


def test_template_rules_all_pass_the_validation_an_admins_rule_gets(
        campaign: Campaign) -> None:
    from leadflow.rules.services import rule_check

    rules = list(Rule.objects.filter(campaign=campaign))
    assert len(rules) == 5
    for rule in rules:
        rule_check(rule, campaign)  # raises on any problem


def test_a_callback_due_rule_fires_once_when_the_callback_time_comes(bare: Campaign) -> None:
    from leadflow.rules.callbacks import callbacks_due_fire

    add_rule(bare, triggers=[{"event": "callback_due"}], actions=PLUS_ONE)
    soon = make_lead(bare, callback_at=AT + timedelta(minutes=10), callback_kind="general")
    later = make_lead(bare, callback_at=AT + timedelta(hours=3), callback_kind="general")
    assert callbacks_due_fire(now=AT) == 0  # first scan: nothing due yet
    assert callbacks_due_fire(now=AT + timedelta(minutes=10)) == 1
    assert callbacks_due_fire(now=AT + timedelta(minutes=11)) == 0  # never twice
    assert (_weight(soon), _weight(later)) == (1, 0)
    assert callbacks_due_fire(now=AT + timedelta(hours=4)) == 1
    assert _weight(later) == 1
    assert rule_events(soon)[0].new["trigger"] == "callback_due"


def test_callbacks_due_in_one_instant_beyond_a_batch_all_fire_once(
        bare: Campaign, monkeypatch: pytest.MonkeyPatch) -> None:
    from leadflow.rules import callbacks

    monkeypatch.setattr(callbacks, "BATCH", 2)
    add_rule(bare, triggers=[{"event": "callback_due"}], actions=PLUS_ONE)
    callbacks.callbacks_due_fire(now=AT)
    same = AT + timedelta(minutes=1)
    leads = [make_lead(bare, callback_at=same, callback_kind="general") for _ in range(5)]
    total = sum(callbacks.callbacks_due_fire(now=AT + timedelta(minutes=2)) for _ in range(4))
    assert total == 5
    assert [_weight(lead) for lead in leads] == [1] * 5
