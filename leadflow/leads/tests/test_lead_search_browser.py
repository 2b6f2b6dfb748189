"""The Leads search in a real Chromium: Campaigns menu → Leads, type a phone, open the
lead, read its history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.dialing.models import Call
from leadflow.leads.models import LeadEvent, LeadEventKind
from leadflow.leads.tests.factories import make_lead, status_named

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def test_an_admin_finds_a_lead_by_phone_and_reads_its_history(
    page: Page, tenant, admin_user, log_in
):
    campaign = make_campaign(tenant, name="Spring")
    make_lead(campaign, phone="+12025550144", first_name="Other")
    lead = make_lead(campaign, phone="+12025550143", first_name="Ada", last_name="Lovelace")
    agent = User.objects.create(username="ann")
    started = datetime.now(UTC) - timedelta(hours=1)
    LeadEvent.objects.create(tenant=tenant, lead=lead, kind=LeadEventKind.FEEDBACK,
                             old={"status_id": status_named(campaign, "New").id},
                             new={"status_id": status_named(campaign, "Busy").id},
                             actor=agent, created_at=started)
    Call.objects.create(tenant=tenant, lead=lead, campaign=campaign, agent=agent,
                        number_dialled=lead.phone, started_at=started,
                        dial_result="no_answer", lease_token=uuid.uuid4())
    log_in(admin_user)

    page.goto("/campaigns/")
    page.get_by_role("navigation", name="Main").get_by_text("Campaigns", exact=True).click()
    page.get_by_role("link", name="Leads", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leads")

    page.get_by_label("Search").fill("202 555 0143")
    page.get_by_label("Search").press("Enter")
    rows = page.get_by_test_id("lead-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("+12025550143")
    expect(rows.first).to_contain_text("Ada Lovelace")

    rows.first.get_by_test_id("lead-link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Lead {lead.id}")
    events = page.get_by_test_id("event-row")
    expect(events).to_have_count(1)
    expect(events.first).to_contain_text("Feedback")
    expect(events.first).to_contain_text("New → Busy")
    expect(events.first).to_contain_text("ann")
    calls = page.get_by_test_id("call-row")
    expect(calls).to_have_count(1)
    expect(calls.first).to_contain_text("No answer")

    page.get_by_test_id("back-to-search").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leads")
