"""A sweep match deferred under an agent's lease is applied once the lease ends, even
when the agent never gives feedback."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from leadflow.campaigns.models import Campaign
from leadflow.core import clock
from leadflow.dialing.tests.conftest import AT
from leadflow.leads.models import Lead
from leadflow.leads.tests.factories import make_lead
from leadflow.rules.models import RuleDeferral
from leadflow.rules.sweep import released_deferrals_apply, rule_run_advance, rule_run_start
from leadflow.rules.tests.support import add_rule, clear_template_rules, rule_events

pytestmark = pytest.mark.django_db


def test_a_deferral_whose_lease_expired_without_feedback_is_applied_once(
        campaign: Campaign, agent: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    clear_template_rules(campaign)
    monkeypatch.setattr(clock, "now", lambda: AT)
    rule = add_rule(campaign, kind="time", hours=[10], triggers=[],
                    conditions={"all": [{"field": "weight", "op": "gte", "value": 5}]},
                    actions=[{"type": "change_weight", "mode": "add", "value": 7}])
    held = make_lead(campaign, weight=5, leased_by=agent, lease_token=uuid.uuid4(),
                     lease_expires_at=AT + timedelta(minutes=5))
    free = make_lead(campaign, weight=5)
    run = rule_run_start(rule=rule, slot=AT)
    while not rule_run_advance(run_id=run.id):
        pass
    assert Lead.objects.get(id=free.id).weight == 12
    assert Lead.objects.get(id=held.id).weight == 5
    assert RuleDeferral.objects.filter(lead=held).count() == 1

    assert released_deferrals_apply(at=AT + timedelta(minutes=1)) == 0  # still held
    assert released_deferrals_apply(at=AT + timedelta(minutes=6)) == 1
    assert released_deferrals_apply(at=AT + timedelta(minutes=7)) == 0  # never twice
    assert Lead.objects.get(id=held.id).weight == 12
    assert not RuleDeferral.objects.exists()
    event = rule_events(held)[0]
    assert event.new["rule_run"] == run.id and event.new["deferred"] is True
