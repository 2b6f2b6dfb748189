"""Call Backs Stats: personal callbacks per day in the tenant's zone, a day's list per
agent, the JSON, bad dates and access.

The tenant works in New York; ``AT`` is Wednesday 4 March 2026 at 10:00 there (15:00
UTC, before the switch to summer time on 8 March).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.dialing.tests.conftest import AT, make_agent
from leadflow.leads.models import CallbackKind, Lead
from leadflow.leads.tests.factories import make_lead, status_named
from leadflow.stats.selectors import callback_days, callbacks_for_day
from leadflow.tenants.models import Tenant
from leadflow.tenants.services import tenant_update

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
D = date(2026, 3, 4)


def ny(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NEW_YORK)


def meeting(campaign: Campaign, agent: Any, at: datetime, **fields: Any) -> Lead:
    """A personal callback: the lead held by ``agent`` and called back at ``at``."""
    fields.setdefault("created_at", AT - timedelta(days=3))
    return make_lead(campaign, assigned_agent=agent, callback_kind=CallbackKind.PERSONAL,
                     callback_at=at, **fields)


@pytest.fixture
def new_york(tenant: Tenant) -> Tenant:
    return tenant_update(tenant=tenant, time_zone="America/New_York")


@pytest.fixture
def calendar(new_york: Tenant, other_tenant: Tenant, campaign: Campaign, agent: Any,
             agent2: Any) -> dict[str, Lead]:
    """Callbacks around the edges of the tenant's days; ann and bob are the agents."""
    leads = {
        "ann_late": meeting(campaign, agent, ny(D, 23, 30), first_name="Late",
                            callback_zone="Europe/London", attempts=3, phone="+12025550123"),
        "bob_afternoon": meeting(campaign, agent2, ny(D, 14), first_name="Noon",
                                 status=status_named(campaign, "Busy")),
        "ann_after_midnight": meeting(campaign, agent, ny(D + timedelta(days=1), 0, 30)),
        "ann_overdue_today": meeting(campaign, agent, ny(D, 9)),
        "bob_overdue_monday": meeting(campaign, agent2, ny(D - timedelta(days=2), 16)),
        # Sunday 8 March: clocks go forward at 02:00; both are that day in New York.
        "ann_dst_early": meeting(campaign, agent, ny(date(2026, 3, 8), 0, 30)),
        "ann_dst_late": meeting(campaign, agent, ny(date(2026, 3, 8), 23, 30)),
    }
    # Not meetings, or not this campaign's: none of these may count.
    make_lead(campaign, callback_kind=CallbackKind.GENERAL, callback_at=ny(D, 20),
              created_at=AT)
    make_lead(campaign, assigned_agent=agent, callback_kind=CallbackKind.PERSONAL,
              callback_at=None, created_at=AT)
    meeting(make_campaign(new_york, name="Sister"), agent, ny(D, 12))
    rival = make_campaign(other_tenant, name="Rival")
    meeting(rival, make_agent(other_tenant, "zed"), ny(D, 12))
    return leads


def days_of(stats: Any) -> list[tuple[date, int, int]]:
    return [(d.day, d.callbacks, d.agents) for d in stats.days]


# --- the day table --------------------------------------------------------------------------

def test_personal_callbacks_count_on_their_day_in_the_tenants_zone(
        new_york: Tenant, campaign: Campaign, calendar: dict[str, Lead]) -> None:
    stats = callback_days(tenant=new_york, campaign_id=campaign.id, at=AT)

    # 23:30 in New York on the 4th is the 5th in UTC: it still counts on the 4th.
    assert days_of(stats) == [
        (D, 2, 2), (date(2026, 3, 5), 1, 1), (date(2026, 3, 8), 2, 1)]
    assert (stats.overdue_callbacks, stats.overdue_agents) == (2, 2)
    assert stats.today == D
    assert stats.time_zone == "America/New_York"


def test_the_day_table_counts_in_the_tenants_zone_not_in_utc(
        tenant: Tenant, campaign: Campaign, agent: Any) -> None:
    meeting(campaign, agent, ny(D, 23, 30))  # 04:30 UTC on the 5th
    tenant_update(tenant=tenant, time_zone="UTC")
    assert days_of(callback_days(tenant=tenant, campaign_id=campaign.id, at=AT)) == [
        (date(2026, 3, 5), 1, 1)]
    tenant_update(tenant=tenant, time_zone="America/New_York")
    assert days_of(callback_days(tenant=tenant, campaign_id=campaign.id, at=AT)) == [
        (D, 1, 1)]


def test_a_callback_becomes_overdue_the_moment_its_time_passes(
        new_york: Tenant, campaign: Campaign, agent: Any) -> None:
    meeting(campaign, agent, ny(D, 11))

    before = callback_days(tenant=new_york, campaign_id=campaign.id,
                           at=ny(D, 11) - timedelta(seconds=1))
    at_time = callback_days(tenant=new_york, campaign_id=campaign.id, at=ny(D, 11))

    assert (days_of(before), before.overdue_callbacks) == ([(D, 1, 1)], 0)
    assert (days_of(at_time), at_time.overdue_callbacks) == ([], 1)


def test_the_day_table_is_one_query_after_the_campaign(
        new_york: Tenant, campaign: Campaign, calendar: dict[str, Lead]) -> None:
    with CaptureQueriesContext(connection) as captured:
        callback_days(tenant=new_york, campaign_id=campaign.id, at=AT)
    assert len(captured) == 2


def test_the_page_links_each_day_to_its_list_and_shows_the_overdue_line(
        supervisor_client: Client, campaign: Campaign, calendar: dict[str, Lead],
        time_machine: Any) -> None:
    time_machine.move_to(AT, tick=False)

    response = supervisor_client.get(f"/campaigns/{campaign.id}/callback-stats/")

    assert response.status_code == 200
    html = response.content.decode()
    rows = re.findall(r'data-testid="callback-day" data-day="([\d-]+)" data-count="(\d+)" '
                      r'data-agents="(\d+)"', html)
    assert rows == [("2026-03-04", "2", "2"), ("2026-03-05", "1", "1"), ("2026-03-08", "2", "1")]
    assert f'href="/campaigns/{campaign.id}/callback-stats/2026-03-04/"' in html
    assert re.search(r'data-testid="callback-overdue" data-count="2" data-agents="2"', html)


def test_the_api_gives_the_days_as_json(api: Any, campaign: Campaign,
                                        calendar: dict[str, Lead], time_machine: Any) -> None:
    time_machine.move_to(AT, tick=False)

    response = api.get(f"/api/campaigns/{campaign.id}/callback-stats")

    assert response.status_code == 200
    assert response.json() == {
        "campaign_id": campaign.id, "time_zone": "America/New_York", "today": "2026-03-04",
        "overdue": {"callbacks": 2, "agents": 2},
        "days": [{"day": "2026-03-04", "callbacks": 2, "agents": 2},
                 {"day": "2026-03-05", "callbacks": 1, "agents": 1},
                 {"day": "2026-03-08", "callbacks": 2, "agents": 1}]}


# --- a day's list ---------------------------------------------------------------------------

def test_a_day_lists_each_agents_future_callbacks_with_both_times(
        new_york: Tenant, campaign: Campaign, calendar: dict[str, Lead]) -> None:
    listing = callbacks_for_day(tenant=new_york, campaign_id=campaign.id, day=D, at=AT)

    assert [(g.agent, [e.lead_id for e in g.callbacks]) for g in listing.agents] == [
        ("ann", [calendar["ann_late"].id]), ("bob", [calendar["bob_afternoon"].id])]
    late = listing.agents[0].callbacks[0]
    assert late.callback_at == ny(D, 23, 30)
    assert late.callback_at.tzinfo == NEW_YORK
    assert late.callback_at_lead == datetime(2026, 3, 5, 4, 30, tzinfo=UTC)
    assert str(late.callback_at_lead.tzinfo) == "Europe/London"
    assert (late.name, late.phone, late.status, late.attempts) == (
        "Late " + calendar["ann_late"].last_name, "+•••••••0123", "New", 3)
    noon = listing.agents[1].callbacks[0]
    assert (noon.callback_zone, noon.callback_at_lead, noon.status) == ("", None, "Busy")


def test_the_next_day_starts_at_midnight_in_the_tenants_zone(
        new_york: Tenant, campaign: Campaign, calendar: dict[str, Lead]) -> None:
    listing = callbacks_for_day(tenant=new_york, campaign_id=campaign.id,
                                day=D + timedelta(days=1), at=AT)
    assert [e.lead_id for g in listing.agents for e in g.callbacks] == [
        calendar["ann_after_midnight"].id]
    dst = callbacks_for_day(tenant=new_york, campaign_id=campaign.id, day=date(2026, 3, 8),
                            at=AT)
    assert [e.lead_id for g in dst.agents for e in g.callbacks] == [
        calendar["ann_dst_early"].id, calendar["ann_dst_late"].id]


def test_past_and_overdue_callbacks_are_not_in_any_days_list(
        new_york: Tenant, campaign: Campaign, calendar: dict[str, Lead]) -> None:
    monday = callbacks_for_day(tenant=new_york, campaign_id=campaign.id,
                               day=D - timedelta(days=2), at=AT)
    today = callbacks_for_day(tenant=new_york, campaign_id=campaign.id, day=D, at=AT)

    assert monday.agents == []
    listed = {e.lead_id for g in today.agents for e in g.callbacks}
    assert calendar["ann_overdue_today"].id not in listed
    assert len(listed) == 2  # exactly the day's count on the table


def test_the_list_reads_agents_and_statuses_without_a_query_per_lead(
        new_york: Tenant, campaign: Campaign, calendar: dict[str, Lead], agent: Any) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            callbacks_for_day(tenant=new_york, campaign_id=campaign.id, day=D, at=AT)
        return len(captured)

    few = queries()
    for hour in range(15, 20):
        meeting(campaign, make_agent(new_york, f"agent{hour}"), ny(D, hour))
    assert queries() == few == 2


def test_the_page_shows_the_agents_callbacks_and_narrows_to_one_agent(
        admin_client: Client, campaign: Campaign, calendar: dict[str, Lead], agent2: Any,
        time_machine: Any) -> None:
    time_machine.move_to(AT, tick=False)
    url = f"/campaigns/{campaign.id}/callback-stats/2026-03-04/"

    html = admin_client.get(url).content.decode()
    narrowed = admin_client.get(f"{url}?agent={agent2.id}").content.decode()

    assert re.findall(r'data-testid="agent-callbacks" data-agent="(\w+)"', html) == [
        "ann", "bob"]
    assert f'href="?agent={agent2.id}"' in html
    assert "23:30" in html and "Thu 04:30" in html and "+•••••••0123" in html
    assert re.findall(r'data-testid="agent-callbacks" data-agent="(\w+)"', narrowed) == ["bob"]
    assert f'data-lead="{calendar["bob_afternoon"].id}"' in narrowed
    assert f'data-lead="{calendar["ann_late"].id}"' not in narrowed


def test_an_agent_outside_the_tenant_or_not_a_number_is_404(
        admin_client: Client, api: Any, campaign: Campaign, other_tenant: Tenant) -> None:
    stranger = make_agent(other_tenant, "stranger")
    url = f"/campaigns/{campaign.id}/callback-stats/2026-03-04/"

    assert admin_client.get(f"{url}?agent={stranger.id}").status_code == 404
    assert admin_client.get(f"{url}?agent=bob").status_code == 404
    assert admin_client.get(f"{url}?agent=²").status_code == 404  # a digit int() refuses
    response = api.get(f"/api/campaigns/{campaign.id}/callback-stats/2026-03-04?agent="
                       f"{stranger.id}")
    assert (response.status_code, response.json()) == (
        404, {"detail": f"Agent {stranger.id} not found."})


def test_the_api_gives_a_days_list_with_zone_offsets(
        api: Any, campaign: Campaign, calendar: dict[str, Lead], agent: Any,
        time_machine: Any) -> None:
    time_machine.move_to(AT, tick=False)

    response = api.get(f"/api/campaigns/{campaign.id}/callback-stats/2026-03-04?agent={agent.id}")

    assert response.status_code == 200
    body = response.json()
    assert (body["day"], body["agent_id"], body["time_zone"]) == (
        "2026-03-04", agent.id, "America/New_York")
    (group,) = body["agents"]
    assert (group["agent_id"], group["agent"]) == (agent.id, "ann")
    (entry,) = group["callbacks"]
    assert entry["lead_id"] == calendar["ann_late"].id
    assert entry["callback_at"].startswith("2026-03-04T23:30:00-05:00")
    assert entry["callback_at_lead"].startswith("2026-03-05T04:30:00")
    assert (entry["callback_zone"], entry["phone"], entry["attempts"]) == (
        "Europe/London", "+•••••••0123", 3)


# --- bad dates, access ----------------------------------------------------------------------

@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-01", "2026-3-4", "20260304", "today"])
def test_a_bad_date_in_the_page_url_is_404(admin_client: Client, campaign: Campaign,
                                           day: str) -> None:
    assert admin_client.get(f"/campaigns/{campaign.id}/callback-stats/{day}/").status_code == 404


@pytest.mark.parametrize("day", ["2026-02-30", "2026-13-01", "today"])
def test_a_malformed_day_in_the_api_is_422(api: Any, campaign: Campaign, day: str) -> None:
    response = api.get(f"/api/campaigns/{campaign.id}/callback-stats/{day}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "day"]


def test_the_first_and_last_representable_days_are_empty_not_errors(
        admin_client: Client, api: Any, campaign: Campaign) -> None:
    for day in ("9999-12-31", "0001-01-01"):
        assert admin_client.get(
            f"/campaigns/{campaign.id}/callback-stats/{day}/").status_code == 200
        response = api.get(f"/api/campaigns/{campaign.id}/callback-stats/{day}")
        assert (response.status_code, response.json()["agents"]) == (200, [])


def test_agents_get_403_on_both_pages(agent_client: Client, campaign: Campaign) -> None:
    assert agent_client.get(f"/campaigns/{campaign.id}/callback-stats/").status_code == 403
    assert agent_client.get(
        f"/campaigns/{campaign.id}/callback-stats/2026-03-04/").status_code == 403


def test_another_tenants_campaign_is_404_on_pages_and_api(
        admin_client: Client, api: Any, other_tenant: Tenant) -> None:
    foreign = make_campaign(other_tenant, name="Theirs")
    for url in (f"/campaigns/{foreign.id}/callback-stats/",
                f"/campaigns/{foreign.id}/callback-stats/2026-03-04/"):
        assert admin_client.get(url).status_code == 404
    for url in (f"/api/campaigns/{foreign.id}/callback-stats",
                f"/api/campaigns/{foreign.id}/callback-stats/2026-03-04"):
        response = api.get(url)
        assert (response.status_code, response.json()) == (
            404, {"detail": f"Campaign {foreign.id} not found."})
