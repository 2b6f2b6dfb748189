"""Helpers for rule tests: rules by fields, a full call with feedback, locked firing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from leadflow.campaigns.models import Campaign
from leadflow.dialing.claim import LeadSource, lead_claim
from leadflow.dialing.models import Call
from leadflow.dialing.services import call_report_result, call_start, feedback_submit
from leadflow.leads.models import Lead, LeadEvent
from leadflow.leads.tests.factories import status_named
from leadflow.rules.engine import RULE_EVENT_KIND, RuleEvent, rules_fire
from leadflow.rules.models import Rule, RuleGroup
from leadflow.rules.services import rule_create, rule_group_create
from leadflow.tenants.models import Tenant


def clear_template_rules(campaign: Campaign) -> None:
    """New campaigns come with template rules; most tests want a clean slate."""
    RuleGroup.objects.filter(campaign=campaign).delete()


def add_rule(campaign: Campaign, *, group: RuleGroup | None = None, **fields: Any) -> Rule:
    """An event rule (by default) through the validating service."""
    if group is None:
        group = rule_group_create(tenant=campaign.tenant, campaign_id=campaign.id,
                                  title="Tests")
    fields.setdefault("name", f"rule {Rule.objects.count() + 1}")
    fields.setdefault("kind", "event")
    fields.setdefault("conditions", {})
    return rule_create(tenant=campaign.tenant, group_id=group.id, **fields)


def fire(lead: Lead, event: RuleEvent, at: datetime) -> int:
    """Fire ``event`` on ``lead`` the way services do: locked, in a transaction."""
    with transaction.atomic():
        locked = (Lead.objects.select_for_update().select_related("campaign")
                  .get(id=lead.id))
        return rules_fire(tenant=locked.campaign.tenant, lead=locked, event=event, at=at)


def call_with_feedback(tenant: Tenant, campaign: Campaign, agent: Any, *, status: str,
                       at: datetime, dial_result: str = "answered",
                       call_after: datetime | None = None, lead: Lead | None = None) -> Call:
    """Claim (the given lead, or any of the campaign), call, report, submit feedback."""
    q = Q(campaign_id=campaign.id) & (Q(id=lead.id) if lead is not None else Q())
    claim = lead_claim(tenant=tenant, agent=agent, at=at, sources=[LeadSource(q=q)])
    assert claim is not None, "no lead to claim"
    call = call_start(tenant=tenant, agent=agent, lead_id=claim.lead.id,
                      lease_token=claim.lease_token, at=at + timedelta(seconds=1))
    call_report_result(tenant=tenant, agent=agent, call_id=call.id, dial_result=dial_result,
                       at=at + timedelta(seconds=20))
    feedback_submit(tenant=tenant, agent=agent, call_id=call.id, lease_token=claim.lease_token,
                    status_id=status_named(campaign, status).id, at=at + timedelta(seconds=30),
                    call_after=call_after)
    call.refresh_from_db()
    return call


def rule_events(lead: Lead) -> list[LeadEvent]:
    return list(LeadEvent.objects.filter(lead=lead, kind=RULE_EVENT_KIND).order_by("id"))
