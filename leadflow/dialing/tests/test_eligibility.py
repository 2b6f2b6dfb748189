"""Every eligibility reason in Python, the SQL form agreeing with it, and the breakdown."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta
from typing import Any

import pytest

from leadflow.campaigns.models import Campaign
from leadflow.dialing.eligibility import (
    Reason,
    campaign_today,
    eligibility_breakdown,
    eligible_q,
    lead_eligibility,
)
from leadflow.dialing.models import CallingRule, Holiday
from leadflow.dialing.tests.conftest import AT, make_agent
from leadflow.leads.models import DncEntry, Lead
from leadflow.leads.services import zone_set_id_for
from leadflow.leads.tests.factories import make_lead, status_named
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db


def _disabled(lead: Lead, campaign: Campaign, agent: Any) -> None:
    Campaign.objects.filter(id=campaign.id).update(is_active=False)


def _not_dialable(lead: Lead, campaign: Campaign, agent: Any) -> None:
    lead.status = status_named(campaign, "Not Interested")


def _frozen(lead: Lead, campaign: Campaign, agent: Any) -> None:
    lead.frozen_until = AT + timedelta(hours=1)


def _blacklisted(lead: Lead, campaign: Campaign, agent: Any) -> None:
    lead.is_blacklisted = True


def _dnc_entry(lead: Lead, campaign: Campaign, agent: Any) -> None:
    DncEntry.objects.create(tenant=campaign.tenant, campaign=campaign, phone=lead.phone,
                            expires_at=AT + timedelta(days=1))


def _outside_hours(lead: Lead, campaign: Campaign, agent: Any) -> None:
    lead.zone_set_id = zone_set_id_for(["Asia/Tokyo"])  # 00:00: outside the federal rule


def _callback_later(lead: Lead, campaign: Campaign, agent: Any) -> None:
    lead.callback_at = AT + timedelta(minutes=5)


def _attempts_today(lead: Lead, campaign: Campaign, agent: Any) -> None:
    Campaign.objects.filter(id=campaign.id).update(max_attempts_per_day=2)
    lead.attempts_today, lead.attempts_day = 2, campaign_today(campaign, AT)


def _attempts_total(lead: Lead, campaign: Campaign, agent: Any) -> None:
    Campaign.objects.filter(id=campaign.id).update(max_attempts_total=3)
    lead.attempts = 3


def _min_gap(lead: Lead, campaign: Campaign, agent: Any) -> None:
    Campaign.objects.filter(id=campaign.id).update(min_minutes_between_calls=60)
    lead.last_call_at = AT - timedelta(minutes=59)


def _leased(lead: Lead, campaign: Campaign, agent: Any) -> None:
    lead.leased_by = agent
    lead.lease_expires_at = AT + timedelta(seconds=1)


def _assigned(lead: Lead, campaign: Campaign, agent: Any) -> None:
    lead.assigned_agent = agent


CASES: dict[Reason, Callable[[Lead, Campaign, Any], None]] = {
    Reason.CAMPAIGN_DISABLED: _disabled, Reason.STATUS_NOT_DIALABLE: _not_dialable,
    Reason.FROZEN: _frozen, Reason.DNC: _blacklisted, Reason.OUTSIDE_CALLING_HOURS: _outside_hours,
    Reason.CALLBACK_NOT_DUE: _callback_later, Reason.ATTEMPTS_TODAY: _attempts_today,
    Reason.ATTEMPTS_TOTAL: _attempts_total, Reason.MIN_GAP: _min_gap, Reason.LEASED: _leased,
    Reason.ASSIGNED_TO_OTHER: _assigned,
}


def _fresh(campaign: Campaign) -> Campaign:
    return Campaign.objects.get(id=campaign.id)


def test_a_plain_lead_is_dialable_and_matches_the_sql_form(campaign: Campaign) -> None:
    lead = make_lead(campaign)
    assert lead_eligibility(lead, at=AT) == []
    assert Lead.objects.filter(eligible_q(campaign, AT)).filter(id=lead.id).exists()


@pytest.mark.parametrize("reason", list(CASES))
def test_each_reason_alone_is_reported_and_excluded_by_sql(
        reason: Reason, campaign: Campaign, tenant: Tenant) -> None:
    other = make_agent(tenant, "someone")
    lead = make_lead(campaign)
    CASES[reason](lead, campaign, other)
    lead.save()
    lead = Lead.objects.select_related("campaign").get(id=lead.id)
    assert lead_eligibility(lead, at=AT) == [reason]
    assert not Lead.objects.filter(eligible_q(_fresh(campaign), AT)).filter(id=lead.id).exists()


def test_an_expired_dnc_entry_or_lease_no_longer_blocks(campaign: Campaign, agent: Any) -> None:
    lead = make_lead(campaign, leased_by=agent, lease_expires_at=AT)
    DncEntry.objects.create(tenant=campaign.tenant, phone=lead.phone, expires_at=AT)
    assert lead_eligibility(lead, at=AT) == []


def test_the_agents_own_lease_and_assignment_do_not_block_that_agent(
        campaign: Campaign, agent: Any) -> None:
    lead = make_lead(campaign, leased_by=agent, assigned_agent=agent,
                       lease_expires_at=AT + timedelta(minutes=5))
    assert lead_eligibility(lead, agent=agent, at=AT) == []
    assert Lead.objects.filter(eligible_q(campaign, AT, agent_id=agent.pk), id=lead.id).exists()
    assert set(lead_eligibility(lead, at=AT)) == {Reason.LEASED, Reason.ASSIGNED_TO_OTHER}


def test_a_stricter_regional_rule_and_a_holiday_close_the_lead(campaign: Campaign) -> None:
    lead = make_lead(campaign, region="NY")  # 10:00 local
    CallingRule.objects.create(tenant=campaign.tenant, name="NY late start", country="US",
                               region="NY", start=time(11, 0), end=time(20, 0))
    assert lead_eligibility(lead, at=AT) == [Reason.OUTSIDE_CALLING_HOURS]
    assert lead_eligibility(lead, at=AT + timedelta(hours=1)) == []
    Holiday.objects.create(tenant=None, name="Made-up day", country="US",
                           date=(AT + timedelta(hours=1)).date())
    assert lead_eligibility(lead, at=AT + timedelta(hours=1)) == [
        Reason.OUTSIDE_CALLING_HOURS]
    assert not Lead.objects.filter(eligible_q(campaign, AT + timedelta(hours=1)),
                                   id=lead.id).exists()


def test_sql_and_python_agree_on_a_mixed_set_and_the_breakdown_counts_them(
        campaign: Campaign, tenant: Tenant) -> None:
    other = make_agent(tenant, "someone")
    Campaign.objects.filter(id=campaign.id).update(
        max_attempts_per_day=2, max_attempts_total=3, min_minutes_between_calls=60)
    expected: dict[str, int] = {}
    for reason, make in CASES.items():
        if reason == Reason.CAMPAIGN_DISABLED:
            continue
        for _ in range(2):
            lead = make_lead(campaign)
            make(lead, campaign, other)
            lead.save()
        expected[reason.value] = 2
    # Two reasons on one lead, and some clean leads.
    make_lead(campaign, is_blacklisted=True, frozen_until=AT + timedelta(days=1))
    expected[Reason.DNC.value] += 1
    expected[Reason.FROZEN.value] += 1
    clean = [make_lead(campaign).id for _ in range(3)]
    campaign = _fresh(campaign)

    python_ok = {lead.id for lead in Lead.objects.select_related("campaign")
                 .filter(campaign=campaign) if not lead_eligibility(lead, at=AT)}
    sql_ok = set(Lead.objects.filter(eligible_q(campaign, AT)).values_list("id", flat=True))
    assert python_ok == sql_ok == set(clean)

    counts = eligibility_breakdown(tenant=tenant, campaign=campaign, at=AT)
    assert counts["available"] == 3
    assert counts["total"] == Lead.objects.filter(campaign=campaign).count()
    assert counts[Reason.CAMPAIGN_DISABLED.value] == 0
    for key, n in expected.items():
        assert counts[key] == n, key


def test_currently_available_on_all_campaigns_leaves_out_non_dialable_statuses(
        campaign: Campaign, tenant: Tenant) -> None:
    from leadflow.campaigns.selectors import campaign_figures

    make_lead(campaign)
    make_lead(campaign, status=status_named(campaign, "Converted"))
    make_lead(campaign, status=status_named(campaign, "Busy"))
    figures = campaign_figures(tenant=tenant, campaigns=[campaign], at=AT)[campaign.id]
    assert (figures.leads_count, figures.available_count) == (3, 2)
    assert eligibility_breakdown(tenant=tenant, campaign=campaign, at=AT)["available"] == 2
