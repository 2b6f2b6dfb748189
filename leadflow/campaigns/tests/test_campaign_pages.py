"""Server-rendered campaign pages: All Campaigns, the campaign form, toggle, deletes, groups."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from leadflow.campaigns.calling_hours import WEEKDAYS
from leadflow.campaigns.models import Campaign, CampaignGroup
from leadflow.campaigns.tests.factories import make_campaign, make_group
from leadflow.leads.models import Lead
from leadflow.leads.tests.factories import LeadFactory, status_named
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db


def _form_data(**overrides: str) -> dict[str, str]:
    """A valid campaign form post; weekdays 08:00-18:00, weekend closed."""
    data = {
        "name": "Form Campaign", "description": "", "group": "", "is_active": "on",
        "feedback_timeout_seconds": "120", "lead_lease_seconds": "900",
        "time_zone": "Europe/London", "assigned_limit": "0", "max_attempts_per_day": "0",
        "max_attempts_total": "0", "min_minutes_between_calls": "0",
        "caller_id_mode": "fixed", "caller_id_number": "", "caller_id_pool_text": "",
        "mask_phones": "on", "mask_show": "last", "mask_digits": "4",
    }
    for day in WEEKDAYS[:5]:
        data[f"hours_{day}_open"] = "on"
        data[f"hours_{day}_start"] = "08:00"
        data[f"hours_{day}_end"] = "18:00"
    for day in WEEKDAYS[5:]:
        data[f"hours_{day}_start"] = "10:00"
        data[f"hours_{day}_end"] = "12:00"
    data.update(overrides)
    return data


def _inline_errors(html: str) -> dict[str, str]:
    """``{field name: message}`` of the ``<p class="error" data-field=…>`` elements."""
    return dict(re.findall(r'<p class="error"[^>]*? data-field="([^"]+)"[^>]*>([^<]*)</p>', html))


def _chips(html: str) -> dict[str, str]:
    """``{status name: count}`` of the status chips (``data-status`` / ``data-count``)."""
    chips = {}
    for tag in re.findall(r'<span[^>]*data-testid="status-chip"[^>]*>', html):
        attrs = dict(re.findall(r'data-(status|count)="([^"]*)"', tag))
        chips[attrs["status"]] = attrs["count"]
    return chips


def _sections(html: str) -> list[str]:
    return re.split(r'<details class="group[ "]', html)[1:]


# --- All Campaigns --------------------------------------------------------------------------

def test_all_campaigns_lists_groups_the_pseudo_group_counts_and_status_chips(
    admin_client: Client, tenant: Tenant, other_tenant: Tenant
) -> None:
    west = make_group(tenant, name="West Coast")
    make_group(tenant, name="Empty Group")
    grouped = make_campaign(tenant, name="Grouped Campaign", group_id=west.id)
    loose = make_campaign(tenant, name="Loose Campaign")
    LeadFactory.create_batch(3, campaign=grouped)
    LeadFactory.create_batch(2, campaign=grouped, status=status_named(grouped, "Busy"))
    LeadFactory(campaign=loose)
    make_campaign(other_tenant, name="Foreign Campaign")

    response = admin_client.get("/campaigns/")
    assert response.status_code == 200
    html = response.content.decode()

    titles = re.findall(r'<span class="group-title"[^>]*>([^<]*)</span>', html)
    assert titles == ["Empty Group", "West Coast", "Campaigns without a group"]
    empty, west_html, ungrouped = _sections(html)
    assert "No campaigns in this group." in empty
    assert 'data-group-id="none"' in ungrouped

    assert "Grouped Campaign" in west_html and "Loose Campaign" not in west_html
    assert "Loose Campaign" in ungrouped and "Grouped Campaign" not in ungrouped
    assert "Foreign Campaign" not in html

    assert re.findall(r'data-testid="leads-count"[^>]*>(\d+)<', west_html) == ["5"]
    assert re.findall(r'data-testid="leads-count"[^>]*>(\d+)<', ungrouped) == ["1"]
    assert "5 leads" in west_html
    assert _chips(west_html) == {"New": "3", "Busy": "2"}
    busy_colour = status_named(grouped, "Busy").color
    assert f"--chip: {busy_colour}" in west_html


def test_all_campaigns_without_any_group_still_shows_the_pseudo_group(
    admin_client: Client, tenant: Tenant
) -> None:
    make_campaign(tenant, name="Only One")
    html = admin_client.get("/campaigns/").content.decode()
    titles = re.findall(r'<span class="group-title"[^>]*>([^<]*)</span>', html)
    assert titles == ["Campaigns without a group"]
    assert "Only One" in html


def test_supervisor_sees_all_campaigns(supervisor_client: Client, tenant: Tenant) -> None:
    make_campaign(tenant, name="Visible To Supervisors")
    response = supervisor_client.get("/campaigns/")
    assert response.status_code == 200
    assert b"Visible To Supervisors" in response.content


# --- campaign form --------------------------------------------------------------------------

def test_create_form_with_a_bad_value_rerenders_400_with_an_inline_error_and_saves_nothing(
    admin_client: Client,
) -> None:
    response = admin_client.post("/campaigns/new/", _form_data(lead_lease_seconds="5"))

    assert response.status_code == 400
    errors = _inline_errors(response.content.decode())
    assert list(errors) == ["lead_lease_seconds"]
    assert "30" in errors["lead_lease_seconds"]
    # The other values come back as typed.
    assert b'value="Form Campaign"' in response.content
    assert not Campaign.objects.exists()
    assert not LeadStatus.objects.exists()


def test_create_form_with_bad_calling_hours_marks_the_day(admin_client: Client) -> None:
    response = admin_client.post("/campaigns/new/", _form_data(hours_tue_start="19:00"))
    assert response.status_code == 400
    errors = _inline_errors(response.content.decode())
    assert list(errors) == ["hours_tue_start"]
    assert "Tuesday" in errors["hours_tue_start"]
    assert not Campaign.objects.exists()


def test_create_form_with_a_duplicate_name_shows_the_error_on_name(
    admin_client: Client, tenant: Tenant
) -> None:
    make_campaign(tenant, name="Taken")
    response = admin_client.post("/campaigns/new/", _form_data(name="TAKEN"))
    assert response.status_code == 400
    assert "name" in _inline_errors(response.content.decode())
    assert Campaign.objects.count() == 1


def test_create_form_with_random_caller_id_and_no_pool_shows_the_error_on_the_pool(
    admin_client: Client,
) -> None:
    # The model names caller_id_pool, which the form edits as caller_id_pool_text.
    response = admin_client.post("/campaigns/new/", _form_data(caller_id_mode="random_pool"))
    assert response.status_code == 400
    assert "caller_id_pool_text" in _inline_errors(response.content.decode())
    assert not Campaign.objects.exists()


def test_create_form_with_a_bad_pool_line_names_the_line(admin_client: Client) -> None:
    response = admin_client.post("/campaigns/new/", _form_data(
        caller_id_mode="random_pool", caller_id_pool_text="US: +12025550143\nno colon here"))
    assert response.status_code == 400
    errors = _inline_errors(response.content.decode())
    assert errors["caller_id_pool_text"].startswith("Line 2")
    assert not Campaign.objects.exists()


def test_valid_create_form_saves_the_campaign_with_calling_hours_from_the_day_rows(
    admin_client: Client, tenant: Tenant
) -> None:
    group = make_group(tenant, name="Form Group")
    response = admin_client.post("/campaigns/new/", _form_data(
        group=str(group.id), hours_sat_open="on", hours_fri_start="07:30",
        hours_fri_end="16:45", lead_lease_seconds="1200"))

    assert response.status_code == 302
    assert response["Location"] == "/campaigns/"
    campaign = Campaign.objects.get(tenant=tenant, name="Form Campaign")
    assert campaign.group_id == group.id and campaign.lead_lease_seconds == 1200
    assert campaign.calling_hours == {
        "mon": {"start": "08:00", "end": "18:00"}, "tue": {"start": "08:00", "end": "18:00"},
        "wed": {"start": "08:00", "end": "18:00"}, "thu": {"start": "08:00", "end": "18:00"},
        "fri": {"start": "07:30", "end": "16:45"}, "sat": {"start": "10:00", "end": "12:00"},
        "sun": None,
    }
    assert LeadStatus.objects.filter(campaign=campaign).count() == 11


def test_valid_create_form_with_a_random_caller_id_pool_saves_the_pool(
    admin_client: Client, tenant: Tenant
) -> None:
    response = admin_client.post("/campaigns/new/", _form_data(
        caller_id_mode="random_pool",
        caller_id_pool_text="us: +12025550143, +12025550199\nGB: +442079460018"))
    assert response.status_code == 302, _inline_errors(response.content.decode())
    campaign = Campaign.objects.get(tenant=tenant)
    assert campaign.caller_id_mode == "random_pool"
    assert campaign.caller_id_pool == {"US": ["+12025550143", "+12025550199"],
                                       "GB": ["+442079460018"]}


def test_new_campaign_form_starts_from_the_tenants_defaults(
    admin_client: Client, tenant: Tenant
) -> None:
    html = admin_client.get("/campaigns/new/").content.decode()
    assert re.search(r'<option value="Europe/London" selected>', html)


def test_edit_form_saves_changes(admin_client: Client, tenant: Tenant) -> None:
    campaign = make_campaign(tenant, name="Editable")
    page = admin_client.get(f"/campaigns/{campaign.id}/edit/")
    assert page.status_code == 200 and b'value="Editable"' in page.content

    response = admin_client.post(f"/campaigns/{campaign.id}/edit/",
                                 _form_data(name="Edited", description="new"))
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.name, campaign.description) == ("Edited", "new")
    assert campaign.calling_hours["sat"] is None


def test_edit_of_another_tenants_campaign_is_404(
    admin_client: Client, other_tenant: Tenant
) -> None:
    foreign = make_campaign(other_tenant, name="Theirs")
    assert admin_client.get(f"/campaigns/{foreign.id}/edit/").status_code == 404
    assert admin_client.post(f"/campaigns/{foreign.id}/edit/",
                             _form_data(name="Mine")).status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "Theirs"


def test_another_tenants_group_cannot_be_chosen_in_the_form(
    admin_client: Client, other_tenant: Tenant
) -> None:
    foreign = make_group(other_tenant)
    response = admin_client.post("/campaigns/new/", _form_data(group=str(foreign.id)))
    assert response.status_code == 400
    assert "group" in _inline_errors(response.content.decode())
    assert not Campaign.objects.exists()


# --- toggle ---------------------------------------------------------------------------------

def test_toggle_with_htmx_returns_the_row_html_with_dot_off(
    admin_client: Client, tenant: Tenant
) -> None:
    campaign = make_campaign(tenant, name="Toggled")
    LeadFactory.create_batch(2, campaign=campaign)

    response = admin_client.post(f"/campaigns/{campaign.id}/toggle/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith(f'<tr id="campaign-{campaign.id}"')
    assert "<html" not in html
    assert "dot-off" in html and "dot-on" not in html
    assert re.findall(r'data-testid="leads-count"[^>]*>(\d+)<', html) == ["2"]
    campaign.refresh_from_db()
    assert campaign.is_active is False

    again = admin_client.post(f"/campaigns/{campaign.id}/toggle/", HTTP_HX_REQUEST="true")
    assert "dot-on" in again.content.decode()
    campaign.refresh_from_db()
    assert campaign.is_active is True


def test_toggle_without_htmx_redirects_to_the_list(admin_client: Client, tenant: Tenant) -> None:
    campaign = make_campaign(tenant)
    response = admin_client.post(f"/campaigns/{campaign.id}/toggle/")
    assert response.status_code == 302 and response["Location"] == "/campaigns/"
    campaign.refresh_from_db()
    assert campaign.is_active is False


def test_toggle_refuses_get_and_foreign_campaigns(
    admin_client: Client, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine, foreign = make_campaign(tenant), make_campaign(other_tenant)
    assert admin_client.get(f"/campaigns/{mine.id}/toggle/").status_code == 405
    assert admin_client.post(f"/campaigns/{foreign.id}/toggle/").status_code == 404
    foreign.refresh_from_db()
    mine.refresh_from_db()
    assert foreign.is_active and mine.is_active


# --- delete ---------------------------------------------------------------------------------

def test_delete_confirmation_says_how_many_leads_go_and_post_deletes(
    admin_client: Client, tenant: Tenant
) -> None:
    doomed, kept = make_campaign(tenant, name="Doomed"), make_campaign(tenant)
    LeadFactory.create_batch(3, campaign=doomed)
    LeadFactory(campaign=kept)

    page = admin_client.get(f"/campaigns/{doomed.id}/delete/")
    assert page.status_code == 200
    warning = re.search(r'data-testid="delete-warning">(.*?)</p>', page.content.decode())
    assert warning is not None and "3 leads" in warning.group(1)
    assert Campaign.objects.filter(id=doomed.id).exists()

    response = admin_client.post(f"/campaigns/{doomed.id}/delete/", follow=True)
    assert response.redirect_chain[-1][0] == "/campaigns/"
    assert "deleted with 3 leads" in response.content.decode()
    assert not Campaign.objects.filter(id=doomed.id).exists()
    assert not Lead.objects.filter(campaign_id=doomed.id).exists()
    assert Lead.objects.filter(campaign=kept).count() == 1


def test_delete_of_another_tenants_campaign_is_404(
    admin_client: Client, other_tenant: Tenant
) -> None:
    foreign = make_campaign(other_tenant)
    LeadFactory(campaign=foreign)
    assert admin_client.get(f"/campaigns/{foreign.id}/delete/").status_code == 404
    assert admin_client.post(f"/campaigns/{foreign.id}/delete/").status_code == 404
    assert Lead.objects.filter(campaign=foreign).count() == 1


# --- groups ---------------------------------------------------------------------------------

def test_group_list_shows_groups_with_counts_and_the_pseudo_group(
    admin_client: Client, tenant: Tenant
) -> None:
    group = make_group(tenant, name="Listed Group")
    make_campaign(tenant, group_id=group.id)
    make_campaign(tenant, group_id=group.id)
    make_campaign(tenant)
    html = admin_client.get("/campaign-groups/").content.decode()
    row = re.search(r'data-testid="group-row">(.*?)</tr>', html, re.S)
    assert row is not None and "Listed Group" in row.group(1)
    assert '<td class="num">2</td>' in row.group(1)
    pseudo = re.search(r'<tr class="pseudo">(.*?)</tr>', html, re.S)
    assert pseudo is not None and "Campaigns without a group" in pseudo.group(1)
    assert '<td class="num">1</td>' in pseudo.group(1)


def test_group_create_page_saves_the_group_with_its_campaigns(
    admin_client: Client, tenant: Tenant
) -> None:
    old = make_group(tenant, name="Old")
    moved = make_campaign(tenant, group_id=old.id)
    response = admin_client.post("/campaign-groups/new/", {
        "name": "Fresh", "description": "", "campaign_ids": [str(moved.id)]})
    assert response.status_code == 302
    group = CampaignGroup.objects.get(tenant=tenant, name="Fresh")
    moved.refresh_from_db()
    assert moved.group_id == group.id


def test_group_edit_page_with_campaign_ids_moves_campaigns(
    admin_client: Client, tenant: Tenant
) -> None:
    source = make_group(tenant, name="Source")
    target = make_group(tenant, name="Target")
    leaving = make_campaign(tenant, name="Leaving", group_id=target.id)
    arriving = make_campaign(tenant, name="Arriving", group_id=source.id)
    loose = make_campaign(tenant, name="Loose")

    page = admin_client.get(f"/campaign-groups/{target.id}/edit/")
    assert page.status_code == 200
    assert f'name="campaign_ids" value="{leaving.id}"' in page.content.decode()

    response = admin_client.post(f"/campaign-groups/{target.id}/edit/", {
        "name": "Target renamed", "description": "d",
        "campaign_ids": [str(arriving.id), str(loose.id)]})

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.name == "Target renamed"
    assert set(target.campaigns.values_list("id", flat=True)) == {arriving.id, loose.id}
    leaving.refresh_from_db()
    assert leaving.group_id is None
    assert not source.campaigns.exists()


def test_group_edit_page_refuses_another_tenants_campaign(
    admin_client: Client, tenant: Tenant, other_tenant: Tenant
) -> None:
    group = make_group(tenant, name="Mine")
    foreign = make_campaign(other_tenant)
    response = admin_client.post(f"/campaign-groups/{group.id}/edit/", {
        "name": "Mine", "campaign_ids": [str(foreign.id)]})
    assert response.status_code == 400
    foreign.refresh_from_db()
    assert foreign.group_id is None


def test_group_edit_with_a_duplicate_name_rerenders_with_the_error(
    admin_client: Client, tenant: Tenant
) -> None:
    make_group(tenant, name="Taken")
    group = make_group(tenant, name="Free")
    response = admin_client.post(f"/campaign-groups/{group.id}/edit/", {"name": "taken"})
    assert response.status_code == 400
    assert "name" in _inline_errors(response.content.decode())
    group.refresh_from_db()
    assert group.name == "Free"


def test_group_delete_page_counts_campaigns_and_post_ungroups_them(
    admin_client: Client, tenant: Tenant
) -> None:
    group = make_group(tenant, name="Doomed Group")
    members = [make_campaign(tenant, group_id=group.id) for _ in range(2)]

    page = admin_client.get(f"/campaign-groups/{group.id}/delete/")
    assert page.status_code == 200
    assert "Its 2 campaigns will move" in page.content.decode()

    response = admin_client.post(f"/campaign-groups/{group.id}/delete/")
    assert response.status_code == 302 and response["Location"] == "/campaign-groups/"
    assert not CampaignGroup.objects.filter(id=group.id).exists()
    for campaign in members:
        campaign.refresh_from_db()
        assert campaign.group_id is None


@pytest.mark.parametrize("suffix", ["edit/", "delete/"])
def test_group_pages_of_another_tenant_are_404(
    admin_client: Client, other_tenant: Tenant, suffix: str
) -> None:
    foreign = make_group(other_tenant, name="Theirs")
    assert admin_client.get(f"/campaign-groups/{foreign.id}/{suffix}").status_code == 404
    post_data: dict[str, Any] = {"name": "Mine"}
    assert admin_client.post(f"/campaign-groups/{foreign.id}/{suffix}",
                             post_data).status_code == 404
    foreign.refresh_from_db()
    assert foreign.name == "Theirs"


@pytest.mark.parametrize("bad_id", ["abc", "1.5", "99999999999999999999999"])
def test_group_form_with_a_tampered_campaign_id_rerenders_400_not_500(
    admin_client: Client, tenant: Tenant, bad_id: str
) -> None:
    kept = make_campaign(tenant)
    response = admin_client.post("/campaign-groups/new/", {
        "name": "Tampered", "campaign_ids": [str(kept.id), bad_id]})
    assert response.status_code == 400
    # The valid choice stays selected in the re-rendered form.
    assert f'name="campaign_ids" value="{kept.id}"' in response.content.decode()
    assert not CampaignGroup.objects.exists()
