"""The next-lead claim: order, leases, tenant isolation, desk batches."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Q

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.dialing.claim import LeadSource, lead_claim, lead_claim_batch_for_desk, pool_sources
from leadflow.dialing.tests.conftest import ALL_DAY, AT, make_agent
from leadflow.leads.models import CallbackKind, Lead, LeadEvent, LeadEventKind
from leadflow.leads.tests.factories import make_lead
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db


def _source(campaign: Campaign) -> list[LeadSource]:
    return [LeadSource(q=Q(campaign_id=campaign.id))]


def _claim_ids(tenant: Tenant, agent: Any, sources: list[LeadSource], n: int) -> list[int]:
    ids = []
    for _ in range(n):
        claim = lead_claim(tenant=tenant, agent=agent, sources=sources, at=AT)
        assert claim is not None
        ids.append(claim.lead.id)
    return ids


def test_claim_order_is_personal_callback_general_callback_then_weight_then_least_recent(
        tenant: Tenant, campaign: Campaign, agent: Any) -> None:
    never_called = make_lead(campaign, weight=5)
    called_long_ago = make_lead(campaign, weight=5, last_call_at=AT - timedelta(days=9))
    called_lately = make_lead(campaign, weight=5, last_call_at=AT - timedelta(days=1))
    heavy = make_lead(campaign, weight=50, last_call_at=AT - timedelta(hours=2))
    general = make_lead(campaign, weight=0, callback_at=AT - timedelta(minutes=1),
                          callback_kind=CallbackKind.GENERAL)
    personal = make_lead(campaign, weight=0, callback_at=AT - timedelta(minutes=1),
                           callback_kind=CallbackKind.PERSONAL, assigned_agent=agent)
    make_lead(campaign, weight=99, callback_at=AT + timedelta(minutes=1),
                callback_kind=CallbackKind.GENERAL)  # not due yet
    assert _claim_ids(tenant, agent, _source(campaign), 6) == [
        personal.id, general.id, heavy.id, never_called.id, called_long_ago.id,
        called_lately.id]
    assert lead_claim(tenant=tenant, agent=agent, sources=_source(campaign), at=AT) is None


def test_sources_are_tried_in_the_order_given(tenant: Tenant, campaign: Campaign,
                                              agent: Any) -> None:
    second = make_campaign(tenant, calling_hours=ALL_DAY)
    a = make_lead(campaign, weight=1)
    b = make_lead(second, weight=100)
    sources = [LeadSource(q=Q(campaign_id=campaign.id)), LeadSource(q=Q(campaign_id=second.id))]
    assert _claim_ids(tenant, agent, sources, 2) == [a.id, b.id]


def test_a_claim_leases_the_lead_and_writes_an_event(tenant: Tenant, campaign: Campaign,
                                                     agent: Any, agent2: Any) -> None:
    lead = make_lead(campaign)
    claim = lead_claim(tenant=tenant, agent=agent, sources=_source(campaign), at=AT)
    assert claim is not None and claim.lead.id == lead.id
    lead.refresh_from_db()
    assert lead.leased_by_id == agent.pk and lead.lease_token == claim.lease_token
    assert lead.lease_expires_at == AT + timedelta(seconds=campaign.lead_lease_seconds)
    assert LeadEvent.objects.filter(lead=lead, kind=LeadEventKind.CLAIMED).count() == 1
    # Held: nobody else gets it while the lease runs.
    assert lead_claim(tenant=tenant, agent=agent2, sources=_source(campaign), at=AT) is None


def test_an_expired_lease_returns_the_lead_to_the_pool(tenant: Tenant, campaign: Campaign,
                                                       agent: Any, agent2: Any) -> None:
    lead = make_lead(campaign)
    first = lead_claim(tenant=tenant, agent=agent, sources=_source(campaign), at=AT)
    assert first is not None
    later = first.lease_expires_at
    just_before = lead_claim(tenant=tenant, agent=agent2, sources=_source(campaign),
                             at=later - timedelta(seconds=1))
    assert just_before is None
    second = lead_claim(tenant=tenant, agent=agent2, sources=_source(campaign), at=later)
    assert second is not None and second.lead.id == lead.id
    assert second.lease_token != first.lease_token
    assert Lead.objects.get(id=lead.id).leased_by_id == agent2.pk


def test_a_tenant_never_receives_another_tenants_lead(
        tenant: Tenant, other_tenant: Tenant, campaign: Campaign) -> None:
    theirs = make_campaign(other_tenant, calling_hours=ALL_DAY)
    make_lead(theirs, weight=1000)
    rival_agent = make_agent(other_tenant, "rival")
    mine = make_lead(campaign)
    agent = make_agent(tenant, "me")
    # Even a source that names the other tenant's campaign yields nothing foreign.
    sources = [LeadSource(q=Q(campaign_id=theirs.id)), *_source(campaign)]
    claim = lead_claim(tenant=tenant, agent=agent, sources=sources, at=AT)
    assert claim is not None and claim.lead.id == mine.id
    assert lead_claim(tenant=tenant, agent=agent, sources=sources, at=AT) is None
    assert lead_claim(tenant=other_tenant, agent=rival_agent, sources=_source(campaign),
                      at=AT) is None


def test_another_agents_personal_callback_is_not_handed_out(
        tenant: Tenant, campaign: Campaign, agent: Any, agent2: Any) -> None:
    make_lead(campaign, callback_at=AT - timedelta(minutes=1),
                callback_kind=CallbackKind.PERSONAL, assigned_agent=agent2)
    assert lead_claim(tenant=tenant, agent=agent, sources=_source(campaign), at=AT) is None


def test_the_desk_batch_leases_n_distinct_leads_without_an_agent(
        tenant: Tenant, campaign: Campaign, agent: Any) -> None:
    leads = [make_lead(campaign, weight=i) for i in range(5)]
    token, batch = lead_claim_batch_for_desk(tenant=tenant, desk_id=1, count=3, at=AT,
                                             sources=pool_sources(tenant))
    assert [lead.id for lead in batch] == sorted(lead.id for lead in leads[2:])
    assert all(lead.lease_token == token and lead.leased_by_id is None for lead in batch)
    _, rest = lead_claim_batch_for_desk(tenant=tenant, desk_id=1, count=10, at=AT)
    assert sorted(lead.id for lead in rest) == sorted(lead.id for lead in leads[:2])
    assert lead_claim(tenant=tenant, agent=agent, sources=_source(campaign), at=AT) is None


def test_the_personal_queue_comes_after_callbacks_and_before_the_pool_when_enabled(
        tenant: Tenant, campaign: Campaign, agent: Any) -> None:
    pool = make_lead(campaign, weight=100)
    held = make_lead(campaign, weight=1, assigned_agent=agent)
    general = make_lead(campaign, callback_at=AT - timedelta(minutes=1),
                        callback_kind=CallbackKind.GENERAL)
    claim = lead_claim(tenant=tenant, agent=agent, sources=_source(campaign), at=AT,
                       personal_queue="callback_asc")
    assert claim is not None and claim.lead.id == general.id
    order = [lead_claim(tenant=tenant, agent=agent, sources=_source(campaign), at=AT,
                        personal_queue="callback_asc") for _ in range(2)]
    assert [c.lead.id for c in order if c] == [held.id, pool.id]
    assert [c.origin for c in order if c] == ["personal_queue", "source:0"]
