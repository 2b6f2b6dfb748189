"""The Rules page and rule editor in a real Chromium; the saved rule then fires for real."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from leadflow.campaigns.models import Campaign
from leadflow.dialing.tests.conftest import AT
from leadflow.leads.models import Lead, LeadEvent
from leadflow.rules.engine import RULE_EVENT_KIND
from leadflow.rules.models import Rule, RuleGroup
from leadflow.rules.tests.support import call_with_feedback
from leadflow.statuses.tests.factories import make_lead, statuses_of
from leadflow.tenants.models import Tenant

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

RULE_NAME = "Hot leads busy or unanswered: push and rest"


def open_rules_from_the_frequent_menu(page: Page, campaign: Campaign) -> None:
    page.goto("/campaigns/")
    page.get_by_test_id("expand-all").click()
    row = page.locator(f"#campaign-{campaign.id}")
    row.get_by_test_id("frequent-menu").click()
    row.get_by_role("link", name="Rules", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rules")


def set_line(line: Locator, field: str, op: str, value: str) -> None:
    """One condition line: choose the field and operator, then type or pick the value."""
    line.get_by_label("Field").select_option(label=field)
    line.get_by_label("Operator").select_option(label=op)
    box = line.get_by_label("Value")
    if box.evaluate("el => el.tagName") == "SELECT":
        box.select_option(label=value)
    else:
        box.fill(value)


def test_an_admin_builds_an_event_rule_dry_runs_it_saves_it_and_feedback_fires_it(
        page: Page, tenant: Tenant, campaign: Campaign, agent: Any, admin_user: str,
        log_in: Any) -> None:
    status = statuses_of(campaign)
    busy, no_answer = status["Busy"], status["No Answer"]
    make_lead(campaign, status=busy, weight=8)
    make_lead(campaign, status=no_answer, weight=9)
    make_lead(campaign, status=busy, weight=2)  # too light
    target = make_lead(campaign, weight=20)  # the default status: matches after feedback
    log_in(admin_user)

    open_rules_from_the_frequent_menu(page, campaign)
    groups = page.get_by_test_id("rule-group")
    expect(groups).to_have_count(RuleGroup.objects.filter(campaign=campaign).count())
    template_rule = page.get_by_test_id("rule-name").filter(has_text="No Answer 3 times")
    expect(template_rule).to_be_hidden()  # collapsed by default
    page.get_by_test_id("expand-all").click()
    expect(template_rule).to_be_visible()
    expect(page.get_by_test_id("expand-all")).to_have_text("Collapse All")

    groups.first.get_by_test_id("new-rule").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New rule")
    page.get_by_label("Name").fill(RULE_NAME)
    expect(page.get_by_test_id("schedule-section")).to_be_hidden()
    page.get_by_test_id("trigger-event").select_option(label="Feedback submitted")

    conditions = page.get_by_test_id("conditions-section")
    conditions.get_by_role("button", name="Add condition").click()
    set_line(conditions.locator(".cb-line").first, "Weight", ">", "5")
    conditions.get_by_role("button", name="Add group").first.click()
    inner = conditions.locator(".cb-root .cb-group")
    expect(inner.get_by_role("button", name="OR: any may hold")).to_have_attribute(
        "aria-pressed", "true")
    set_line(inner.locator(".cb-line").first, "Status", "=", "Busy")
    inner.get_by_role("button", name="Add condition").click()
    set_line(inner.locator(".cb-line").nth(1), "Status", "=", "No Answer")

    page.get_by_test_id("new-action-type").select_option(label="Change weight")
    page.get_by_test_id("add-action").click()
    page.get_by_test_id("action-weight-value").fill("10")
    page.get_by_test_id("new-action-type").select_option(label="Freeze (remove from the pool)")
    page.get_by_test_id("add-action").click()
    expect(page.get_by_test_id("action-row")).to_have_count(2)
    page.get_by_test_id("action-freeze-days").fill("2")

    page.get_by_test_id("dry-run").click()
    expect(page.get_by_test_id("dry-run-count")).to_have_text("Matches 2 leads now")
    expect(page.get_by_test_id("dry-run-row")).to_have_count(2)

    page.get_by_test_id("save-rule").click()
    expect(page.locator(".flash")).to_contain_text(f"Rule “{RULE_NAME}” saved.")
    row = page.get_by_test_id("rule-row").filter(has_text=RULE_NAME)
    expect(row.get_by_test_id("rule-condition")).to_have_text(
        "Weight > 5 and (Status = Busy or Status = No Answer)")
    expect(row.get_by_test_id("rule-actions")).to_contain_text("Weight +10")

    rule = Rule.objects.get(name=RULE_NAME)
    assert rule.triggers == [{"event": "feedback_submitted"}]
    assert rule.conditions == {"all": [
        {"field": "weight", "op": "gt", "value": 5},
        {"any": [{"field": "status", "op": "eq", "value": busy.id},
                 {"field": "status", "op": "eq", "value": no_answer.id}]}]}
    assert rule.actions == [{"type": "change_weight", "mode": "add", "value": 10},
                            {"type": "freeze", "days": 2}]

    call = call_with_feedback(tenant, campaign, agent, status="Busy", at=AT, lead=target)
    lead = Lead.objects.get(id=target.id)
    assert lead.weight == 30
    assert call.feedback_at is not None
    assert lead.frozen_until == call.feedback_at + timedelta(days=2)
    applied = LeadEvent.objects.get(lead=lead, kind=RULE_EVENT_KIND, rule_name=RULE_NAME)
    assert applied.new["actions"] == ["change_weight", "freeze"]


def test_a_bad_action_is_marked_on_its_row_and_the_rule_is_not_saved(
        page: Page, tenant: Tenant, campaign: Campaign, admin_user: str, log_in: Any) -> None:
    group = RuleGroup.objects.filter(campaign=campaign).first()
    assert group is not None
    log_in(admin_user)
    page.goto(f"/campaigns/{campaign.id}/rules/new/?group={group.id}")
    page.get_by_label("Name").fill("Weightless")
    page.get_by_test_id("new-action-type").select_option(label="Change weight")
    page.get_by_test_id("add-action").click()  # the value is left empty
    page.get_by_test_id("save-rule").click()

    bad_row = page.get_by_test_id("action-row").first
    expect(bad_row).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(bad_row).to_contain_text("Action 1 (change_weight): 'value' must be")
    expect(page.get_by_label("Name")).to_have_value("Weightless")
    assert not Rule.objects.filter(name="Weightless").exists()


def test_a_time_rule_shows_hours_and_weekdays_in_the_tenant_zone_instead_of_triggers(
        page: Page, tenant: Tenant, campaign: Campaign, admin_user: str, log_in: Any) -> None:
    group = RuleGroup.objects.filter(campaign=campaign).first()
    assert group is not None
    log_in(admin_user)
    page.goto(f"/campaigns/{campaign.id}/rules/new/?group={group.id}")
    page.get_by_label("Name").fill("Thaw at night")
    page.get_by_test_id("kind-time").click()
    expect(page.get_by_test_id("triggers-section")).to_be_hidden()
    expect(page.get_by_test_id("tenant-zone")).to_have_text("Europe/London")
    page.get_by_test_id("hours").get_by_label("03:00").check()
    page.get_by_test_id("weekdays").get_by_label("Sat").check()
    page.get_by_test_id("new-action-type").select_option(label="Unfreeze")
    page.get_by_test_id("add-action").click()
    page.get_by_test_id("save-rule").click()
    expect(page.locator(".flash")).to_contain_text("Rule “Thaw at night” saved.")
    rule = Rule.objects.get(name="Thaw at night")
    assert (rule.kind, rule.hours, rule.weekdays, rule.triggers) == ("time", [3], [5], [])
