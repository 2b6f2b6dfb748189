"""The pages: Lead Statuses, the status form, deleting, the workflow matrix, API mapping."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.leads.models import Lead
from leadflow.statuses.models import LeadStatus, StatusApiMapping, StatusTransition
from leadflow.statuses.tests.factories import make_lead, make_mapping, statuses_of

pytestmark = pytest.mark.django_db


def _page_urls(campaign, status, mapping) -> list[str]:
    return [
        f"/campaigns/{campaign.id}/statuses/",
        f"/campaigns/{campaign.id}/statuses/new/",
        f"/campaigns/{campaign.id}/statuses/{status.id}/edit/",
        f"/campaigns/{campaign.id}/statuses/{status.id}/delete/",
        f"/campaigns/{campaign.id}/workflow/",
        f"/campaigns/status-api-mapping/{status.id}/edit/",
        f"/campaigns/crm-status-mappings/{mapping.id}/edit/",
        f"/campaigns/crm-status-mappings/{mapping.id}/delete/",
    ]


def _status_form(status: LeadStatus, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": status.name, "description": status.description,
        "max_call_after_days": status.max_call_after_days, "color": status.color,
        "api_mapping": status.api_mapping_id or "",
        "required_fields": json.dumps(status.required_fields) if status.required_fields else "",
    }
    for flag in ("affects_permanent_assignment", "allow_call_after", "is_dialable",
                 "is_do_not_call", "is_final", "is_default_for_new_leads"):
        if getattr(status, flag):
            data[flag] = "on"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _grid(campaign) -> set[tuple[Any, ...]]:
    return set(StatusTransition.objects.filter(campaign=campaign).values_list(
        "from_status_id", "to_status_id", "exclude_from_day", "exclude_to_day", "exclude_mode"))


def _grid_post(cells: dict[tuple[int, int], tuple[str, str, str]]) -> dict[str, str]:
    data: dict[str, str] = {}
    for (from_id, to_id), (low, high, mode) in cells.items():
        key = f"{from_id}_{to_id}"
        data |= {f"allow_{key}": "on", f"from_{key}": low, f"to_{key}": high, f"mode_{key}": mode}
    return data


# --- roles and tenancy ------------------------------------------------------------------------

def test_agents_get_403_on_every_status_page(tenant, agent_client: Client):
    campaign = make_campaign(tenant)
    status, mapping = statuses_of(campaign)["Busy"], make_mapping(tenant)
    urls = _page_urls(campaign, status, mapping) + ["/campaigns/status-api-mapping/",
                                                    "/campaigns/crm-status-mappings/",
                                                    "/campaigns/crm-status-mappings/new/"]
    for url in urls:
        assert agent_client.get(url).status_code == 403, url
        assert agent_client.post(url, {}).status_code == 403, url
    assert StatusApiMapping.objects.filter(id=mapping.id).exists()


def test_another_tenants_ids_answer_404_on_every_page(tenant, other_tenant, admin_client: Client):
    theirs = make_campaign(other_tenant)
    status, mapping = statuses_of(theirs)["Busy"], make_mapping(other_tenant)
    for url in _page_urls(theirs, status, mapping):
        assert admin_client.get(url).status_code == 404, url
        assert admin_client.post(url, {}).status_code == 404, url


def test_a_status_of_another_campaign_in_the_url_answers_404(tenant, admin_client: Client):
    campaign, other = make_campaign(tenant), make_campaign(tenant)
    status = statuses_of(other)["Busy"]
    assert admin_client.get(
        f"/campaigns/{campaign.id}/statuses/{status.id}/edit/").status_code == 404


def test_supervisors_can_open_the_pages(tenant, supervisor_client: Client):
    campaign = make_campaign(tenant)
    for url in _page_urls(campaign, statuses_of(campaign)["Busy"], make_mapping(tenant)):
        assert supervisor_client.get(url).status_code == 200, url


# --- navigation -------------------------------------------------------------------------------

def test_the_menus_lead_to_the_status_pages(tenant, admin_client: Client):
    campaign = make_campaign(tenant)
    html = admin_client.get("/campaigns/").content.decode()
    for href in (f"/campaigns/{campaign.id}/statuses/", f"/campaigns/{campaign.id}/workflow/",
                 "/campaigns/status-api-mapping/", "/campaigns/crm-status-mappings/"):
        assert f'href="{href}"' in html, href
    assert "Lead Statuses API Mapping" in html and "Lead Status Workflow" in html


# --- the list and the form ----------------------------------------------------------------------

def test_the_list_shows_every_status_and_marks_the_system_one(tenant, admin_client: Client):
    campaign = make_campaign(tenant)
    make_lead(campaign, status="Busy")
    html = admin_client.get(f"/campaigns/{campaign.id}/statuses/").content.decode()
    assert html.count('data-testid="status-row"') == 11
    assert html.count('data-testid="system-flag"') == 1
    new_row = re.search(r'data-status-name="New".*?</tr>', html, re.S)
    assert new_row and 'data-testid="system-flag"' in new_row.group(0)


def test_the_edit_page_says_a_system_status_cannot_be_chosen_by_agents(tenant,
                                                                       admin_client: Client):
    campaign = make_campaign(tenant)
    by_name = statuses_of(campaign)
    new = admin_client.get(f"/campaigns/{campaign.id}/statuses/{by_name['New'].id}/edit/")
    busy = admin_client.get(f"/campaigns/{campaign.id}/statuses/{by_name['Busy'].id}/edit/")
    assert "agents can't choose this status" in new.content.decode()
    assert 'data-testid="system-notice"' not in busy.content.decode()


def test_editing_a_status_saves_every_field(tenant, admin_client: Client):
    campaign = make_campaign(tenant)
    busy = statuses_of(campaign)["Busy"]
    mapping = make_mapping(tenant, code="BUSY")
    tree = {"all": [{"field": "comment", "op": "not_empty"}]}

    response = admin_client.post(
        f"/campaigns/{campaign.id}/statuses/{busy.id}/edit/",
        _status_form(busy, name="Line Busy", color="#abcdef", max_call_after_days="5",
                     api_mapping=str(mapping.id), required_fields=json.dumps(tree),
                     allow_call_after="on", is_dialable=None))

    assert response.status_code == 302
    busy.refresh_from_db()
    assert (busy.name, busy.color, busy.max_call_after_days, busy.api_mapping_id) == (
        "Line Busy", "#abcdef", 5, mapping.id)
    assert busy.required_fields == tree and busy.allow_call_after and not busy.is_dialable


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"color": "blue"}, "color", "is not a colour"),
    ({"name": "voicemail"}, "name", "already has a status"),
    ({"name": "   "}, "name", "This field is required"),
    ({"required_fields": '{"all": [{"field": "mood", "op": "empty"}]}'}, "required_fields",
     "all[0]"),
    ({"required_fields": "{not json"}, "required_fields", "valid JSON"),
    ({"max_call_after_days": "-1"}, "max_call_after_days", "greater than or equal to 0"),
], ids=["colour", "duplicate-name", "blank-name", "unknown-field", "not-json", "negative-days"])
def test_status_form_errors_are_shown_inline_on_their_field(tenant, admin_client: Client,
                                                            changes, field, words):
    campaign = make_campaign(tenant)
    busy = statuses_of(campaign)["Busy"]

    response = admin_client.post(f"/campaigns/{campaign.id}/statuses/{busy.id}/edit/",
                                 _status_form(busy, **changes))

    assert response.status_code == 400
    html = response.content.decode()
    errors = re.findall(rf'<p class="error" data-field="{field}">(.*?)</p>', html, re.S)
    assert errors and words in " ".join(errors), html
    busy.refresh_from_db()
    assert busy.name == "Busy"


def test_adding_a_status_from_the_page(tenant, admin_client: Client):
    campaign = make_campaign(tenant)
    data = {"name": "Callback Tomorrow", "description": "", "max_call_after_days": "1",
            "color": "#00897b", "api_mapping": "", "required_fields": "", "is_dialable": "on"}
    response = admin_client.post(f"/campaigns/{campaign.id}/statuses/new/", data, follow=True)
    assert response.status_code == 200
    assert "Tick it in the Lead Status Workflow" in response.content.decode()
    created = LeadStatus.objects.get(campaign=campaign, name="Callback Tomorrow")
    assert created.required_fields == {} and created.is_dialable


# --- deleting ---------------------------------------------------------------------------------

def test_deleting_a_status_in_use_asks_where_its_leads_go_then_moves_them(tenant,
                                                                          admin_client: Client):
    campaign = make_campaign(tenant)
    by_name = statuses_of(campaign)
    leads = [make_lead(campaign, status="Busy") for _ in range(2)]
    url = f"/campaigns/{campaign.id}/statuses/{by_name['Busy'].id}/delete/"

    page = admin_client.get(url).content.decode()
    assert "2 leads" in page and 'name="move_leads_to"' in page
    refused = admin_client.post(url, {})
    assert refused.status_code == 400 and LeadStatus.objects.filter(id=by_name["Busy"].id).exists()

    response = admin_client.post(url, {"move_leads_to": by_name["No Answer"].id})

    assert response.status_code == 302
    assert not LeadStatus.objects.filter(id=by_name["Busy"].id).exists()
    assert set(Lead.objects.filter(id__in=[x.id for x in leads]).values_list(
        "status_id", flat=True)) == {by_name["No Answer"].id}


def test_deleting_the_default_status_asks_for_the_new_default(tenant, admin_client: Client):
    campaign = make_campaign(tenant)
    by_name = statuses_of(campaign)
    url = f"/campaigns/{campaign.id}/statuses/{by_name['New'].id}/delete/"
    assert 'name="new_default_status_id"' in admin_client.get(url).content.decode()
    assert admin_client.post(url, {}).status_code == 400

    admin_client.post(url, {"new_default_status_id": by_name["No Answer"].id})

    assert LeadStatus.objects.get(id=by_name["No Answer"].id).is_default_for_new_leads


# --- the workflow matrix ------------------------------------------------------------------------

def test_the_matrix_shows_one_checkbox_per_cell_ticked_as_saved(tenant, admin_client: Client):
    campaign = make_campaign(tenant)
    html = admin_client.get(f"/campaigns/{campaign.id}/workflow/").content.decode()
    assert html.count('data-testid="cell-check"') == 11 * 11
    assert len(re.findall(r'data-testid="cell-check"\s*checked', html)) == 0  # attr order
    assert html.count(" checked aria-label=") == len(_grid(campaign)) == 74
    assert html.count("30–3650 P") == 7  # the default Call Again - Personal exclusion


def test_saving_the_matrix_replaces_the_grid(tenant, admin_client: Client):
    campaign = make_campaign(tenant)
    by_name = statuses_of(campaign)
    busy, voicemail = by_name["Busy"].id, by_name["Voicemail"].id
    post = _grid_post({(busy, voicemail): ("2", "4", "when_permanent"),
                       (voicemail, voicemail): ("", "", "ignore")})

    response = admin_client.post(f"/campaigns/{campaign.id}/workflow/", post)

    assert response.status_code == 302
    assert _grid(campaign) == {(busy, voicemail, 2, 4, "when_permanent"),
                               (voicemail, voicemail, None, None, "ignore")}


def test_days_of_an_unticked_cell_are_not_saved(tenant, admin_client: Client):
    campaign = make_campaign(tenant)
    busy = statuses_of(campaign)["Busy"].id
    admin_client.post(f"/campaigns/{campaign.id}/workflow/",
                      {f"from_{busy}_{busy}": "1", f"to_{busy}_{busy}": "2"})
    assert _grid(campaign) == set()


@pytest.mark.parametrize(("low", "high", "words"), [
    ("5", "2", "starts after it ends"),
    ("-1", "2", "cannot be negative"),
    ("3", "", "both days"),
    ("x", "2", "not a whole number"),
])
def test_a_bad_cell_is_marked_on_the_cell_and_nothing_is_saved(tenant, admin_client: Client,
                                                               low, high, words):
    campaign = make_campaign(tenant)
    by_name = statuses_of(campaign)
    busy, voicemail = by_name["Busy"].id, by_name["Voicemail"].id
    before = _grid(campaign)
    post = _grid_post({(busy, busy): ("", "", "ignore"),
                       (busy, voicemail): (low, high, "ignore")})

    response = admin_client.post(f"/campaigns/{campaign.id}/workflow/", post)

    assert response.status_code == 400
    html = response.content.decode()
    cell = re.search(rf'<td class="cell[^"]*has-error[^"]*"[^>]*data-from="{busy}" '
                     rf'data-to="{voicemail}">.*?</td>', html, re.S)
    assert cell and words in cell.group(0)
    assert html.count("has-error") == 1  # only that cell
    assert "Nothing was saved" in html
    assert f'value="{low}"' in cell.group(0)  # what was typed stays
    assert _grid(campaign) == before


def test_posted_ids_of_another_campaign_are_ignored(tenant, admin_client: Client):
    campaign, other = make_campaign(tenant), make_campaign(tenant)
    mine, theirs = statuses_of(campaign)["Busy"].id, statuses_of(other)["Busy"].id
    admin_client.post(f"/campaigns/{campaign.id}/workflow/",
                      _grid_post({(mine, theirs): ("", "", "ignore"),
                                  (mine, mine): ("", "", "ignore")}))
    assert _grid(campaign) == {(mine, mine, None, None, "ignore")}


# --- CRM mappings and the Lead Statuses API Mapping page ------------------------------------------

def test_crm_mappings_are_created_edited_and_deleted_from_the_pages(tenant, admin_client: Client):
    assert admin_client.post("/campaigns/crm-status-mappings/new/",
                             {"code": "SALE", "description": "Sold"}).status_code == 302
    mapping = StatusApiMapping.objects.get(tenant=tenant, code="SALE")
    duplicate = admin_client.post("/campaigns/crm-status-mappings/new/", {"code": "sale"})
    assert duplicate.status_code == 400 and "already exists" in duplicate.content.decode()
    admin_client.post(f"/campaigns/crm-status-mappings/{mapping.id}/edit/",
                      {"code": "SOLD", "description": "Sold"})
    mapping.refresh_from_db()
    assert mapping.code == "SOLD"
    admin_client.post(f"/campaigns/crm-status-mappings/{mapping.id}/delete/")
    assert not StatusApiMapping.objects.filter(id=mapping.id).exists()


def test_the_api_mapping_page_lists_every_campaign_status_and_edits_its_mapping(
    tenant, admin_client: Client,
):
    first, second = make_campaign(tenant), make_campaign(tenant)
    mapping = make_mapping(tenant, code="DNC", description="Do not call")
    dnc = statuses_of(second)["Do Not Call"]

    html = admin_client.get("/campaigns/status-api-mapping/").content.decode()
    assert html.count('data-testid="status-mapping-row"') == 22
    assert first.name in html and second.name in html

    response = admin_client.post(f"/campaigns/status-api-mapping/{dnc.id}/edit/",
                                 {"api_mapping": mapping.id})

    assert response.status_code == 302
    dnc.refresh_from_db()
    assert dnc.api_mapping_id == mapping.id
    html = admin_client.get("/campaigns/status-api-mapping/").content.decode()
    row = re.search(rf'data-status-id="{dnc.id}".*?</tr>', html, re.S)
    assert row and "DNC" in row.group(0) and "Do not call" in row.group(0)


def test_a_status_cannot_be_mapped_to_another_tenants_mapping_from_the_page(
    tenant, other_tenant, admin_client: Client,
):
    busy = statuses_of(make_campaign(tenant))["Busy"]
    theirs = make_mapping(other_tenant)
    response = admin_client.post(f"/campaigns/status-api-mapping/{busy.id}/edit/",
                                 {"api_mapping": theirs.id})
    assert response.status_code == 400
    busy.refresh_from_db()
    assert busy.api_mapping_id is None
