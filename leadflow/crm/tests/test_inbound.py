"""Inbound routing: leads pushed without a campaign go to the campaign of the first
active route whose condition they meet, and are stored like any API lead."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from conftest import ApiClient
from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.crm.inbound import inbound_route_create, inbound_route_move
from leadflow.crm.models import InboundRoute
from leadflow.leads.dnc import dnc_entry_add
from leadflow.leads.models import Lead
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db
US = "+12025550143"
DE = "+4930901820"
GB = "+442079460018"


@pytest.fixture
def campaigns(tenant: Tenant) -> dict[str, Campaign]:
    return {name: make_campaign(tenant, name=name) for name in ("USA", "German", "Rest")}


@pytest.fixture
def routes(tenant: Tenant, campaigns: dict[str, Campaign]) -> list[InboundRoute]:
    return [
        inbound_route_create(tenant=tenant, name="US leads", campaign_id=campaigns["USA"].id,
                             condition={"field": "country", "op": "eq", "value": "US"}),
        inbound_route_create(tenant=tenant, name="German speakers",
                             campaign_id=campaigns["German"].id,
                             condition={"any": [
                                 {"field": "language", "op": "eq", "value": "de"},
                                 {"field": "custom.market", "op": "eq", "value": "dach"}]}),
        inbound_route_create(tenant=tenant, name="Everything else",
                             campaign_id=campaigns["Rest"].id),
    ]


def _push(api: ApiClient, **lead: Any) -> Any:
    return api.post("/api/inbound/leads", lead)


def _campaign_of(phone: str) -> str:
    return Lead.objects.select_related("campaign").get(phone=phone).campaign.name


@pytest.mark.usefixtures("routes")
@pytest.mark.parametrize(("lead", "campaign"), [
    ({"phone": US}, "USA"),  # the country read off the phone number
    ({"phone": "(202) 555-0143", "default_region": "US"}, "USA"),
    ({"phone": DE, "language": "de"}, "German"),
    ({"phone": GB, "custom_fields": {"market": "dach"}}, "German"),
    ({"phone": GB, "language": "en"}, "Rest"),
    ({"phone": US, "country": "us", "language": "de"}, "USA"),  # the first route wins
])
def test_a_lead_goes_to_the_campaign_of_the_first_route_it_meets(
        api: ApiClient, lead: dict[str, Any], campaign: str) -> None:
    response = _push(api, **lead)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["outcome"] == "imported"
    stored = Lead.objects.select_related("campaign").get(id=body["id"])
    assert stored.campaign.name == campaign == Campaign.objects.get(id=body["campaign_id"]).name


def test_reordering_routes_changes_where_leads_go(api: ApiClient, tenant: Tenant,
                                                  routes: list[InboundRoute]) -> None:
    inbound_route_move(tenant=tenant, route_id=routes[2].id, up=True)
    inbound_route_move(tenant=tenant, route_id=routes[2].id, up=True)
    assert _push(api, phone=US).json()["route"] == "Everything else"
    assert _campaign_of(US) == "Rest"


def test_an_inactive_route_is_passed_over(api: ApiClient, routes: list[InboundRoute]) -> None:
    api.patch(f"/api/inbound/routes/{routes[0].id}", {"is_active": False})
    assert _push(api, phone=US).json()["route"] == "Everything else"


def test_a_lead_no_route_takes_is_refused_and_not_stored(api: ApiClient, tenant: Tenant,
                                                        campaigns: dict[str, Campaign]) -> None:
    inbound_route_create(tenant=tenant, name="US only", campaign_id=campaigns["USA"].id,
                         condition={"field": "country", "op": "eq", "value": "US"})
    response = _push(api, phone=GB)
    assert response.status_code == 422
    assert "No active inbound route" in response.json()["detail"]
    assert not Lead.objects.exists()


@pytest.mark.usefixtures("routes")
def test_the_routed_lead_follows_the_import_rules(api: ApiClient, tenant: Tenant) -> None:
    assert _push(api, phone=US).status_code == 201
    again = _push(api, phone=US)
    assert (again.status_code, again.json()["outcome"]) == (200, "duplicate")
    dnc_entry_add(tenant=tenant, phone=GB)
    assert _push(api, phone=GB).status_code == 409
    refused = _push(api, phone="+1202")
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "phone"]
    assert Lead.objects.count() == 1


@pytest.mark.usefixtures("routes")
def test_a_route_test_names_the_campaign_and_stores_nothing(api: ApiClient) -> None:
    response = api.post("/api/inbound/route-test", {"phone": DE, "language": "de"})
    assert response.json()["route"] == "German speakers"
    assert not Lead.objects.exists()


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "X", "condition": {"field": "weight", "op": "gt", "value": 1}}, "condition"),
    ({"name": "X", "condition": {"field": "country", "op": "gt"}}, "condition"),
    ({"name": "US leads"}, "name"),
    ({"name": "X", "colour": "red"}, "colour"),
])
def test_a_bad_route_is_refused_naming_the_field(
        api: ApiClient, routes: list[InboundRoute], campaigns: dict[str, Campaign],
        body: dict[str, Any], field: str) -> None:
    response = api.post("/api/inbound/routes", {"campaign_id": campaigns["Rest"].id, **body})
    assert response.status_code in (409, 422), response.content
    detail = response.json()
    named = ({part for item in detail["detail"] for part in item["loc"]}
             if isinstance(detail["detail"], list) else {detail.get("field")})
    assert field in named
    assert InboundRoute.objects.count() == 3


def test_a_route_to_another_tenants_campaign_is_refused(api: ApiClient,
                                                        other_tenant: Tenant) -> None:
    theirs = make_campaign(other_tenant, name="Theirs")
    response = api.post("/api/inbound/routes", {"name": "X", "campaign_id": theirs.id})
    assert response.status_code == 422
    assert not InboundRoute.objects.exists()


def test_another_tenants_routes_are_invisible(other_api: ApiClient,
                                              routes: list[InboundRoute]) -> None:
    assert other_api.get("/api/inbound/routes").json() == []
    assert other_api.get(f"/api/inbound/routes/{routes[0].id}").status_code == 404
    assert other_api.post("/api/inbound/leads", {"phone": US}).status_code == 422


# --- the pages --------------------------------------------------------------------------

def test_an_admin_adds_a_route_with_the_condition_builder(admin_client: Client,
                                                          campaigns: dict[str, Campaign]) -> None:
    condition = {"field": "source", "op": "starts_with", "value": "google"}
    response = admin_client.post("/tenant/inbound-routes/new/", {
        "name": "Paid search", "campaign_id": campaigns["USA"].id,
        "condition": json.dumps(condition), "is_active": "on"})
    assert response.status_code == 302
    route = InboundRoute.objects.get()
    assert (route.name, route.campaign_id, route.condition) == (
        "Paid search", campaigns["USA"].id, condition)
    listed = admin_client.get("/tenant/inbound-routes/").content.decode()
    assert 'data-name="Paid search"' in listed and "source starts with google" in listed
    assert "/tenant/inbound-routes/" in admin_client.get("/campaigns/").content.decode()


def test_a_condition_on_a_field_leads_do_not_bring_is_a_form_error(
        admin_client: Client, campaigns: dict[str, Campaign]) -> None:
    response = admin_client.post("/tenant/inbound-routes/new/", {
        "name": "Heavy", "campaign_id": campaigns["USA"].id,
        "condition": json.dumps({"field": "attempts", "op": "gt", "value": 3})})
    assert response.status_code == 400
    assert 'data-field="condition"' in response.content.decode()
    assert not InboundRoute.objects.exists()


def test_the_move_buttons_reorder_the_routes(admin_client: Client,
                                             routes: list[InboundRoute]) -> None:
    admin_client.post(f"/tenant/inbound-routes/{routes[0].id}/move/", {"direction": "down"})
    assert list(InboundRoute.objects.values_list("name", flat=True)) == [
        "German speakers", "US leads", "Everything else"]


def test_deleting_a_route_asks_first(admin_client: Client, routes: list[InboundRoute]) -> None:
    url = f"/tenant/inbound-routes/{routes[1].id}/delete/"
    assert "Delete inbound route" in admin_client.get(url).content.decode()
    admin_client.post(url)
    assert InboundRoute.objects.count() == 2


def test_only_admins_edit_inbound_routing(supervisor_client: Client,
                                          routes: list[InboundRoute]) -> None:
    assert supervisor_client.get("/tenant/inbound-routes/").status_code == 403
    assert supervisor_client.post(f"/tenant/inbound-routes/{routes[0].id}/move/",
                                  {"direction": "down"}).status_code == 403
