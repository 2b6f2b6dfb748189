"""Dozens of agents claiming and giving feedback at once never share a lead (PostgreSQL);
and the read-then-write claim kept below demonstrably does."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Q

from leadflow.campaigns.models import Campaign
from leadflow.core.tests.threads import run_threads
from leadflow.dialing.claim import LeadSource, lead_claim
from leadflow.dialing.eligibility import eligible_q
from leadflow.dialing.services import call_start, feedback_submit
from leadflow.dialing.tests.conftest import AT, make_agent
from leadflow.leads.models import Lead
from leadflow.leads.tests.factories import make_lead, status_named
from leadflow.tenants.models import Tenant

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="SQLite serialises every writer (IMMEDIATE transactions): "
                              "threads cannot race there, so the test needs PostgreSQL."),
]
THREADS = 24
ROUNDS = 15


def test_24_agents_claiming_and_giving_feedback_never_hold_one_lead_together(
        tenant: Tenant, campaign: Campaign) -> None:
    agents = [make_agent(tenant, f"agent{i}") for i in range(THREADS)]
    for _ in range(THREADS * 4):
        make_lead(campaign)
    busy = status_named(campaign, "Busy").id
    sources = [LeadSource(q=Q(campaign_id=campaign.id))]
    guard = threading.Lock()
    holding: dict[int, int] = {}
    doubles: list[tuple[int, int, int]] = []
    claims = Counter[int]()

    def work(index: int) -> None:
        agent = agents[index]
        for _ in range(ROUNDS):
            claim = lead_claim(tenant=tenant, agent=agent, sources=sources, at=AT)
            if claim is None:
                continue
            with guard:
                if claim.lead.id in holding:
                    doubles.append((claim.lead.id, holding[claim.lead.id], agent.pk))
                holding[claim.lead.id] = agent.pk
                claims[agent.pk] += 1
            call = call_start(tenant=tenant, agent=agent, lead_id=claim.lead.id,
                              lease_token=claim.lease_token, at=AT + timedelta(seconds=1))
            # Forget the hold before feedback commits: until then the lease in the
            # database still blocks everyone else, so no false alarm is possible.
            with guard:
                del holding[claim.lead.id]
            feedback_submit(tenant=tenant, agent=agent, call_id=call.id,
                            lease_token=claim.lease_token, status_id=busy,
                            at=AT + timedelta(seconds=2))

    errors = run_threads(THREADS, work)
    assert errors == []
    assert doubles == []
    assert sum(claims.values()) == THREADS * ROUNDS
    assert not Lead.objects.filter(leased_by__isnull=False).exists()


def _racy_claim(campaign: Campaign, agent_id: int) -> int | None:
    """DELIBERATELY WRONG, kept to prove the test can see a race: read the best free
    lead, then write the lease with no lock and no re-check."""
    lead_id = (Lead.objects.filter(eligible_q(campaign, AT))
               .order_by("-weight", "id").values_list("id", flat=True).first())
    if lead_id is None:
        return None
    time.sleep(0.002)  # widen the read → write window so the race shows every run
    Lead.objects.filter(id=lead_id).update(leased_by_id=agent_id,
                                           lease_expires_at=AT + timedelta(minutes=5))
    return lead_id


def test_the_racy_read_then_write_claim_hands_one_lead_to_several_agents(
        tenant: Tenant, campaign: Campaign) -> None:
    agents = [make_agent(tenant, f"racer{i}") for i in range(THREADS)]
    for _ in range(THREADS * 5):
        make_lead(campaign)
    campaign = Campaign.objects.get(id=campaign.id)
    handed: list[int] = []
    guard = threading.Lock()

    def work(index: int) -> None:
        for _ in range(5):
            lead_id = _racy_claim(campaign, agents[index].pk)
            if lead_id is not None:
                with guard:
                    handed.append(lead_id)

    assert run_threads(THREADS, work) == []
    duplicates = sum(n - 1 for n in Counter(handed).values() if n > 1)
    assert duplicates > 0
