"""The workflow matrix and the status form in a real Chromium, checked against the database."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.statuses.models import LeadStatus, StatusTransition
from leadflow.statuses.tests.factories import statuses_of

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


def cell(page: Page, from_status: LeadStatus, to_status: LeadStatus) -> Locator:
    return page.locator(f'td[data-testid="cell"][data-from="{from_status.id}"]'
                        f'[data-to="{to_status.id}"]')


def open_frequent_menu(page: Page, campaign: Campaign) -> Locator:
    """All Campaigns → expand the groups → the campaign's Frequent menu."""
    page.goto("/campaigns/")
    page.get_by_test_id("expand-all").click()
    row = page.locator(f"#campaign-{campaign.id}")
    row.get_by_test_id("frequent-menu").click()
    return row


def open_matrix(page: Page, campaign: Campaign) -> None:
    row = open_frequent_menu(page, campaign)
    row.get_by_role("link", name="Lead Status Workflow").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lead Status Workflow")


def test_a_cell_is_ticked_given_a_time_exclusion_saved_and_still_there_after_a_reload(
    page, tenant, admin_user, log_in
):
    campaign = make_campaign(tenant, name="Matrix Promo")
    by_name = statuses_of(campaign)
    converted, busy = by_name["Converted"], by_name["Busy"]  # not ticked by default
    log_in(admin_user)
    open_matrix(page, campaign)

    target = cell(page, converted, busy)
    checkbox = target.get_by_test_id("cell-check")
    expect(checkbox).not_to_be_checked()
    checkbox.check()
    expect(target).to_have_class(re.compile(r"\bis-on\b"))
    target.get_by_test_id("cell-plus").click()
    target.get_by_test_id("cell-from").fill("2")
    target.get_by_test_id("cell-to").fill("9")
    target.get_by_test_id("cell-mode").select_option(label="When Non Permanent")
    page.get_by_test_id("save-workflow").click()

    expect(page.locator(".flash")).to_contain_text("Workflow saved: 75 allowed transitions")
    saved = StatusTransition.objects.get(from_status=converted, to_status=busy)
    assert (saved.exclude_from_day, saved.exclude_to_day, saved.exclude_mode) == (
        2, 9, "when_non_permanent")

    page.reload()
    target = cell(page, converted, busy)
    expect(target.get_by_test_id("cell-check")).to_be_checked()
    expect(target.get_by_test_id("cell-badge")).to_have_text("2–9 NP")
    target.get_by_test_id("cell-plus").click()
    expect(target.get_by_test_id("cell-from")).to_have_value("2")
    expect(target.get_by_test_id("cell-to")).to_have_value("9")
    expect(target.get_by_test_id("cell-mode")).to_have_value("when_non_permanent")


def test_a_bad_range_is_marked_on_its_cell_and_nothing_is_saved(page, tenant, admin_user,
                                                                log_in):
    campaign = make_campaign(tenant)
    by_name = statuses_of(campaign)
    before = StatusTransition.objects.filter(campaign=campaign).count()
    log_in(admin_user)
    page.goto(f"/campaigns/{campaign.id}/workflow/")

    # Untick one cell and give another a backwards range: neither may reach the database.
    cell(page, by_name["Busy"], by_name["Voicemail"]).get_by_test_id("cell-check").uncheck()
    target = cell(page, by_name["No Answer"], by_name["Busy"])
    target.get_by_test_id("cell-plus").click()
    target.get_by_test_id("cell-from").fill("7")
    target.get_by_test_id("cell-to").fill("3")
    page.get_by_test_id("save-workflow").click()

    expect(page.get_by_test_id("workflow-errors")).to_contain_text("Nothing was saved")
    target = cell(page, by_name["No Answer"], by_name["Busy"])
    expect(target).to_have_class(re.compile(r"\bhas-error\b"))
    expect(target.get_by_test_id("cell-error")).to_have_text(
        "The range starts after it ends: day 7 is after day 3.")
    expect(target.get_by_test_id("cell-from")).to_be_visible()  # expanded to show it
    expect(page.locator("td.has-error")).to_have_count(1)
    assert StatusTransition.objects.filter(campaign=campaign).count() == before
    assert StatusTransition.objects.filter(from_status=by_name["Busy"],
                                           to_status=by_name["Voicemail"]).exists()


def test_a_status_gets_a_new_name_and_colour_and_the_list_shows_them(page, tenant, admin_user,
                                                                     log_in):
    campaign = make_campaign(tenant, name="Colour Promo")
    busy = statuses_of(campaign)["Busy"]
    log_in(admin_user)
    row = open_frequent_menu(page, campaign)
    row.get_by_role("link", name="Lead Statuses", exact=True).click()
    page.locator(f'tr[data-status-id="{busy.id}"]').get_by_test_id("edit-status").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Edit status")
    page.get_by_label("Name").fill("Line Busy")
    page.get_by_role("button", name="Teal").click()  # a palette swatch
    colour = page.get_by_label("Color", exact=True)
    expect(colour).to_have_value("#00897b")
    page.get_by_test_id("save-status").click()

    expect(page.locator(".flash")).to_contain_text("Status “Line Busy” saved.")
    row = page.locator(f'tr[data-status-id="{busy.id}"]')
    expect(row).to_have_attribute("data-status-name", "Line Busy")
    expect(row).to_have_attribute("data-color", "#00897b")
    expect(row.get_by_test_id("status-chip")).to_have_text("Line Busy")
    chip_colour = row.get_by_test_id("status-chip").evaluate(
        "el => getComputedStyle(el).getPropertyValue('--chip').trim()")
    assert chip_colour == "#00897b"
    busy.refresh_from_db()
    assert (busy.name, busy.color) == ("Line Busy", "#00897b")


def test_the_colour_input_takes_any_colour_and_a_bad_condition_is_shown_on_its_field(
    page, tenant, admin_user, log_in
):
    campaign = make_campaign(tenant)
    busy = statuses_of(campaign)["Busy"]
    log_in(admin_user)
    page.goto(f"/campaigns/{campaign.id}/statuses/{busy.id}/edit/")

    page.get_by_label("Color", exact=True).fill("#123456")
    # A tampered post (the builder itself only offers known fields) must be refused on
    # its field, naming the bad node, and save nothing.
    page.locator("input[name=required_fields]").evaluate(
        """el => { el.value = JSON.stringify({"any": [{"field": "call_after", "op": "not_empty"},
                   {"field": "mood", "op": "empty"}]}); }""")
    page.get_by_test_id("save-status").click()

    error = page.locator('p.error[data-field="required_fields"]')
    expect(error).to_contain_text("any[1]")
    expect(error).to_contain_text("mood")
    busy.refresh_from_db()
    assert busy.color != "#123456"  # nothing saved

    # Built with the builder: "call_after is not empty".
    page.goto(f"/campaigns/{campaign.id}/statuses/{busy.id}/edit/")
    page.get_by_label("Color", exact=True).fill("#123456")
    builder = page.locator("[data-condition-builder]")
    builder.get_by_role("button", name="Add condition").first.click()
    line = builder.locator(".cb-line").first
    line.get_by_label("Field", exact=True).select_option("call_after")
    line.get_by_label("Operator", exact=True).select_option("not_empty")
    page.get_by_test_id("save-status").click()
    expect(page.locator(".flash")).to_contain_text("saved")
    busy.refresh_from_db()
    assert busy.color == "#123456"
    assert busy.required_fields == {"field": "call_after", "op": "not_empty"}
