"""The back office in a real Chromium: what a manager sees and clicks, checked against the database.

Data is built through the services and factories; every figure the page shows is compared
with a count taken from the database in the test, not with the code that renders it.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db.models import Count, Q
from django.test import Client
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from leadflow.campaigns.models import Campaign, CampaignGroup
from leadflow.campaigns.tests.factories import make_campaign, make_group
from leadflow.core import clock
from leadflow.leads.models import Lead
from leadflow.leads.tests.factories import LeadFactory, status_named
from leadflow.ui.tests.conftest import OPEN_ALL_WEEK, PASSWORD, VIEWPORT_HEIGHT, VIEWPORT_WIDTH

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]


# --- helpers -------------------------------------------------------------------------------

def group_section(page: Page, group: CampaignGroup | None) -> Locator:
    group_id = group.id if group else "none"
    return page.locator(f'details.group[data-group-id="{group_id}"]')


def campaign_row(page: Page, campaign: Campaign) -> Locator:
    return page.locator(f"#campaign-{campaign.id}")


def group_plus(section: Locator) -> Locator:
    """The group's own summary (the "+" line), not the row menus' summaries inside it."""
    return section.locator(":scope > summary")


def is_open(section: Locator) -> bool:
    return bool(section.evaluate("el => el.open"))


def chips_shown(row: Locator) -> dict[str, int]:
    """The status chips of a row as {name: count}, checking the visible text says the same."""
    shown: dict[str, int] = {}
    for chip in row.get_by_test_id("status-chip").all():
        name, count = chip.get_attribute("data-status"), chip.get_attribute("data-count")
        assert name is not None and count is not None
        assert " ".join(chip.inner_text().split()) == f"{name} {count}"
        shown[name] = int(count)
    return shown


def fully_visible(page: Page, element: Locator) -> bool:
    """Inside the viewport and the topmost element at its centre (not clipped, not covered).

    Waits briefly: a menu is placed by a script when its "toggle" event fires.
    """
    try:
        page.wait_for_function(
            """el => {
                const r = el.getBoundingClientRect();
                if (r.width === 0 || r.height === 0) return false;
                if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth)
                    return false;
                const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                return hit === el || el.contains(hit);
            }""",
            arg=element.element_handle(), timeout=2_000,
        )
    except PlaywrightTimeoutError:
        return False
    return True


# --- logging in ----------------------------------------------------------------------------

def test_an_admin_logs_in_through_the_form_and_lands_on_all_campaigns(page, tenant, admin_user):
    campaign = make_campaign(tenant, name="Spring Promo")

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    page.get_by_label("Username").fill(admin_user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(r"/campaigns/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("All Campaigns")
    expect(page.get_by_test_id("tenant-name")).to_have_text("Acme Calls")
    expect(page.get_by_test_id("user-menu")).to_have_text("boss · Admin")
    expect(group_section(page, None)).to_contain_text("Campaigns without a group")
    expect(campaign_row(page, campaign)).to_have_count(1)


def test_a_wrong_password_keeps_the_admin_on_the_login_page(page, admin_user):
    page.goto("/login/")
    page.get_by_label("Username").fill(admin_user)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()

    expect(page.locator(".form-errors")).to_be_visible()
    assert "/login/" in page.url
    assert page.get_by_test_id("user-menu").count() == 0


def test_an_agent_who_logs_in_lands_on_the_workspace_and_cannot_open_campaigns(
    page, tenant, agent_user
):
    campaign = make_campaign(tenant, name="Agents Keep Out")

    page.goto("/login/")
    page.get_by_label("Username").fill(agent_user)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Workspace")
    expect(page.locator("nav.mainnav")).not_to_contain_text("Campaigns")
    response = page.goto("/campaigns/")
    assert response is not None and response.status == 403
    response = page.goto(f"/campaigns/{campaign.id}/edit/")
    assert response is not None and response.status == 403

    # Nor can the agent flip a campaign with a hand-made POST (CSRF is off in the test
    # client, so the 403 comes from the role check).
    client = Client()
    assert client.login(username=agent_user, password=PASSWORD)
    assert client.post(f"/campaigns/{campaign.id}/toggle/").status_code == 403
    campaign.refresh_from_db()
    assert campaign.is_active is True


# --- All Campaigns: groups -----------------------------------------------------------------

def test_groups_start_collapsed_and_open_one_by_one_or_all_at_once(page, tenant, admin_user,
                                                                  log_in):
    brand_a, brand_b = make_group(tenant, name="Brand A"), make_group(tenant, name="Brand B")
    in_a = make_campaign(tenant, name="Forex EN", group_id=brand_a.id)
    in_b = make_campaign(tenant, name="Insurance", group_id=brand_b.id)
    loose = make_campaign(tenant, name="Surveys")

    log_in(admin_user).goto("/campaigns/")
    sections = [group_section(page, brand_a), group_section(page, brand_b),
                group_section(page, None)]
    rows = [campaign_row(page, in_a), campaign_row(page, in_b), campaign_row(page, loose)]
    assert page.locator("details.group").count() == 3
    for section, row in zip(sections, rows, strict=True):
        assert not is_open(section)
        expect(row).to_be_hidden()

    group_plus(sections[1]).click()  # the "+" of Brand B
    expect(rows[1]).to_be_visible()
    assert is_open(sections[1])
    assert not is_open(sections[0]) and not is_open(sections[2])
    expect(rows[0]).to_be_hidden()

    expand_all = page.get_by_test_id("expand-all")
    expand_all.click()
    for section, row in zip(sections, rows, strict=True):
        expect(row).to_be_visible()
        assert is_open(section)
    expect(expand_all).to_have_text("Collapse All")

    expand_all.click()
    for section, row in zip(sections, rows, strict=True):
        expect(row).to_be_hidden()
        assert not is_open(section)


# --- All Campaigns: figures ----------------------------------------------------------------

def test_leads_available_leads_and_status_chips_match_the_database(page, tenant, admin_user,
                                                                   log_in, midday):
    group = make_group(tenant, name="Brand A")
    campaign = make_campaign(tenant, name="Forex EN", group_id=group.id,
                             calling_hours=OPEN_ALL_WEEK)
    neighbour = make_campaign(tenant, name="Forex DE", group_id=group.id,
                              calling_hours=OPEN_ALL_WEEK)
    new, no_answer = status_named(campaign, "New"), status_named(campaign, "No Answer")
    later = clock.now() + timedelta(days=1)
    earlier = clock.now() - timedelta(days=1)
    # Campaign: 5 New (1 frozen, 1 blacklisted, 1 frozen in the past = thawed) + 3 No Answer
    # (1 frozen, 1 in a second zone) → 8 leads, 5 available.
    LeadFactory.create_batch(2, campaign=campaign, status=new)
    LeadFactory(campaign=campaign, status=new, frozen_until=later)
    LeadFactory(campaign=campaign, status=new, is_blacklisted=True)
    LeadFactory(campaign=campaign, status=new, frozen_until=earlier)
    LeadFactory(campaign=campaign, status=no_answer)
    LeadFactory(campaign=campaign, status=no_answer, zones=("Europe/Berlin",))
    LeadFactory(campaign=campaign, status=no_answer, frozen_until=later)
    # Neighbour in the same group: its leads must not leak into the campaign's figures.
    LeadFactory.create_batch(3, campaign=neighbour, status=status_named(neighbour, "Busy"))
    LeadFactory(campaign=neighbour, status=status_named(neighbour, "Busy"), is_blacklisted=True)

    log_in(admin_user).goto("/campaigns/")
    group_plus(group_section(page, group)).click()

    for shown_campaign in (campaign, neighbour):
        leads = Lead.objects.filter(campaign=shown_campaign)
        available = leads.filter(is_blacklisted=False).filter(
            Q(frozen_until__isnull=True) | Q(frozen_until__lte=clock.now()))
        by_status = dict(leads.values_list("status__name").annotate(n=Count("id")).order_by())

        row = campaign_row(page, shown_campaign)
        expect(row.get_by_test_id("leads-count")).to_have_text(str(leads.count()))
        expect(row.get_by_test_id("available-count")).to_have_text(str(available.count()))
        assert chips_shown(row) == by_status

    # The same figures, written out, so a wrong query above cannot agree with a wrong page.
    row = campaign_row(page, campaign)
    expect(row.get_by_test_id("leads-count")).to_have_text("8")
    expect(row.get_by_test_id("available-count")).to_have_text("5")
    assert chips_shown(row) == {"New": 5, "No Answer": 3}
    assert chips_shown(campaign_row(page, neighbour)) == {"Busy": 4}
    expect(group_plus(group_section(page, group))).to_contain_text(
        "2 campaigns · 12 leads · 8 available")


# --- Campaign Groups: dual list ------------------------------------------------------------

def test_a_group_made_with_the_dual_list_takes_the_campaign_from_its_old_group(
    page, tenant, admin_user, log_in
):
    old_group = make_group(tenant, name="Old Brand")
    moving = make_campaign(tenant, name="Forex DE", group_id=old_group.id)
    staying = make_campaign(tenant, name="Insurance Web", group_id=old_group.id)
    loose = make_campaign(tenant, name="Surveys")

    log_in(admin_user).goto("/campaign-groups/")
    page.get_by_role("link", name="Create New Campaign Group").click()
    page.get_by_label("Name").fill("Europe Desk")

    available = page.get_by_test_id("duallist-available")
    chosen = page.get_by_test_id("duallist-selected")
    page.get_by_test_id("duallist-filter").fill("forex")
    expect(available.get_by_role("button", name="Forex DE")).to_be_visible()
    expect(available.get_by_role("button", name="Insurance Web")).to_be_hidden()
    expect(available.get_by_role("button", name="Surveys")).to_be_hidden()

    available.get_by_role("button", name="Forex DE").click()
    expect(chosen.get_by_role("button", name="Forex DE")).to_be_visible()
    expect(available.get_by_role("button", name="Forex DE")).to_have_count(0)
    expect(chosen.get_by_role("button")).to_have_count(1)
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(r"/campaign-groups/$"))
    expect(page.locator(".flash")).to_contain_text("Campaign group “Europe Desk” created.")
    new_group = CampaignGroup.objects.get(tenant=tenant, name="Europe Desk")
    assert list(new_group.campaigns.all()) == [moving]
    assert list(old_group.campaigns.all()) == [staying]
    loose.refresh_from_db()
    assert loose.group is None

    page.goto("/campaigns/")
    page.get_by_test_id("expand-all").click()
    expect(group_section(page, new_group).locator(f"#campaign-{moving.id}")).to_be_visible()
    expect(group_section(page, old_group).locator(f"#campaign-{moving.id}")).to_have_count(0)
    expect(group_section(page, old_group).locator(f"#campaign-{staying.id}")).to_be_visible()


# --- All Campaigns: the Rare menu ----------------------------------------------------------

def test_disabling_from_the_rare_menu_turns_the_dot_red_and_activating_turns_it_green(
    page, tenant, admin_user, log_in, midday
):
    group = make_group(tenant, name="Brand A")
    make_campaign(tenant, name="First", group_id=group.id)
    campaign = make_campaign(tenant, name="Forex EN", group_id=group.id,
                             calling_hours=OPEN_ALL_WEEK)
    LeadFactory.create_batch(3, campaign=campaign)

    log_in(admin_user).goto("/campaigns/")
    group_plus(group_section(page, group)).click()
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    row = campaign_row(page, campaign)
    dot = row.get_by_test_id("active-dot")
    expect(dot).to_have_attribute("data-active", "true")
    expect(dot).to_have_class("dot dot-on")
    expect(row.get_by_test_id("available-count")).to_have_text("3")

    row.get_by_test_id("rare-menu").click()
    row.get_by_role("button", name="Disable").click()

    expect(dot).to_have_attribute("data-active", "false")
    expect(dot).to_have_class("dot dot-off")
    expect(row.get_by_test_id("available-count")).to_have_text("0")
    campaign.refresh_from_db()
    assert campaign.is_active is False
    assert page.evaluate("window.__sameDocument") is True  # htmx swapped just the row
    assert is_open(group_section(page, group))

    row.get_by_test_id("rare-menu").click()
    row.get_by_role("button", name="Activate").click()

    expect(dot).to_have_attribute("data-active", "true")
    expect(dot).to_have_class("dot dot-on")
    expect(row.get_by_test_id("available-count")).to_have_text("3")
    campaign.refresh_from_db()
    assert campaign.is_active is True
    assert page.evaluate("window.__sameDocument") is True


def test_the_menus_of_a_groups_last_row_open_fully_visible(page, tenant, admin_user, log_in):
    # Enough rows that the page scrolls, and the last row sits at the bottom of the screen.
    upper = make_group(tenant, name="Brand A")
    upper_last = [make_campaign(tenant, name=f"Brand A {n}", group_id=upper.id)
                  for n in range(1, 4)][-1]
    # "Campaigns without a group" is always the last section: its last row is the page's.
    lower_last = [make_campaign(tenant, name=f"Loose {n:02}") for n in range(1, 16)][-1]

    log_in(admin_user).goto("/campaigns/")
    page.get_by_test_id("expand-all").click()
    assert page.evaluate("document.documentElement.scrollHeight") > VIEWPORT_HEIGHT

    for campaign in (upper_last, lower_last):
        row = campaign_row(page, campaign)
        row.scroll_into_view_if_needed()
        if campaign is lower_last:
            page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        for summary_name, must_have in (("Frequent", "Edit"), ("Rare", "Delete Campaign")):
            row.locator("summary", has_text=summary_name).click()
            menu = row.locator("details.menu[open] .menu-items")
            expect(menu).to_be_visible()
            expect(menu.get_by_text(must_have, exact=True)).to_have_count(1)
            assert fully_visible(page, menu), f"{summary_name} menu of {campaign.name} clipped"
            for item in menu.locator("a, button").all():
                label = item.inner_text()
                assert fully_visible(page, item), f"{label} of {campaign.name} not clickable"
            # A click elsewhere (the empty margin right of the content) closes the menu.
            page.mouse.click(VIEWPORT_WIDTH - 5, VIEWPORT_HEIGHT // 2)
            expect(row.locator("details.menu[open]")).to_have_count(0)
