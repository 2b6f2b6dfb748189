"""The agent workspace: the page, and in a browser the full loop through the dialing API
(next lead → call → dial result → feedback → the next one), routed by a desk."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from playwright.sync_api import Page, expect

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.leads.models import Lead
from leadflow.leads.tests.factories import LeadFactory, status_named
from leadflow.routing.services import FilterGroupInput as F
from leadflow.routing.services import break_state_create
from leadflow.routing.tests.factories import make_agent, make_desk, make_user_group
from leadflow.routing.workspace import required_feedback_fields
from leadflow.tenants.models import Tenant

ALL_DAY = {day: {"start": "00:00", "end": "23:59"}
           for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def test_required_feedback_fields_are_the_top_level_not_empty_tests() -> None:
    tree = {"all": [{"field": "comment", "op": "not_empty"},
                    {"any": [{"field": "date", "op": "not_empty"}]},
                    {"field": "call_after", "op": "not_empty"}]}
    assert required_feedback_fields(tree) == ["call_after", "comment"]
    assert required_feedback_fields({}) == []


@pytest.mark.django_db
def test_the_workspace_shows_the_state_switch_and_my_future_callbacks(
        tenant: Tenant, agent_client: Client) -> None:
    break_state_create(tenant=tenant, name="Lunch")
    agent = agent_client.get("/workspace/").wsgi_request.user
    campaign = make_campaign(tenant)
    LeadFactory(campaign=campaign, first_name="Callme", assigned_agent=agent,
                callback_at=datetime.now(UTC) + timedelta(days=1))
    LeadFactory(campaign=campaign, first_name="Past", assigned_agent=agent,
                callback_at=datetime.now(UTC) - timedelta(days=1))
    page = agent_client.get("/workspace/").content.decode()
    assert "Break: Lunch" in page and "Next lead" in page
    assert "Callme" in page and "Past" not in page
    fragment = agent_client.get("/workspace/?fragment=callbacks").content.decode()
    assert "Callme" in fragment and "<html" not in fragment


@pytest.fixture
def afternoon() -> Iterator[datetime]:
    """Today 17:00 UTC (noon in New York: inside the US federal window), clock ticking."""
    moment = datetime.now(UTC).replace(hour=17, minute=0, second=0, microsecond=0)
    with time_machine.travel(moment, tick=True):
        yield moment


@pytest.mark.django_db(transaction=True)
def test_an_agent_runs_the_full_loop_in_the_browser(
        tenant: Tenant, afternoon: datetime, log_in: Callable[[str], Page]) -> None:
    from leadflow.dialing.claim import claim_cache_clear

    claim_cache_clear()
    campaign = make_campaign(tenant, calling_hours=ALL_DAY, time_zone="America/New_York")
    # Just called leads wait an hour, so the next lead is the other one.
    Campaign.objects.filter(id=campaign.id).update(min_minutes_between_calls=60)
    LeadFactory(campaign=campaign, phone="+12025550143", first_name="Ada", weight=5)
    LeadFactory(campaign=campaign, phone="+12025550199", first_name="Bob", weight=1)
    desk = make_desk(tenant, "Sales")
    make_user_group(tenant, "Main", desks={desk: 1}, filters=[F(
        name="this campaign", condition={"field": "campaign", "op": "eq",
                                         "value": campaign.id})])
    make_agent(tenant, "walker", desks=[desk])

    page = log_in("walker")
    page.goto("/workspace/")
    page.get_by_test_id("next-lead").click()
    card = page.get_by_test_id("lead-card")
    expect(card).to_contain_text("Ada")
    expect(card).to_contain_text("0143")
    expect(card).not_to_contain_text("+12025550143")  # masked
    page.get_by_test_id("call").click()
    page.get_by_test_id("dial-results").get_by_role("button", name="Busy").click()
    form = page.get_by_test_id("feedback-form")
    expect(form).to_be_visible()
    expect(page.get_by_test_id("feedback-countdown")).to_contain_text("Feedback within")
    options = page.get_by_test_id("feedback-status").locator("option").all_inner_texts()
    assert "Busy" in options and "New" not in options
    page.get_by_test_id("feedback-status").select_option(label="Busy")
    page.get_by_test_id("feedback-submit").click()
    expect(page.get_by_test_id("ws-message")).to_contain_text("Feedback saved")
    assert Lead.objects.get(first_name="Ada").status_id == status_named(campaign, "Busy").id

    page.get_by_test_id("next-lead").click()
    expect(card).to_contain_text("Bob")
