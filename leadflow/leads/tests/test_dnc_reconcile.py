"""The minute-by-minute DNC sweep: leads of expired entries become callable again, and a
lead stored unflagged beside a just-added entry (the insert/add race) is flagged."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.core import clock
from leadflow.leads.dnc import RECENT_ENTRY_WINDOW, dnc_entry_add, dnc_reconcile_sweep
from leadflow.leads.models import DncEntry, Lead
from leadflow.leads.tasks import dnc_reconcile_task
from leadflow.leads.tests.factories import make_lead
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db
DC = "+12025550143"
SF = "+14155550143"


@pytest.fixture
def campaign(tenant: Tenant) -> Campaign:
    return make_campaign(tenant, time_zone="America/New_York")


def _flag(lead: Lead) -> bool:
    return Lead.objects.get(id=lead.id).is_blacklisted


def test_a_lead_becomes_callable_again_at_the_first_sweep_after_its_entry_expired(
        tenant: Tenant, campaign: Campaign) -> None:
    lead = make_lead(campaign, phone=DC)
    entry = dnc_entry_add(tenant=tenant, phone=DC, expires_at=clock.now() + timedelta(hours=1))
    assert _flag(lead) is True
    assert dnc_reconcile_sweep(at=clock.now() + timedelta(minutes=59)) == 0
    assert _flag(lead) is True
    assert dnc_reconcile_sweep(at=entry.expires_at) == 1
    assert _flag(lead) is False


def test_a_lead_stored_unflagged_beside_a_new_entry_is_flagged_by_the_next_sweep(
        tenant: Tenant, campaign: Campaign) -> None:
    dnc_entry_add(tenant=tenant, phone=DC)
    # What the race leaves behind: the lead's transaction read the DNC list before the
    # entry committed, and the entry's refresh could not see the uncommitted lead.
    raced = make_lead(campaign, phone=DC, is_blacklisted=False)
    bystander = make_lead(campaign, phone=SF)
    assert dnc_reconcile_sweep(at=clock.now() + timedelta(minutes=2)) == 1
    assert (_flag(raced), _flag(bystander)) == (True, False)
    assert dnc_reconcile_sweep(at=clock.now() + timedelta(minutes=3)) == 0


def test_a_sweep_looks_only_at_entries_young_enough_to_have_raced(
        tenant: Tenant, campaign: Campaign) -> None:
    entry = dnc_entry_add(tenant=tenant, phone=DC)
    old = clock.now() - RECENT_ENTRY_WINDOW - timedelta(minutes=1)
    DncEntry.objects.filter(id=entry.id).update(created_at=old)
    lead = make_lead(campaign, phone=DC, is_blacklisted=False)
    assert dnc_reconcile_sweep() == 0  # bounded work: the whole list is never rescanned
    assert _flag(lead) is False


def test_another_tenants_lead_with_the_same_phone_is_left_alone(
        tenant: Tenant, other_tenant: Tenant, campaign: Campaign) -> None:
    dnc_entry_add(tenant=tenant, phone=DC)
    theirs = make_lead(make_campaign(other_tenant), phone=DC, is_blacklisted=False)
    assert dnc_reconcile_sweep() == 0
    assert _flag(theirs) is False


def test_the_sweep_runs_every_minute() -> None:
    minute = datetime(2026, 12, 4, 16, 37)
    assert all(dnc_reconcile_task.s().validate_datetime(minute + timedelta(minutes=m))
               for m in range(5))
