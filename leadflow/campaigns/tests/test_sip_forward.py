"""SIP Forward URIs (the seed's Rare > SIP Forward URIs): the Conference Caller ID by lead
phone or fixed number, through the service, the API and the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from conftest import ApiClient
from leadflow.campaigns.models import Campaign, SipForwardUri
from leadflow.campaigns.sip_forward import sip_forward_uri_create, sip_forward_uri_update
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.core.errors import NotFoundError
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db
URI = "sip:closers@pbx.example.com:5060;transport=tcp"


@pytest.fixture
def campaign(tenant: Tenant) -> Campaign:
    return make_campaign(tenant, name="Spring")


def _create(campaign: Campaign, **fields: Any) -> SipForwardUri:
    values = {"name": "Closers", "uri": URI, **fields}
    return sip_forward_uri_create(tenant=campaign.tenant, campaign_id=campaign.id, **values)


def _refused_fields(**fields: Any) -> set[str]:
    with pytest.raises(ValidationError) as refused:
        _create(**fields)
    return set(refused.value.message_dict)


# --- the service ------------------------------------------------------------------------

def test_by_lead_phone_gives_the_third_side_the_leads_number(campaign: Campaign) -> None:
    forward = _create(campaign)
    assert forward.conference_caller_id_for("+12025550143") == "+12025550143"


def test_by_fixed_number_gives_the_third_side_the_fixed_digits(campaign: Campaign) -> None:
    forward = _create(campaign, conference_caller_id_mode="fixed",
                      conference_caller_id=" +4420700 ")
    assert forward.conference_caller_id_for("+12025550143") == "+4420700"


@pytest.mark.parametrize("digits", ["", "12a4", "++1", "1" * 21, "1-800"])
def test_a_fixed_caller_id_must_be_digits(campaign: Campaign, digits: str) -> None:
    assert _refused_fields(campaign=campaign, conference_caller_id_mode="fixed",
                           conference_caller_id=digits) == {"conference_caller_id"}


@pytest.mark.parametrize("uri", ["closers@pbx", "http://pbx.example.com", "sip:", "sip:a b@c",
                                 "sip:user@"])
def test_a_uri_that_is_not_sip_is_refused_by_name(campaign: Campaign, uri: str) -> None:
    assert _refused_fields(campaign=campaign, uri=uri) == {"uri"}


def test_names_are_unique_per_campaign_whatever_the_case(tenant: Tenant,
                                                          campaign: Campaign) -> None:
    _create(campaign)
    assert _refused_fields(campaign=campaign, name="  CLOSERS ") == {"name"}
    _create(make_campaign(tenant, name="Autumn"))  # another campaign may reuse it


def test_switching_back_to_lead_phone_forgets_the_fixed_number(campaign: Campaign) -> None:
    forward = _create(campaign, conference_caller_id_mode="fixed", conference_caller_id="777")
    sip_forward_uri_update(tenant=campaign.tenant, campaign_id=campaign.id, uri_id=forward.id,
                           conference_caller_id_mode="lead_phone")
    forward.refresh_from_db()
    assert (forward.conference_caller_id_mode, forward.conference_caller_id) == ("lead_phone", "")


def test_a_refused_update_changes_nothing(campaign: Campaign) -> None:
    forward = _create(campaign)
    with pytest.raises(ValidationError):
        sip_forward_uri_update(tenant=campaign.tenant, campaign_id=campaign.id,
                               uri_id=forward.id, name="Renamed", uri="nope")
    forward.refresh_from_db()
    assert (forward.name, forward.uri) == ("Closers", URI)


def test_another_tenants_uri_is_not_found(campaign: Campaign, other_tenant: Tenant) -> None:
    forward = _create(campaign)
    with pytest.raises(NotFoundError):
        sip_forward_uri_update(tenant=other_tenant, campaign_id=campaign.id, uri_id=forward.id,
                               name="Mine")


# --- the API ----------------------------------------------------------------------------

def test_the_api_creates_lists_changes_and_deletes_a_uri(api: ApiClient,
                                                          campaign: Campaign) -> None:
    base = f"/api/campaigns/{campaign.id}/sip-forward-uris"
    created = api.post(base, {"name": "Closers", "uri": URI,
                              "conference_caller_id_mode": "fixed",
                              "conference_caller_id": "15550100"})
    assert created.status_code == 201, created.content
    uri_id = created.json()["id"]
    assert [row["conference_caller_id"] for row in api.get(base).json()] == ["15550100"]
    changed = api.patch(f"{base}/{uri_id}", {"is_active": False})
    assert changed.status_code == 200 and changed.json()["is_active"] is False
    assert api.delete(f"{base}/{uri_id}").json() == {"deleted": True}
    assert api.get(f"{base}/{uri_id}").status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"name": "A", "uri": "pbx"}, "uri"),
    ({"name": "A", "uri": URI, "conference_caller_id_mode": "fixed"}, "conference_caller_id"),
    ({"name": "A", "uri": URI, "conference_caller_id_mode": "by_magic"},
     "conference_caller_id_mode"),
    ({"name": "A", "uri": URI, "colour": "red"}, "colour"),
])
def test_the_api_refuses_a_bad_uri_with_422_naming_the_field(
        api: ApiClient, campaign: Campaign, body: dict[str, Any], field: str) -> None:
    response = api.post(f"/api/campaigns/{campaign.id}/sip-forward-uris", body)
    assert response.status_code == 422
    assert field in {part for item in response.json()["detail"] for part in item["loc"]}
    assert not SipForwardUri.objects.exists()


def test_another_tenants_campaign_answers_404(other_api: ApiClient, campaign: Campaign) -> None:
    response = other_api.post(f"/api/campaigns/{campaign.id}/sip-forward-uris",
                              {"name": "A", "uri": URI})
    assert response.status_code == 404 and "detail" in response.json()


# --- the pages --------------------------------------------------------------------------

def test_the_rare_menu_leads_to_the_campaigns_sip_forward_uris(admin_client: Client,
                                                               campaign: Campaign) -> None:
    _create(campaign, conference_caller_id_mode="fixed", conference_caller_id="15550100")
    table = admin_client.get("/campaigns/").content.decode()
    assert f"/campaigns/{campaign.id}/sip-forward-uris/" in table
    page = admin_client.get(f"/campaigns/{campaign.id}/sip-forward-uris/").content.decode()
    assert "Closers" in page and "By Fixed Number" in page and "15550100" in page


def test_an_admin_adds_then_edits_a_uri_on_the_pages(admin_client: Client,
                                                     campaign: Campaign) -> None:
    base = f"/campaigns/{campaign.id}/sip-forward-uris"
    added = admin_client.post(f"{base}/new/", {"name": "Closers", "uri": URI,
                                               "conference_caller_id_mode": "lead_phone",
                                               "is_active": "on"})
    assert added.status_code == 302
    forward = SipForwardUri.objects.get(campaign=campaign)
    edited = admin_client.post(f"{base}/{forward.id}/edit/", {
        "name": "Closers", "uri": URI, "conference_caller_id_mode": "fixed",
        "conference_caller_id": "15550100", "is_active": "on"})
    assert edited.status_code == 302
    forward.refresh_from_db()
    assert forward.conference_caller_id_for("+12025550143") == "15550100"


def test_a_fixed_mode_without_digits_is_a_form_error_and_saves_nothing(
        admin_client: Client, campaign: Campaign) -> None:
    response = admin_client.post(f"/campaigns/{campaign.id}/sip-forward-uris/new/", {
        "name": "Closers", "uri": URI, "conference_caller_id_mode": "fixed"})
    assert response.status_code == 400
    assert 'data-field="conference_caller_id"' in response.content.decode()
    assert not SipForwardUri.objects.exists()


def test_deleting_asks_first_then_deletes(admin_client: Client, campaign: Campaign) -> None:
    forward = _create(campaign)
    url = f"/campaigns/{campaign.id}/sip-forward-uris/{forward.id}/delete/"
    assert "Delete SIP forward URI" in admin_client.get(url).content.decode()
    assert SipForwardUri.objects.exists()
    assert admin_client.post(url).status_code == 302
    assert not SipForwardUri.objects.exists()


def test_agents_may_not_open_the_page_and_other_tenants_ids_are_404(
        agent_client: Client, admin_client: Client, other_tenant: Tenant) -> None:
    theirs = make_campaign(other_tenant, name="Theirs")
    forward = _create(theirs)
    assert agent_client.get(f"/campaigns/{theirs.id}/sip-forward-uris/").status_code == 403
    assert admin_client.get(f"/campaigns/{theirs.id}/sip-forward-uris/").status_code == 404
    assert admin_client.get(
        f"/campaigns/{theirs.id}/sip-forward-uris/{forward.id}/edit/").status_code == 404
