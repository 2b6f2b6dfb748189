"""The statuses REST API: statuses, CRM mappings, the status-mapping read, the workflow grid."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from conftest import ApiClient
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.leads.models import Lead
from leadflow.statuses.models import LeadStatus, StatusTransition
from leadflow.statuses.services import status_set_api_mapping
from leadflow.statuses.tests.factories import make_lead, make_mapping, statuses_of

pytestmark = pytest.mark.django_db


def _put(api: ApiClient, path: str, data: object) -> Any:
    return api.client.put(path, data, content_type="application/json")


def _grid(campaign) -> list[tuple[Any, ...]]:
    return sorted(StatusTransition.objects.filter(campaign=campaign).values_list(
        "from_status_id", "to_status_id", "exclude_from_day", "exclude_to_day", "exclude_mode"))


# --- the status-mapping read (remote adapter) ---------------------------------------------

def test_the_status_mapping_lists_every_campaign_status_with_its_mapping_or_null(api, tenant):
    first, second = make_campaign(tenant, name="Alpha"), make_campaign(tenant, name="Beta")
    sale = make_mapping(tenant, code="SALE", description="Sold")
    converted = statuses_of(first)["Converted"]
    status_set_api_mapping(tenant=tenant, status_id=converted.id, api_mapping_id=sale.id)

    response = api.get("/api/status-mapping")

    assert response.status_code == 200
    body = response.json()
    assert [c["campaign_name"] for c in body] == ["Alpha", "Beta"]
    statuses = {s["name"]: s for s in body[0]["statuses"]}
    assert statuses["Converted"] == {"status_id": converted.id, "name": "Converted",
                                     "color": converted.color,
                                     "mapping": {"id": sale.id, "code": "SALE",
                                                 "description": "Sold"}}
    assert statuses["Busy"]["mapping"] is None
    assert len(body[1]["statuses"]) == LeadStatus.objects.filter(campaign=second).count()


def test_the_status_mapping_can_be_read_for_one_campaign(api, tenant):
    campaign = make_campaign(tenant)
    make_campaign(tenant)
    body = api.get(f"/api/status-mapping?campaign_id={campaign.id}").json()
    assert [c["campaign_id"] for c in body] == [campaign.id]


def test_the_status_mapping_never_shows_another_tenants_campaigns(api, tenant, other_tenant):
    theirs = make_campaign(other_tenant)
    assert api.get("/api/status-mapping").json() == []
    assert api.get(f"/api/status-mapping?campaign_id={theirs.id}").json() == []


# --- CRM mappings CRUD ------------------------------------------------------------------------

def test_mapping_crud_round_trip(api, tenant):
    created = api.post("/api/status-api-mappings", {"code": "CB", "description": "Callback"})
    assert created.status_code == 201, created.content
    mapping_id = created.json()["id"]
    assert api.get(f"/api/status-api-mappings/{mapping_id}").json()["code"] == "CB"
    patched = api.patch(f"/api/status-api-mappings/{mapping_id}", {"description": "Call back"})
    assert patched.json() == {"id": mapping_id, "code": "CB", "description": "Call back"}
    assert [m["code"] for m in api.get("/api/status-api-mappings").json()] == ["CB"]
    assert api.delete(f"/api/status-api-mappings/{mapping_id}").json() == {"statuses_unmapped": 0}
    assert api.get(f"/api/status-api-mappings/{mapping_id}").status_code == 404


def test_a_duplicate_mapping_code_is_a_422_naming_the_code(api, tenant):
    make_mapping(tenant, code="SALE")
    response = api.post("/api/status-api-mappings", {"code": "sale"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "code"]


def test_another_tenants_mapping_answers_404(api, other_tenant):
    theirs = make_mapping(other_tenant)
    assert api.get(f"/api/status-api-mappings/{theirs.id}").status_code == 404
    assert api.patch(f"/api/status-api-mappings/{theirs.id}", {"code": "X"}).status_code == 404
    assert api.delete(f"/api/status-api-mappings/{theirs.id}").status_code == 404


# --- statuses ---------------------------------------------------------------------------------

def test_statuses_are_listed_per_campaign_with_the_derived_system_flag(api, tenant):
    campaign = make_campaign(tenant)
    body = api.get(f"/api/campaigns/{campaign.id}/statuses").json()
    assert [s["name"] for s in body][:3] == ["New", "No Answer", "Busy"]
    assert [s["name"] for s in body if s["is_system"]] == ["New"]


def test_a_status_is_created_patched_and_mapped(api, tenant):
    campaign = make_campaign(tenant)
    mapping = make_mapping(tenant)
    created = api.post(f"/api/campaigns/{campaign.id}/statuses",
                       {"name": "Callback", "color": "#00ff00", "allow_call_after": True,
                        "max_call_after_days": 3, "api_mapping_id": mapping.id})
    assert created.status_code == 201, created.content
    status_id = created.json()["id"]

    patched = api.patch(f"/api/statuses/{status_id}",
                        {"name": "Call back", "api_mapping_id": None,
                         "required_fields": {"field": "call_after", "op": "not_empty"}})

    assert patched.status_code == 200, patched.content
    assert patched.json()["name"] == "Call back"
    assert patched.json()["api_mapping_id"] is None
    assert patched.json()["is_system"] is False


def test_a_bad_status_is_a_422_naming_the_field(api, tenant):
    campaign = make_campaign(tenant)
    for payload, field in [({"name": "X", "color": "blue"}, "color"),
                           ({"name": "X", "required_fields": {"field": "nope", "op": "empty"}},
                            "required_fields"),
                           ({"name": "X", "surprise": 1}, "surprise")]:
        response = api.post(f"/api/campaigns/{campaign.id}/statuses", payload)
        assert response.status_code == 422, payload
        assert field in response.json()["detail"][0]["loc"]


def test_deleting_a_status_in_use_through_the_api_moves_its_leads(api, tenant):
    campaign = make_campaign(tenant)
    by_name = statuses_of(campaign)
    lead = make_lead(campaign, status="Busy")
    refused = api.delete(f"/api/statuses/{by_name['Busy'].id}")
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "move_leads_to"]

    response = api.delete(f"/api/statuses/{by_name['Busy'].id}"
                          f"?move_leads_to={by_name['Voicemail'].id}")

    assert response.json() == {"moved_leads": 1}
    assert Lead.objects.get(id=lead.id).status_id == by_name["Voicemail"].id


def test_another_tenants_statuses_and_campaigns_answer_404(api, other_tenant):
    theirs = make_campaign(other_tenant)
    status = statuses_of(theirs)["Busy"]
    assert api.get(f"/api/campaigns/{theirs.id}/statuses").status_code == 404
    assert api.post(f"/api/campaigns/{theirs.id}/statuses", {"name": "X"}).status_code == 404
    assert api.get(f"/api/statuses/{status.id}").status_code == 404
    assert api.patch(f"/api/statuses/{status.id}", {"name": "Y"}).status_code == 404
    assert api.delete(f"/api/statuses/{status.id}").status_code == 404
    assert api.get(f"/api/campaigns/{theirs.id}/workflow").status_code == 404
    assert _put(api, f"/api/campaigns/{theirs.id}/workflow", []).status_code == 404


# --- the workflow grid ------------------------------------------------------------------------

def test_the_workflow_grid_round_trips_through_get_and_put(api, tenant):
    campaign = make_campaign(tenant)
    by_name = statuses_of(campaign)
    grid = [
        {"from_status_id": by_name["Busy"].id, "to_status_id": by_name["Busy"].id,
         "exclude_from_day": None, "exclude_to_day": None, "exclude_mode": "ignore"},
        {"from_status_id": by_name["Busy"].id, "to_status_id": by_name["Personal Meeting"].id,
         "exclude_from_day": 0, "exclude_to_day": 2, "exclude_mode": "when_non_permanent"},
    ]
    assert len(api.get(f"/api/campaigns/{campaign.id}/workflow").json()) == 74

    saved = _put(api, f"/api/campaigns/{campaign.id}/workflow", grid)

    assert saved.status_code == 200, saved.content
    assert saved.json() == grid
    assert api.get(f"/api/campaigns/{campaign.id}/workflow").json() == grid


@pytest.mark.parametrize("case", ["unknown", "other-campaign", "other-tenant", "bad-range"])
def test_a_bad_grid_entry_is_a_422_naming_it_and_nothing_is_saved(api, tenant, other_tenant,
                                                                  case):
    campaign = make_campaign(tenant)
    by_name = statuses_of(campaign)
    bad_id = {"unknown": 987_654_321,
              "other-campaign": statuses_of(make_campaign(tenant))["Busy"].id,
              "other-tenant": statuses_of(make_campaign(other_tenant))["Busy"].id,
              "bad-range": by_name["Voicemail"].id}[case]
    entry = {"from_status_id": by_name["Busy"].id, "to_status_id": bad_id}
    if case == "bad-range":
        entry |= {"exclude_from_day": 9, "exclude_to_day": 1}
    grid = [{"from_status_id": by_name["Busy"].id, "to_status_id": by_name["Busy"].id}, entry]
    before = _grid(campaign)

    response = _put(api, f"/api/campaigns/{campaign.id}/workflow", grid)

    assert response.status_code == 422
    [problem] = response.json()["detail"]
    field = "exclude_from_day" if case == "bad-range" else "to_status_id"
    assert problem["loc"] == ["body", "payload", 1, field]
    assert problem["entry"] == {"from_status_id": by_name["Busy"].id, "to_status_id": bad_id}
    if case != "bad-range":
        assert str(bad_id) in problem["msg"]
    if case == "other-tenant":
        assert problem["msg"] == f"Status {bad_id} not found."
    assert _grid(campaign) == before


def test_a_grid_entry_with_an_unknown_key_or_mode_is_refused_by_the_schema(api, tenant):
    campaign = make_campaign(tenant)
    busy = statuses_of(campaign)["Busy"].id
    for entry in ({"from_status_id": busy, "to_status_id": busy, "colour": "red"},
                  {"from_status_id": busy, "to_status_id": busy, "exclude_mode": "sometimes"}):
        response = _put(api, f"/api/campaigns/{campaign.id}/workflow", [entry])
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][:3] == ["body", "payload", 0]


def test_an_agents_session_cannot_use_the_statuses_api(tenant, agent_client: Client):
    campaign = make_campaign(tenant)
    assert agent_client.get(f"/api/campaigns/{campaign.id}/workflow").status_code == 401
    assert agent_client.get("/api/status-mapping").status_code == 401


def test_a_managers_session_can_read_the_grid(tenant, supervisor_client: Client):
    campaign = make_campaign(tenant)
    assert supervisor_client.get(f"/api/campaigns/{campaign.id}/workflow").status_code == 200
