"""A campaign's custom field definitions: list, add, edit, delete."""

from __future__ import annotations

import pytest

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.leads.custom_fields import campaign_field_create
from leadflow.leads.models import CampaignField, Lead
from leadflow.leads.tests.factories import LeadFactory
from leadflow.leads.tests.pages_support import text_of

pytestmark = pytest.mark.django_db


def test_the_page_lists_the_campaigns_fields_and_adds_one(admin_client, tenant):
    campaign = make_campaign(tenant, name="Fields")
    campaign_field_create(tenant=tenant, campaign_id=campaign.id, key="tier", label="Tier")
    other = make_campaign(tenant)
    campaign_field_create(tenant=tenant, campaign_id=other.id, key="elsewhere", label="No")

    response = admin_client.get(f"/campaigns/{campaign.id}/custom-fields/")
    assert response.status_code == 200
    assert [d.key for d in response.context["definitions"]] == ["tier"]
    assert "Deleting a definition keeps the values in the leads' data." in text_of(response)

    response = admin_client.post(f"/campaigns/{campaign.id}/custom-fields/", {
        "key": "signup_date", "label": "Signed up", "field_type": "date"})
    assert response.status_code == 302
    added = CampaignField.objects.get(campaign=campaign, key="signup_date")
    assert (added.label, added.field_type, added.tenant_id) == ("Signed up", "date", tenant.id)
    assert "Custom field “signup_date” added." in text_of(
        admin_client.get(f"/campaigns/{campaign.id}/custom-fields/"))


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"key": "Tier Level", "label": "x", "field_type": "text"}, "key", "lowercase letters"),
    ({"key": "tier", "label": "Again", "field_type": "text"}, "key",
     "The campaign already has a field “tier”."),
    ({"key": "ok_key", "label": "", "field_type": "text"}, "label", "required"),
    ({"key": "ok_key", "label": "x", "field_type": "colour"}, "field_type",
     "Select a valid choice"),
])
def test_a_bad_definition_is_refused_inline(admin_client, tenant, data, field, message):
    campaign = make_campaign(tenant)
    campaign_field_create(tenant=tenant, campaign_id=campaign.id, key="tier", label="Tier")
    response = admin_client.post(f"/campaigns/{campaign.id}/custom-fields/", data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert CampaignField.objects.filter(campaign=campaign).count() == 1


def test_the_same_key_is_fine_in_another_campaign(admin_client, tenant):
    first, second = make_campaign(tenant), make_campaign(tenant)
    campaign_field_create(tenant=tenant, campaign_id=first.id, key="tier", label="Tier")
    response = admin_client.post(f"/campaigns/{second.id}/custom-fields/", {
        "key": "tier", "label": "Tier", "field_type": "text"})
    assert response.status_code == 302
    assert CampaignField.objects.filter(key="tier").count() == 2


def test_editing_changes_label_and_type_but_never_the_key(admin_client, tenant):
    campaign = make_campaign(tenant)
    field = campaign_field_create(tenant=tenant, campaign_id=campaign.id, key="score",
                                  label="Score")
    page = admin_client.get(f"/campaigns/{campaign.id}/custom-fields/{field.id}/edit/")
    assert page.status_code == 200 and page.context["form"].fields["key"].disabled
    response = admin_client.post(f"/campaigns/{campaign.id}/custom-fields/{field.id}/edit/", {
        "key": "hacked", "label": "Lead score", "field_type": "number"})
    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.key, field.label, field.field_type) == ("score", "Lead score", "number")


def test_deleting_a_definition_keeps_the_values_in_the_leads_data(admin_client, tenant):
    campaign = make_campaign(tenant)
    field = campaign_field_create(tenant=tenant, campaign_id=campaign.id, key="tier",
                                  label="Tier")
    LeadFactory(campaign=campaign, custom_fields={"tier": "Gold"})
    confirm = admin_client.get(f"/campaigns/{campaign.id}/custom-fields/{field.id}/delete/")
    assert "keep their “tier” values" in text_of(confirm)
    response = admin_client.post(f"/campaigns/{campaign.id}/custom-fields/{field.id}/delete/")
    assert response.status_code == 302
    assert not CampaignField.objects.filter(id=field.id).exists()
    assert Lead.objects.get(campaign=campaign).custom_fields == {"tier": "Gold"}


def test_the_frequent_menu_links_to_custom_fields_and_import(admin_client, tenant):
    campaign = make_campaign(tenant)
    html = admin_client.get("/campaigns/").content.decode()
    assert f'href="/campaigns/{campaign.id}/custom-fields/">Custom fields</a>' in html
    assert f'href="/campaigns/imports/new/?campaign={campaign.id}">Import leads</a>' in html
    for label in ("Import leads", "Imports", "Do-not-call list"):
        assert f">{label}</a>" in html


def test_another_tenants_campaign_or_field_is_a_404_and_agents_get_403(
    admin_client, agent_client, tenant, other_tenant
):
    mine = make_campaign(tenant)
    rival = make_campaign(other_tenant)
    rival_field = campaign_field_create(tenant=other_tenant, campaign_id=rival.id, key="x",
                                        label="X")
    assert admin_client.get(f"/campaigns/{rival.id}/custom-fields/").status_code == 404
    assert admin_client.post(f"/campaigns/{rival.id}/custom-fields/", {
        "key": "y", "label": "Y", "field_type": "text"}).status_code == 404
    for action in ("edit", "delete"):
        url = f"/campaigns/{mine.id}/custom-fields/{rival_field.id}/{action}/"
        assert admin_client.get(url).status_code == 404
        assert admin_client.post(url, {"label": "Z", "field_type": "text"}).status_code == 404
    assert CampaignField.objects.get(id=rival_field.id).label == "X"
    assert agent_client.get(f"/campaigns/{mine.id}/custom-fields/").status_code == 403
