"""Stats by Leads: totals, breakdowns, the page, the JSON, access and the query budget.

The moment is fixed (``AT``, a Wednesday at 10:00 in New York, inside every calling
window) and passed to the selector, so "now" figures do not depend on the clock.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.dialing.eligibility import eligibility_breakdown
from leadflow.dialing.tests.conftest import AT
from leadflow.leads.models import CallbackKind, TimeZoneSource
from leadflow.leads.tests.factories import make_lead, status_named
from leadflow.stats.selectors import lead_stats
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db


def _shares(rows: list[Any]) -> dict[str, int]:
    return {row.label: row.count for row in rows}


def _figures(html: str) -> dict[str, int]:
    """``{figure: number}`` of the totals table (``data-figure`` cells, links unwrapped)."""
    cells = re.findall(r'data-figure="(\w+)">(?:<a [^>]*>)?(\d+)<', html)
    return {name: int(value) for name, value in cells}


def _held_leads(campaign: Campaign, agent: Any) -> None:
    """One lead per situation the totals tell apart (all created an hour before AT)."""
    made = AT - timedelta(hours=1)
    make_lead(campaign, created_at=made)  # plain: available
    make_lead(campaign, created_at=made, frozen_until=AT + timedelta(days=2))
    make_lead(campaign, created_at=made, frozen_until=AT - timedelta(minutes=1))  # thawed
    make_lead(campaign, created_at=made, is_blacklisted=True)
    make_lead(campaign, created_at=made, lease_token="00000000-0000-0000-0000-000000000001",
              leased_by=agent, lease_expires_at=AT + timedelta(minutes=5),
              last_call_at=AT - timedelta(minutes=1), attempts=1)
    # An expired lease is a free lead again.
    make_lead(campaign, created_at=made, lease_token="00000000-0000-0000-0000-000000000002",
              leased_by=agent, lease_expires_at=AT - timedelta(minutes=5))
    make_lead(campaign, created_at=made, assigned_agent=agent,
              callback_kind=CallbackKind.PERSONAL, callback_at=AT + timedelta(days=1),
              last_call_at=AT - timedelta(days=1), attempts=2)
    make_lead(campaign, created_at=made, assigned_agent=agent,
              callback_kind=CallbackKind.PERSONAL, callback_at=AT - timedelta(minutes=3))
    make_lead(campaign, created_at=made, callback_kind=CallbackKind.GENERAL,
              callback_at=AT - timedelta(hours=1), last_call_at=AT - timedelta(hours=2))
    make_lead(campaign, created_at=made, callback_kind=CallbackKind.GENERAL,
              callback_at=AT + timedelta(hours=1))
    make_lead(campaign, created_at=made, status=status_named(campaign, "Not Interested"),
              last_call_at=AT - timedelta(days=3), attempts=4)


def test_the_totals_count_each_kind_of_lead_exactly_and_only_in_this_campaign(
        tenant: Tenant, other_tenant: Tenant, campaign: Campaign, agent: Any) -> None:
    _held_leads(campaign, agent)
    make_lead(make_campaign(tenant, name="Sister"), created_at=AT, is_blacklisted=True)
    make_lead(make_campaign(other_tenant, name="Rival"), created_at=AT, is_blacklisted=True)

    totals = lead_stats(tenant=tenant, campaign_id=campaign.id, at=AT).totals

    assert totals.leads == 11
    # plain, thawed, expired lease, general callback already due
    assert totals.available == 4
    assert totals.frozen == 1
    assert totals.blacklisted == 1
    assert totals.assigned == 2
    assert totals.leased == 1
    assert (totals.personal_callbacks_due, totals.personal_callbacks_later) == (1, 1)
    assert (totals.general_callbacks_due, totals.general_callbacks_later) == (1, 1)
    assert totals.never_called == 7


def test_available_now_is_the_dialing_eligibility_count(
        tenant: Tenant, campaign: Campaign, agent: Any) -> None:
    _held_leads(campaign, agent)
    breakdown = eligibility_breakdown(tenant=tenant, campaign=campaign, at=AT)

    stats = lead_stats(tenant=tenant, campaign_id=campaign.id, at=AT)

    assert stats.totals.available == breakdown["available"] == 4
    # Outside the calling window (03:00 in New York) nobody is available, blacklisted or not.
    night = lead_stats(tenant=tenant, campaign_id=campaign.id, at=AT - timedelta(hours=7))
    assert night.totals.available == 0
    assert night.totals.leads == 11


def test_a_disabled_campaign_has_no_available_leads(tenant: Tenant) -> None:
    off = make_campaign(tenant, is_active=False)
    make_lead(off, created_at=AT)

    assert lead_stats(tenant=tenant, campaign_id=off.id, at=AT).totals.available == 0


def test_by_status_lists_every_status_in_order_with_share_and_average_attempts(
        tenant: Tenant, campaign: Campaign) -> None:
    for attempts in (0, 1, 2):
        make_lead(campaign, created_at=AT, attempts=attempts)
    make_lead(campaign, created_at=AT, status=status_named(campaign, "Busy"), attempts=5)

    rows = lead_stats(tenant=tenant, campaign_id=campaign.id, at=AT).by_status

    by_name = {row.name: row for row in rows}
    assert (by_name["New"].count, by_name["New"].share, by_name["New"].avg_attempts) == (
        3, 75.0, 1.0)
    assert (by_name["Busy"].count, by_name["Busy"].share, by_name["Busy"].avg_attempts) == (
        1, 25.0, 5.0)
    assert (by_name["Converted"].count, by_name["Converted"].avg_attempts) == (0, None)
    assert [row.name for row in rows] == list(
        campaign.statuses.order_by("position", "id").values_list("name", flat=True))
    assert by_name["Busy"].color == status_named(campaign, "Busy").color


def test_leads_without_a_status_get_a_line_of_their_own(
        tenant: Tenant, campaign: Campaign) -> None:
    make_lead(campaign, created_at=AT, status=None, attempts=3)

    rows = lead_stats(tenant=tenant, campaign_id=campaign.id, at=AT).by_status

    assert rows[-1].status_id is None
    assert (rows[-1].name, rows[-1].count, rows[-1].share, rows[-1].avg_attempts) == (
        "(no status)", 1, 100.0, 3.0)


def test_attempt_buckets_put_each_lead_in_exactly_one_bucket(
        tenant: Tenant, campaign: Campaign) -> None:
    for attempts in (0, 0, 1, 2, 3, 4, 5, 9, 10, 250):
        make_lead(campaign, created_at=AT, attempts=attempts)

    rows = lead_stats(tenant=tenant, campaign_id=campaign.id, at=AT).by_attempts

    assert _shares(rows) == {"0": 2, "1": 1, "2": 1, "3": 1, "4": 1, "5–9": 2, "10+": 2}
    assert [row.key for row in rows] == ["0", "1", "2", "3", "4", "5-9", "10+"]
    assert [row.share for row in rows] == [20.0, 10.0, 10.0, 10.0, 10.0, 20.0, 20.0]


def test_age_buckets_count_whole_days_since_the_lead_entered_the_campaign(
        tenant: Tenant, campaign: Campaign) -> None:
    ages = [timedelta(0), timedelta(hours=23, minutes=59),            # today
            timedelta(days=1), timedelta(days=7, hours=23),           # 1–7 days
            timedelta(days=8), timedelta(days=30, hours=23),          # 8–30 days
            timedelta(days=31), timedelta(days=400)]                  # older
    for age in ages:
        make_lead(campaign, created_at=AT - age)

    rows = lead_stats(tenant=tenant, campaign_id=campaign.id, at=AT).by_age

    assert _shares(rows) == {"Today (< 24 h)": 2, "1–7 days": 2, "8–30 days": 2, "Older": 2}


def test_zone_sources_are_all_listed_and_countries_show_the_top_ten_then_the_rest(
        tenant: Tenant, campaign: Campaign) -> None:
    for _ in range(3):
        make_lead(campaign, created_at=AT, tz_source=TimeZoneSource.PHONE, country="US")
    make_lead(campaign, created_at=AT, tz_source=TimeZoneSource.REGION, country="CA")
    # Eleven more countries with one lead each: ties rank by code; MX, NZ, ZA are "other".
    for code in ("ZA", "BR", "AU", "DE", "FR", "GB", "IE", "MX", "NZ", "ES", "IT"):
        make_lead(campaign, created_at=AT, country=code)

    stats = lead_stats(tenant=tenant, campaign_id=campaign.id, at=AT)

    assert _shares(stats.by_tz_source) == {
        "Explicit time zone": 0, "Region / state": 1, "Postal code": 0, "Phone number": 3,
        "Campaign default": 11}
    assert [(row.key, row.count) for row in stats.by_country] == [
        ("US", 3), ("AU", 1), ("BR", 1), ("CA", 1), ("DE", 1), ("ES", 1), ("FR", 1),
        ("GB", 1), ("IE", 1), ("IT", 1), ("other", 3)]
    assert stats.by_country[0].share == 20.0


def test_the_queries_do_not_grow_with_the_number_of_leads(
        tenant: Tenant, campaign: Campaign, agent: Any) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            lead_stats(tenant=tenant, campaign_id=campaign.id, at=AT)
        return len(captured)

    _held_leads(campaign, agent)
    few = queries()
    for index in range(30):
        make_lead(campaign, created_at=AT - timedelta(days=index), attempts=index,
                  country=f"X{index % 10}")
    assert queries() == few
    # The campaign, its statuses, zone sets, calling rules, holidays, the grouped count,
    # the calls' abandonment counts.
    assert few == 7


# --- the page and the JSON ---------------------------------------------------------------------

def test_a_supervisor_sees_the_figures_on_the_stats_page(
        supervisor_client: Client, tenant: Tenant, campaign: Campaign, agent: Any,
        time_machine: Any) -> None:
    time_machine.move_to(AT, tick=False)
    _held_leads(campaign, agent)

    response = supervisor_client.get(f"/campaigns/{campaign.id}/stats/")

    assert response.status_code == 200
    html = response.content.decode()
    assert _figures(html) == {
        "leads": 11, "available": 4, "frozen": 1, "blacklisted": 1, "assigned": 2, "leased": 1,
        "personal_callbacks_due": 1, "personal_callbacks_later": 1,
        "general_callbacks_due": 1, "general_callbacks_later": 1, "never_called": 7}
    assert re.search(r'data-status="Not Interested" data-count="1"', html)
    assert f'href="/campaigns/{campaign.id}/availability/"' in html
    assert '<a href="/campaigns/">All Campaigns</a>' in html


def test_an_admin_opens_the_page_and_an_agent_gets_403(
        admin_client: Client, agent_client: Client, campaign: Campaign) -> None:
    assert admin_client.get(f"/campaigns/{campaign.id}/stats/").status_code == 200
    assert agent_client.get(f"/campaigns/{campaign.id}/stats/").status_code == 403


def test_another_tenants_campaign_is_404_on_the_page_and_in_the_api(
        admin_client: Client, api: Any, other_tenant: Tenant) -> None:
    foreign = make_campaign(other_tenant, name="Theirs")
    make_lead(foreign, created_at=AT)

    assert admin_client.get(f"/campaigns/{foreign.id}/stats/").status_code == 404
    response = api.get(f"/api/campaigns/{foreign.id}/lead-stats")
    assert response.status_code == 404
    assert response.json() == {"detail": f"Campaign {foreign.id} not found."}


def test_the_api_gives_the_same_figures_as_json(
        api: Any, campaign: Campaign, agent: Any, time_machine: Any) -> None:
    time_machine.move_to(AT, tick=False)
    _held_leads(campaign, agent)

    response = api.get(f"/api/campaigns/{campaign.id}/lead-stats")

    assert response.status_code == 200
    body = response.json()
    assert body["campaign_id"] == campaign.id
    assert body["totals"] == {
        "leads": 11, "available": 4, "frozen": 1, "blacklisted": 1, "assigned": 2, "leased": 1,
        "personal_callbacks_due": 1, "personal_callbacks_later": 1,
        "general_callbacks_due": 1, "general_callbacks_later": 1, "never_called": 7}
    new = next(row for row in body["by_status"] if row["name"] == "New")
    assert (new["count"], new["share"]) == (10, 90.9)
    assert [row["label"] for row in body["by_attempts"]] == [
        "0", "1", "2", "3", "4", "5–9", "10+"]
    assert body["by_age"][0] == {"key": "today", "label": "Today (< 24 h)",
                                 "count": 11, "share": 100.0}
    # The moment counted, in the tenant's zone (Europe/London: UTC in March).
    assert body["at"].startswith("2026-03-04T15:00:00")


def test_an_agents_session_is_refused_by_the_api(agent_client: Client,
                                                 campaign: Campaign) -> None:
    assert agent_client.get(f"/api/campaigns/{campaign.id}/lead-stats").status_code == 401


def test_the_campaign_menus_link_both_stats_pages_in_their_place(
        admin_client: Client, campaign: Campaign) -> None:
    html = admin_client.get("/campaigns/").content.decode()
    row = html[html.index(f'id="campaign-{campaign.id}"'):]
    frequent = row[row.index('data-testid="frequent-menu"'):row.index('data-testid="rare-menu"')]
    rare = row[row.index('data-testid="rare-menu"'):row.index("</tr>")]

    links = re.findall(r">([^<>]+)</a>", frequent)
    assert links[links.index("Users List") + 1] == "Stats by Leads"
    assert f'href="/campaigns/{campaign.id}/stats/"' in frequent
    assert rare.index(f'href="/campaigns/{campaign.id}/callback-stats/">Call Backs Stats') \
        < rare.index('class="menu-sep"')
