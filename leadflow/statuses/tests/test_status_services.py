"""Status and CRM-mapping writes: validation, the default status, deleting a status in use."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.core.errors import NotFoundError
from leadflow.leads.models import Lead
from leadflow.statuses.models import LeadStatus, StatusApiMapping, StatusTransition
from leadflow.statuses.services import (
    api_mapping_create,
    api_mapping_delete,
    api_mapping_update,
    status_create,
    status_delete,
    status_set_api_mapping,
    status_update,
)
from leadflow.statuses.tests.factories import make_lead, make_mapping, statuses_of

pytestmark = pytest.mark.django_db


def _errors(caught: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return caught.value.message_dict


# --- creating and editing statuses ------------------------------------------------------------

def test_a_new_status_goes_last_and_is_in_no_workflow_cell(tenant):
    campaign = make_campaign(tenant)
    status = status_create(tenant=tenant, campaign_id=campaign.id, name="  Callback Later ",
                           color="#123abc", max_call_after_days=7, allow_call_after=True)
    assert status.name == "Callback Later"
    assert status.position == max(s.position for s in statuses_of(campaign).values())
    assert not StatusTransition.objects.filter(to_status=status).exists()


def test_a_status_name_is_unique_in_its_campaign_whatever_the_case(tenant):
    campaign = make_campaign(tenant)
    with pytest.raises(ValidationError) as caught:
        status_create(tenant=tenant, campaign_id=campaign.id, name="busy")
    assert "already has a status" in _errors(caught)["name"][0]
    # Another campaign may use the name.
    assert status_create(tenant=tenant, campaign_id=make_campaign(tenant).id, name="Lunch")


@pytest.mark.parametrize("colour", ["red", "#12345", "#GGGGGG", "", "#1234567"])
def test_a_colour_must_be_a_hex_colour(tenant, colour):
    campaign = make_campaign(tenant)
    with pytest.raises(ValidationError) as caught:
        status_create(tenant=tenant, campaign_id=campaign.id, name="X", color=colour)
    assert "color" in _errors(caught)


def test_required_fields_naming_an_unknown_field_are_refused_naming_the_node(tenant):
    campaign = make_campaign(tenant)
    tree = {"all": [{"field": "call_after", "op": "not_empty"},
                    {"field": "shoe_size", "op": "eq", "value": 42}]}
    with pytest.raises(ValidationError) as caught:
        status_create(tenant=tenant, campaign_id=campaign.id, name="X", required_fields=tree)
    [message] = _errors(caught)["required_fields"]
    assert "all[1]" in message and "shoe_size" in message


def test_required_fields_may_only_use_feedback_fields(tenant):
    campaign = make_campaign(tenant)
    with pytest.raises(ValidationError) as caught:
        status_create(tenant=tenant, campaign_id=campaign.id, name="X",
                      required_fields={"field": "weight", "op": "gt", "value": 1})
    assert "weight" in _errors(caught)["required_fields"][0]


def test_unknown_fields_are_refused_by_name(tenant):
    campaign = make_campaign(tenant)
    with pytest.raises(ValidationError) as caught:
        status_create(tenant=tenant, campaign_id=campaign.id, name="X", is_system=True)
    assert "is_system" in _errors(caught)


def test_another_tenants_campaign_or_status_is_not_found(tenant, other_tenant):
    theirs = make_campaign(other_tenant)
    with pytest.raises(NotFoundError):
        status_create(tenant=tenant, campaign_id=theirs.id, name="X")
    with pytest.raises(NotFoundError):
        status_update(tenant=tenant, status_id=statuses_of(theirs)["Busy"].id, name="Y")


def test_making_a_status_the_default_takes_the_role_from_the_previous_default(tenant):
    campaign = make_campaign(tenant)
    by_name = statuses_of(campaign)
    status_update(tenant=tenant, status_id=by_name["No Answer"].id, is_default_for_new_leads=True)
    defaults = LeadStatus.objects.filter(campaign=campaign, is_default_for_new_leads=True)
    assert [s.name for s in defaults] == ["No Answer"]


def test_a_new_status_can_be_created_as_the_default(tenant):
    campaign = make_campaign(tenant)
    status_create(tenant=tenant, campaign_id=campaign.id, name="Fresh",
                  is_default_for_new_leads=True)
    defaults = LeadStatus.objects.filter(campaign=campaign, is_default_for_new_leads=True)
    assert [s.name for s in defaults] == ["Fresh"]


def test_the_default_cannot_simply_be_switched_off(tenant):
    campaign = make_campaign(tenant)
    with pytest.raises(ValidationError) as caught:
        status_update(tenant=tenant, status_id=statuses_of(campaign)["New"].id,
                      is_default_for_new_leads=False)
    assert "make another status the default" in _errors(caught)["is_default_for_new_leads"][0]


# --- deleting statuses ----------------------------------------------------------------------

def test_deleting_a_status_in_use_moves_its_leads_and_deletes_it_together(tenant):
    campaign = make_campaign(tenant)
    by_name = statuses_of(campaign)
    busy_leads = [make_lead(campaign, status="Busy") for _ in range(3)]
    other_lead = make_lead(campaign, status="Voicemail")

    moved = status_delete(tenant=tenant, status_id=by_name["Busy"].id,
                          move_leads_to=by_name["No Answer"].id)

    assert moved == 3
    assert not LeadStatus.objects.filter(id=by_name["Busy"].id).exists()
    assert {Lead.objects.get(id=lead.id).status_id for lead in busy_leads} == {
        by_name["No Answer"].id}
    assert Lead.objects.get(id=other_lead.id).status_id == by_name["Voicemail"].id
    # Its workflow cells went with it.
    assert not StatusTransition.objects.filter(to_status_id=by_name["Busy"].id).exists()


def test_deleting_a_status_in_use_without_a_target_changes_nothing(tenant):
    campaign = make_campaign(tenant)
    busy = statuses_of(campaign)["Busy"]
    make_lead(campaign, status="Busy")
    with pytest.raises(ValidationError) as caught:
        status_delete(tenant=tenant, status_id=busy.id)
    assert "1 lead is in “Busy”" in _errors(caught)["move_leads_to"][0]
    assert LeadStatus.objects.filter(id=busy.id).exists()


def test_leads_cannot_move_to_a_status_of_another_campaign_or_to_the_deleted_status(tenant):
    campaign = make_campaign(tenant)
    busy = statuses_of(campaign)["Busy"]
    lead = make_lead(campaign, status="Busy")
    for target in (statuses_of(make_campaign(tenant))["No Answer"].id, busy.id):
        with pytest.raises(ValidationError) as caught:
            status_delete(tenant=tenant, status_id=busy.id, move_leads_to=target)
        assert "move_leads_to" in _errors(caught)
    lead.refresh_from_db()
    assert lead.status_id == busy.id


def test_an_unused_status_is_deleted_without_a_target(tenant):
    campaign = make_campaign(tenant)
    assert status_delete(tenant=tenant, status_id=statuses_of(campaign)["Voicemail"].id) == 0


def test_the_default_status_cannot_be_deleted_without_choosing_another_default(tenant):
    campaign = make_campaign(tenant)
    by_name = statuses_of(campaign)
    with pytest.raises(ValidationError) as caught:
        status_delete(tenant=tenant, status_id=by_name["New"].id)
    assert "new_default_status_id" in _errors(caught)

    status_delete(tenant=tenant, status_id=by_name["New"].id,
                  new_default_status_id=by_name["No Answer"].id)

    defaults = LeadStatus.objects.filter(campaign=campaign, is_default_for_new_leads=True)
    assert [s.name for s in defaults] == ["No Answer"]


def test_another_tenants_status_cannot_be_deleted(tenant, other_tenant):
    theirs = statuses_of(make_campaign(other_tenant))["Busy"]
    with pytest.raises(NotFoundError):
        status_delete(tenant=tenant, status_id=theirs.id)
    assert LeadStatus.objects.filter(id=theirs.id).exists()


# --- CRM status mappings ----------------------------------------------------------------------

def test_a_mapping_code_is_unique_in_the_tenant_whatever_the_case(tenant, other_tenant):
    api_mapping_create(tenant=tenant, code="SALE", description="Sold")
    with pytest.raises(ValidationError) as caught:
        api_mapping_create(tenant=tenant, code=" sale ")
    assert "already exists" in _errors(caught)["code"][0]
    assert api_mapping_create(tenant=other_tenant, code="SALE")


def test_a_blank_mapping_code_is_refused(tenant):
    with pytest.raises(ValidationError) as caught:
        api_mapping_create(tenant=tenant, code="   ")
    assert "code" in _errors(caught)


def test_a_status_is_mapped_and_unmapped(tenant):
    campaign = make_campaign(tenant)
    busy = statuses_of(campaign)["Busy"]
    mapping = make_mapping(tenant, code="BUSY")
    assert status_set_api_mapping(tenant=tenant, status_id=busy.id,
                                  api_mapping_id=mapping.id).api_mapping == mapping
    assert status_set_api_mapping(tenant=tenant, status_id=busy.id,
                                  api_mapping_id=None).api_mapping is None


def test_a_status_cannot_be_mapped_to_another_tenants_mapping(tenant, other_tenant):
    busy = statuses_of(make_campaign(tenant))["Busy"]
    theirs = make_mapping(other_tenant)
    with pytest.raises(ValidationError) as caught:
        status_set_api_mapping(tenant=tenant, status_id=busy.id, api_mapping_id=theirs.id)
    assert "not found" in _errors(caught)["api_mapping_id"][0]


def test_deleting_a_mapping_leaves_its_statuses_without_mapping(tenant):
    campaign = make_campaign(tenant)
    mapping = make_mapping(tenant)
    by_name = statuses_of(campaign)
    for name in ("Busy", "Voicemail"):
        status_set_api_mapping(tenant=tenant, status_id=by_name[name].id,
                               api_mapping_id=mapping.id)
    assert api_mapping_delete(tenant=tenant, mapping_id=mapping.id) == 2
    assert not StatusApiMapping.objects.filter(id=mapping.id).exists()
    assert LeadStatus.objects.filter(campaign=campaign, api_mapping__isnull=False).count() == 0


def test_a_mapping_is_renamed(tenant):
    mapping = make_mapping(tenant, code="OLD")
    assert api_mapping_update(tenant=tenant, mapping_id=mapping.id, code="NEW",
                              description="Renamed").code == "NEW"


@pytest.mark.parametrize(("name", "words"), [("   ", "cannot be blank"),
                                             ("Bad\x00Name", "Null characters")])
def test_a_name_of_spaces_or_with_nul_characters_is_refused(tenant, name, words):
    campaign = make_campaign(tenant)
    with pytest.raises(ValidationError) as caught:
        status_create(tenant=tenant, campaign_id=campaign.id, name=name)
    assert words in _errors(caught)["name"][0]
