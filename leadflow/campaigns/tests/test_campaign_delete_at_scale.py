"""Deleting a campaign removes its leads and everything that refers to them, set-based."""

from __future__ import annotations

from typing import cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leadflow.campaigns.services import campaign_delete
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.leads.models import Lead, LeadEvent, LeadEventKind
from leadflow.leads.tests.factories import LeadFactory
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db


def _event(lead: Lead) -> LeadEvent:
    return LeadEvent.objects.create(tenant=lead.tenant, lead=lead, kind=LeadEventKind.CLAIMED,
                                    created_at=timezone.now())


def test_deleting_a_campaign_removes_its_leads_and_their_events_but_no_others(
    tenant: Tenant,
) -> None:
    doomed = make_campaign(tenant)
    kept = make_campaign(tenant)
    for lead in LeadFactory.create_batch(30, campaign=doomed):
        _event(lead)
    survivor = cast(Lead, LeadFactory(campaign=kept))
    _event(survivor)

    assert campaign_delete(tenant=tenant, campaign_id=doomed.id) == 30

    assert not Lead.objects.filter(campaign_id=doomed.id).exists()
    assert list(LeadEvent.objects.values_list("lead_id", flat=True)) == [survivor.id]


def test_deleting_a_campaign_never_loads_its_leads_into_memory(tenant: Tenant) -> None:
    campaign = make_campaign(tenant)
    for lead in LeadFactory.create_batch(25, campaign=campaign):
        _event(lead)

    with CaptureQueriesContext(connection) as queries:
        campaign_delete(tenant=tenant, campaign_id=campaign.id)

    # Django's cascade collector would SELECT the leads to find their dependents; the
    # set-based delete only reads leads inside DELETE subqueries until they are gone.
    lead_table = f'"{Lead._meta.db_table}"'
    statements = [q["sql"].lstrip() for q in queries.captured_queries]
    lead_delete = next(i for i, sql in enumerate(statements)
                       if sql.upper().startswith(f"DELETE FROM {lead_table}".upper()))
    loads_before = [sql for sql in statements[:lead_delete]
                    if sql.upper().startswith("SELECT") and f"FROM {lead_table}" in sql]
    assert loads_before == []
    assert not Lead.objects.filter(campaign_id=campaign.id).exists()
