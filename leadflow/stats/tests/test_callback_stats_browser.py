"""Call Backs Stats in a real Chromium: from All Campaigns to one agent's callbacks."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.core import clock
from leadflow.dialing.tests.conftest import make_agent
from leadflow.leads.models import CallbackKind
from leadflow.leads.tests.factories import make_lead
from leadflow.tenants.models import Tenant

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_a_manager_goes_from_the_rare_menu_to_a_days_callbacks_of_an_agent(
        tenant: Tenant, admin_user: str, log_in: Callable[[str], Page]) -> None:
    campaign = make_campaign(tenant, name="Spring Promo")
    ann, bob = make_agent(tenant, "ann"), make_agent(tenant, "bob")
    zone = ZoneInfo(tenant.time_zone)
    tomorrow = clock.now().astimezone(zone).date() + timedelta(days=1)
    at_ten = datetime.combine(tomorrow, time(10), tzinfo=zone)
    make_lead(campaign, first_name="Dana", last_name="Meeting", assigned_agent=ann,
              callback_kind=CallbackKind.PERSONAL, callback_at=at_ten)
    make_lead(campaign, first_name="Eli", last_name="Later", assigned_agent=bob,
              callback_kind=CallbackKind.PERSONAL, callback_at=at_ten + timedelta(days=1))

    page = log_in(admin_user)
    page.goto("/campaigns/")
    # Groups start folded: open the one holding the campaign (here the ungrouped ones).
    page.locator('details.group[data-group-id="none"] > summary').click()
    row = page.locator(f"#campaign-{campaign.id}")
    row.get_by_test_id("rare-menu").click()
    row.get_by_role("link", name="Call Backs Stats").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Call Backs Stats\s+· Spring Promo$"))
    day = page.locator(f'[data-testid="callback-day"][data-day="{tomorrow.isoformat()}"]')
    expect(day).to_have_attribute("data-count", "1")
    day.get_by_role("link").click()

    expect(page).to_have_url(re.compile(
        rf"/campaigns/{campaign.id}/callback-stats/{tomorrow.isoformat()}/$"))
    groups = page.get_by_test_id("agent-callbacks")
    expect(groups).to_have_count(1)
    expect(groups).to_have_attribute("data-agent", "ann")
    expect(groups.get_by_test_id("callback-row")).to_have_count(1)
    expect(groups.get_by_test_id("callback-row")).to_contain_text("10:00")
    expect(groups.get_by_test_id("callback-row")).to_contain_text("Dana Meeting")
