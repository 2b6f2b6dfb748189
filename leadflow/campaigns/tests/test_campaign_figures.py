"""The All Campaigns figures: leads count, currently available leads, status counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from leadflow.campaigns.calling_hours import WEEKDAYS
from leadflow.campaigns.selectors import campaign_figures, campaign_table
from leadflow.campaigns.tests.factories import make_campaign, make_group
from leadflow.leads.tests.factories import LeadFactory, status_named
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db

# Monday 2026-12-07 15:00 UTC: 10:00 in New York, 15:00 in London, 20:30 in Kolkata.
MONDAY_AFTERNOON = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
NINE_TO_EIGHT = {d: {"start": "09:00", "end": "20:00"} for d in WEEKDAYS}


def test_available_counts_exclude_frozen_blacklisted_and_out_of_hours_leads(
    tenant: Tenant,
) -> None:
    campaign = make_campaign(tenant, calling_hours=NINE_TO_EIGHT, time_zone="Europe/London")
    LeadFactory.create_batch(3, campaign=campaign, zones=("America/New_York",))
    LeadFactory(campaign=campaign, zones=("America/New_York",),
                frozen_until=MONDAY_AFTERNOON + timedelta(days=1))
    LeadFactory(campaign=campaign, zones=("America/New_York",),
                frozen_until=MONDAY_AFTERNOON - timedelta(minutes=1))  # thawed: available
    LeadFactory(campaign=campaign, zones=("America/New_York",), is_blacklisted=True)
    LeadFactory.create_batch(2, campaign=campaign, zones=("Asia/Kolkata",))  # 20:30: closed
    LeadFactory(campaign=campaign, zones=("America/Chicago", "America/New_York"))  # both open
    LeadFactory(campaign=campaign, zones=("Asia/Kolkata", "Europe/London"))  # one closed
    LeadFactory(campaign=campaign, zone_set_id=None)  # campaign default: London, open

    figures = campaign_figures(tenant=tenant, campaigns=[campaign], at=MONDAY_AFTERNOON)

    assert figures[campaign.id].leads_count == 11
    assert figures[campaign.id].available_count == 3 + 1 + 1 + 1


def test_a_disabled_campaign_has_no_available_leads_but_keeps_its_counts(tenant: Tenant) -> None:
    campaign = make_campaign(tenant, calling_hours=NINE_TO_EIGHT, is_active=False)
    LeadFactory.create_batch(4, campaign=campaign)

    figures = campaign_figures(tenant=tenant, campaigns=[campaign], at=MONDAY_AFTERNOON)

    assert figures[campaign.id].leads_count == 4
    assert figures[campaign.id].available_count == 0


def test_status_counts_list_every_status_in_order_with_its_colour(tenant: Tenant) -> None:
    campaign = make_campaign(tenant)
    LeadFactory.create_batch(2, campaign=campaign)
    LeadFactory.create_batch(3, campaign=campaign, status=status_named(campaign, "Busy"))

    figures = campaign_figures(tenant=tenant, campaigns=[campaign], at=MONDAY_AFTERNOON)
    by_name = {s.name: s for s in figures[campaign.id].statuses}

    assert [s.name for s in figures[campaign.id].statuses][:3] == ["New", "No Answer", "Busy"]
    assert by_name["New"].count == 2 and by_name["Busy"].count == 3
    assert by_name["No Answer"].count == 0
    assert by_name["Busy"].color == status_named(campaign, "Busy").color


def test_figures_never_count_another_tenants_leads(tenant: Tenant, other_tenant: Tenant) -> None:
    mine = make_campaign(tenant)
    theirs = make_campaign(other_tenant)
    LeadFactory.create_batch(2, campaign=mine)
    LeadFactory.create_batch(5, campaign=theirs)

    figures = campaign_figures(tenant=tenant, campaigns=[mine, theirs], at=MONDAY_AFTERNOON)

    assert figures[mine.id].leads_count == 2
    assert figures[theirs.id].leads_count == 0


def test_campaign_table_lists_groups_then_campaigns_without_a_group(tenant: Tenant) -> None:
    empty_group = make_group(tenant, name="Alpha")
    group = make_group(tenant, name="Beta")
    grouped = make_campaign(tenant, group_id=group.id)
    loose = make_campaign(tenant)

    sections = campaign_table(tenant=tenant, at=MONDAY_AFTERNOON)

    assert [s.title for s in sections] == ["Alpha", "Beta", "Campaigns without a group"]
    assert sections[0].group == empty_group and sections[0].rows == []
    assert [r.campaign for r in sections[1].rows] == [grouped]
    assert [r.campaign for r in sections[2].rows] == [loose]
