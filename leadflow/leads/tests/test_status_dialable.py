"""``Lead.status_dialable`` follows the lead's status through every kind of write, so the
claim index (which has it in its predicate) never hides a dialable lead nor walks past
parked ones."""

from __future__ import annotations

import pytest
from django.db.models import Q

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.core import clock
from leadflow.dialing.claim import LeadSource, claim_cache_clear, lead_claim
from leadflow.dialing.tests.conftest import ALL_DAY, AT, make_agent
from leadflow.leads.models import Lead
from leadflow.leads.tests.factories import make_lead, status_named
from leadflow.ops.bulk import insert_leads
from leadflow.ops.leadgen import generate_leads
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def campaign(tenant: Tenant) -> Campaign:
    return make_campaign(tenant, calling_hours=ALL_DAY, time_zone="America/New_York")


def _flag(lead: Lead) -> bool:
    return Lead.objects.values_list("status_dialable", flat=True).get(id=lead.id)


def test_a_new_lead_takes_its_statuss_dialability(campaign: Campaign) -> None:
    fresh = make_lead(campaign)
    parked = make_lead(campaign, status=status_named(campaign, "Not Interested"))
    assert (_flag(fresh), _flag(parked)) == (True, False)


def test_a_status_change_by_a_saved_lead_or_a_set_based_update_moves_the_flag(
        campaign: Campaign) -> None:
    saved, bulk = make_lead(campaign), make_lead(campaign)
    saved.status = status_named(campaign, "Converted")
    saved.save()  # a full save also writes the stale in-memory flag: the trigger wins
    Lead.objects.filter(id=bulk.id).update(status=status_named(campaign, "Wrong Number"))
    assert (_flag(saved), _flag(bulk)) == (False, False)
    Lead.objects.filter(id__in=[saved.id, bulk.id]).update(
        status=status_named(campaign, "New"))
    assert (_flag(saved), _flag(bulk)) == (True, True)


def test_making_a_status_dialable_or_not_moves_every_lead_in_it(campaign: Campaign) -> None:
    leads = [make_lead(campaign, status=status_named(campaign, "Converted"))
             for _ in range(3)]
    other = make_lead(campaign)
    LeadStatus.objects.filter(id=status_named(campaign, "Converted").id).update(
        is_dialable=True)
    assert [_flag(lead) for lead in leads] == [True, True, True]
    LeadStatus.objects.filter(id=other.status_id or 0).update(is_dialable=False)
    assert _flag(other) is False
    assert [_flag(lead) for lead in leads] == [True, True, True]


def test_bulk_loaded_leads_get_the_flag_too(campaign: Campaign) -> None:
    statuses = list(LeadStatus.objects.filter(campaign=campaign).values_list("id", flat=True))
    insert_leads(tenant_id=campaign.tenant_id, campaign_id=campaign.id,
                 rows=generate_leads(count=200, status_ids=statuses, now=clock.now(), seed=5))
    undialable = set(LeadStatus.objects.filter(campaign=campaign, is_dialable=False)
                     .values_list("id", flat=True))
    rows = list(Lead.objects.filter(campaign=campaign).values_list("status_id",
                                                                   "status_dialable"))
    assert {flag for _, flag in rows} == {True, False}
    assert all(flag == (status not in undialable) for status, flag in rows)


def test_a_lead_whose_status_becomes_dialable_again_is_claimed(
        tenant: Tenant, campaign: Campaign) -> None:
    agent = make_agent(tenant, "ann")
    lead = make_lead(campaign, status=status_named(campaign, "Converted"))
    sources = [LeadSource(q=Q(campaign_id=campaign.id))]
    at = AT  # inside calling hours
    assert lead_claim(tenant=tenant, agent=agent, sources=sources, at=at) is None
    LeadStatus.objects.filter(id=lead.status_id or 0).update(is_dialable=True)
    claim_cache_clear()  # the campaign's dialable statuses are cached for 2 s
    got = lead_claim(tenant=tenant, agent=agent, sources=sources, at=at)
    assert got is not None and got.lead.id == lead.id
