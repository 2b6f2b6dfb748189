"""Calls and feedback: lease fencing, timeouts, Assigned Limit, callbacks, sweeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q

from leadflow.campaigns.models import Campaign
from leadflow.core.errors import ConflictError
from leadflow.crm.models import OutboxMessage
from leadflow.dialing.claim import Claim, LeadSource, lead_claim
from leadflow.dialing.models import Call
from leadflow.dialing.services import call_report_result, call_start, feedback_submit
from leadflow.dialing.tasks import callbacks_escalate, feedback_timeouts_sweep
from leadflow.dialing.tests.conftest import AT
from leadflow.leads.models import CallbackKind, Lead, LeadEvent, LeadEventKind
from leadflow.leads.tests.factories import make_lead, status_named
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db


def _claim(tenant: Tenant, campaign: Campaign, agent: Any, at: datetime = AT) -> Claim:
    claim = lead_claim(tenant=tenant, agent=agent, at=at,
                       sources=[LeadSource(q=Q(campaign_id=campaign.id))])
    assert claim is not None
    return claim


def _call(tenant: Tenant, campaign: Campaign, agent: Any) -> tuple[Claim, Call]:
    claim = _claim(tenant, campaign, agent)
    call = call_start(tenant=tenant, agent=agent, lead_id=claim.lead.id,
                      lease_token=claim.lease_token, at=AT + timedelta(seconds=1))
    call_report_result(tenant=tenant, agent=agent, call_id=call.id, dial_result="answered",
                       at=AT + timedelta(seconds=30))
    return claim, call


def test_feedback_sets_the_status_counts_the_attempt_and_releases_the_lead(
        tenant: Tenant, campaign: Campaign, agent: Any) -> None:
    make_lead(campaign)
    claim, call = _call(tenant, campaign, agent)
    busy = status_named(campaign, "Busy")
    feedback_submit(tenant=tenant, agent=agent, call_id=call.id, lease_token=claim.lease_token,
                    status_id=busy.id, comment="line busy", at=AT + timedelta(seconds=40))
    lead = Lead.objects.get(id=claim.lead.id)
    assert (lead.status_id, lead.attempts, lead.attempts_today) == (busy.id, 1, 1)
    assert lead.leased_by_id is None and lead.lease_token is None
    assert lead.last_call_at == AT + timedelta(seconds=1)
    call.refresh_from_db()
    assert call.status_id == busy.id and call.comment == "line busy"
    kinds = list(LeadEvent.objects.filter(lead=lead).order_by("id").values_list("kind",
                                                                                flat=True))
    # The last one: the campaign's template rule "update the CRM when an agent changes
    # a status" ran in the feedback's transaction.
    assert kinds == [LeadEventKind.CLAIMED, LeadEventKind.CALL_STARTED,
                     LeadEventKind.CALL_RESULT, LeadEventKind.FEEDBACK, "rule_applied"]
    assert OutboxMessage.objects.get(lead=lead).payload["status_name"] == "Busy"


def test_a_call_needs_the_agents_unexpired_lease(tenant: Tenant, campaign: Campaign,
                                                 agent: Any, agent2: Any) -> None:
    make_lead(campaign)
    claim = _claim(tenant, campaign, agent)
    with pytest.raises(ConflictError):
        call_start(tenant=tenant, agent=agent2, lead_id=claim.lead.id,
                   lease_token=claim.lease_token, at=AT)
    with pytest.raises(ConflictError):
        call_start(tenant=tenant, agent=agent, lead_id=claim.lead.id,
                   lease_token=claim.lease_token, at=claim.lease_expires_at)
    assert not Call.objects.exists()


def test_late_feedback_after_lease_expiry_is_refused_and_changes_nothing(
        tenant: Tenant, campaign: Campaign, agent: Any, agent2: Any) -> None:
    Campaign.objects.filter(id=campaign.id).update(feedback_timeout_seconds=3600,
                                                   lead_lease_seconds=60)
    make_lead(campaign)
    claim, call = _call(tenant, campaign, agent)
    # The lease expired and another agent took the lead.
    second = _claim(tenant, campaign, agent2, at=claim.lease_expires_at + timedelta(seconds=1))
    before = Lead.objects.values().get(id=claim.lead.id)
    events = LeadEvent.objects.count()
    with pytest.raises(ConflictError):
        feedback_submit(tenant=tenant, agent=agent, call_id=call.id,
                        lease_token=claim.lease_token,
                        status_id=status_named(campaign, "Busy").id,
                        at=claim.lease_expires_at + timedelta(seconds=2))
    assert Lead.objects.values().get(id=claim.lead.id) == before
    assert LeadEvent.objects.count() == events
    assert Call.objects.get(id=call.id).feedback_at is None
    assert before["lease_token"] == second.lease_token


def test_feedback_after_the_campaign_timeout_is_refused(
        tenant: Tenant, campaign: Campaign, agent: Any) -> None:
    Campaign.objects.filter(id=campaign.id).update(feedback_timeout_seconds=60)
    make_lead(campaign)
    claim, call = _call(tenant, campaign, agent)  # ended at AT+30s
    busy = status_named(campaign, "Busy").id
    with pytest.raises(ConflictError):
        feedback_submit(tenant=tenant, agent=agent, call_id=call.id,
                        lease_token=claim.lease_token, status_id=busy,
                        at=AT + timedelta(seconds=91))
    feedback_submit(tenant=tenant, agent=agent, call_id=call.id, lease_token=claim.lease_token,
                    status_id=busy, at=AT + timedelta(seconds=90))


def test_the_timeout_sweep_gives_no_answer_and_releases_the_lease(
        tenant: Tenant, campaign: Campaign, agent: Any) -> None:
    Campaign.objects.filter(id=campaign.id).update(feedback_timeout_seconds=60)
    make_lead(campaign)
    claim, call = _call(tenant, campaign, agent)
    assert feedback_timeouts_sweep(at=AT + timedelta(seconds=90)) == 0
    assert feedback_timeouts_sweep(at=AT + timedelta(seconds=91)) == 1
    lead = Lead.objects.get(id=claim.lead.id)
    assert lead.status_id == status_named(campaign, "No Answer").id
    assert lead.leased_by_id is None and lead.attempts == 1
    call.refresh_from_db()
    assert call.feedback_by_system and call.feedback_at is not None
    assert LeadEvent.objects.filter(lead=lead, rule_name="feedback timeout").exists()
    with pytest.raises(ConflictError):
        feedback_submit(tenant=tenant, agent=agent, call_id=call.id,
                        lease_token=claim.lease_token,
                        status_id=status_named(campaign, "Busy").id,
                        at=AT + timedelta(seconds=60))


def test_a_personal_status_assigns_the_lead_and_the_assigned_limit_refuses_more(
        tenant: Tenant, campaign: Campaign, agent: Any) -> None:
    Campaign.objects.filter(id=campaign.id).update(assigned_limit=1)
    personal = status_named(campaign, "Call Again - Personal")
    make_lead(campaign)
    make_lead(campaign)
    call_after = AT + timedelta(days=1)
    claim, call = _call(tenant, campaign, agent)
    feedback_submit(tenant=tenant, agent=agent, call_id=call.id, lease_token=claim.lease_token,
                    status_id=personal.id, call_after=call_after, at=AT + timedelta(seconds=40))
    lead = Lead.objects.get(id=claim.lead.id)
    assert lead.assigned_agent_id == agent.pk
    assert (lead.callback_at, lead.callback_kind) == (call_after, CallbackKind.PERSONAL)
    assert lead.callback_zone == "America/New_York"

    claim2, call2 = _call(tenant, campaign, agent)
    with pytest.raises(ValidationError, match="Assigned Limit"):
        feedback_submit(tenant=tenant, agent=agent, call_id=call2.id,
                        lease_token=claim2.lease_token, status_id=personal.id,
                        call_after=call_after, at=AT + timedelta(seconds=40))
    assert Lead.objects.get(id=claim2.lead.id).assigned_agent_id is None


def test_a_callback_outside_calling_hours_moves_to_the_next_window(
        tenant: Tenant, campaign: Campaign, agent: Any) -> None:
    make_lead(campaign)
    general = status_named(campaign, "Call Again - General")
    claim, call = _call(tenant, campaign, agent)
    # 23:30 New York: the federal rule closes at 21:00, reopens 08:00 next morning.
    late = datetime(2026, 3, 5, 4, 30, tzinfo=UTC)
    feedback_submit(tenant=tenant, agent=agent, call_id=call.id, lease_token=claim.lease_token,
                    status_id=general.id, call_after=late, at=AT + timedelta(seconds=40))
    lead = Lead.objects.get(id=claim.lead.id)
    assert lead.callback_at == datetime(2026, 3, 5, 13, 0, tzinfo=UTC)  # 08:00 EST
    assert lead.callback_kind == CallbackKind.GENERAL


def test_a_missed_personal_callback_becomes_general_after_the_escalation_minutes(
        tenant: Tenant, campaign: Campaign, agent: Any) -> None:
    lead = make_lead(campaign, callback_at=AT, assigned_agent=agent,
                       callback_kind=CallbackKind.PERSONAL)
    assert callbacks_escalate(at=AT + timedelta(minutes=30)) == 0
    assert callbacks_escalate(at=AT + timedelta(minutes=31)) == 1
    lead.refresh_from_db()
    assert lead.callback_kind == CallbackKind.GENERAL and lead.assigned_agent_id is None
    assert LeadEvent.objects.filter(lead=lead, kind=LeadEventKind.CALLBACK_ESCALATED).exists()


def test_the_caller_id_is_fixed_or_drawn_from_the_pool_of_the_leads_country(
        campaign: Campaign) -> None:
    import random

    from leadflow.dialing.services import caller_id_for

    lead = make_lead(campaign, country="GB")
    campaign.caller_id_mode, campaign.caller_id_number = "fixed", "+12025550100"
    assert caller_id_for(campaign, lead) == "+12025550100"
    campaign.caller_id_mode = "random_pool"
    campaign.caller_id_pool = {"US": ["+12025550101"], "GB": ["+442071838750", "+442071838751"]}
    drawn = {caller_id_for(campaign, lead, rng=random.Random(i)) for i in range(20)}
    assert drawn == {"+442071838750", "+442071838751"}
    lead.country = "FR"  # no pool for France: any pooled number
    assert caller_id_for(campaign, lead, rng=random.Random(1)).startswith("+")
