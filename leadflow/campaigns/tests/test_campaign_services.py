"""Campaign and campaign-group services: validation, defaults, tenancy, deletes."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from leadflow.campaigns.models import Campaign, CampaignGroup
from leadflow.campaigns.services import (
    campaign_create,
    campaign_delete,
    campaign_group_create,
    campaign_group_delete,
    campaign_group_update,
    campaign_update,
)
from leadflow.campaigns.tests.factories import make_campaign, make_group
from leadflow.core.errors import NotFoundError
from leadflow.leads.models import Lead
from leadflow.leads.tests.factories import LeadFactory, status_named
from leadflow.statuses.defaults import DEFAULT_STATUSES
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Tenant
from leadflow.tenants.services import tenant_update

pytestmark = pytest.mark.django_db

OPEN_ALL_WEEK = {day: {"start": "00:00", "end": "23:59"}
                 for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def _errors(exc_info: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc_info.value.message_dict


# --- create: validation --------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value"), [
    ("lead_lease_seconds", 5),
    ("lead_lease_seconds", 86401),
    ("feedback_timeout_seconds", 9),
    ("feedback_timeout_seconds", 3601),
    ("assigned_limit", 100001),
    ("max_attempts_per_day", 1001),
    ("max_attempts_total", 100001),
    ("min_minutes_between_calls", 525601),
    ("mask_digits", 16),
    ("lead_lease_seconds", -1),
])
def test_create_refuses_out_of_range_values_naming_the_field(
    tenant: Tenant, field: str, value: int
) -> None:
    with pytest.raises(ValidationError) as exc_info:
        campaign_create(tenant=tenant, name="Ranges", **{field: value})
    assert list(_errors(exc_info)) == [field]
    assert not Campaign.objects.filter(tenant=tenant).exists()


def test_create_accepts_the_bounds_of_each_range(tenant: Tenant) -> None:
    campaign = campaign_create(tenant=tenant, name="Bounds", lead_lease_seconds=30,
                               feedback_timeout_seconds=3600, mask_digits=15,
                               max_attempts_per_day=1000)
    campaign.refresh_from_db()
    assert (campaign.lead_lease_seconds, campaign.feedback_timeout_seconds) == (30, 3600)
    assert campaign.mask_digits == 15


def test_create_refuses_an_unknown_time_zone(tenant: Tenant) -> None:
    with pytest.raises(ValidationError) as exc_info:
        campaign_create(tenant=tenant, name="TZ", time_zone="Mars/Olympus_Mons")
    assert "time_zone" in _errors(exc_info)
    assert "Mars/Olympus_Mons" in _errors(exc_info)["time_zone"][0]


def test_create_refuses_bad_calling_hours_naming_the_day(tenant: Tenant) -> None:
    hours = {**OPEN_ALL_WEEK, "wed": {"start": "18:00", "end": "09:00"}}
    with pytest.raises(ValidationError) as exc_info:
        campaign_create(tenant=tenant, name="Hours", calling_hours=hours)
    assert "Wednesday" in _errors(exc_info)["calling_hours"][0]


def test_create_refuses_calling_hours_that_are_not_plain_hh_mm(tenant: Tenant) -> None:
    # An offset made time.fromisoformat return an aware time that crashed the comparison.
    hours = {"mon": {"start": "09:00+05:00", "end": "10:00"}}
    with pytest.raises(ValidationError) as exc_info:
        campaign_create(tenant=tenant, name="Offset", calling_hours=hours)
    assert "Monday" in _errors(exc_info)["calling_hours"][0]


def test_random_caller_id_pool_without_numbers_is_refused(tenant: Tenant) -> None:
    with pytest.raises(ValidationError) as exc_info:
        campaign_create(tenant=tenant, name="Pool", caller_id_mode="random_pool",
                        caller_id_pool={})
    assert "caller_id_pool" in _errors(exc_info)


def test_random_caller_id_pool_with_numbers_is_accepted(tenant: Tenant) -> None:
    campaign = campaign_create(tenant=tenant, name="Pool", caller_id_mode="random_pool",
                               caller_id_pool={"US": ["+12025550143"]})
    campaign.refresh_from_db()
    assert campaign.caller_id_pool == {"US": ["+12025550143"]}


@pytest.mark.parametrize("number", ["12025550143", "+1202555014", "+1 202 555 0143", "+99"])
def test_invalid_fixed_caller_id_number_is_refused(tenant: Tenant, number: str) -> None:
    with pytest.raises(ValidationError) as exc_info:
        campaign_create(tenant=tenant, name="CID", caller_id_number=number)
    assert "caller_id_number" in _errors(exc_info)


def test_invalid_number_in_the_caller_id_pool_is_refused_naming_the_country(
    tenant: Tenant,
) -> None:
    with pytest.raises(ValidationError) as exc_info:
        campaign_create(tenant=tenant, name="CID", caller_id_mode="random_pool",
                        caller_id_pool={"GB": ["+4420"]})
    assert _errors(exc_info)["caller_id_pool"][0].startswith("GB:")


def test_unknown_campaign_field_is_refused(tenant: Tenant) -> None:
    with pytest.raises(ValidationError) as exc_info:
        campaign_create(tenant=tenant, name="Unknown", dial_ratio=3)
    assert list(_errors(exc_info)) == ["dial_ratio"]
    assert not Campaign.objects.exists()


def test_update_refuses_an_unknown_field_and_changes_nothing(tenant: Tenant) -> None:
    campaign = make_campaign(tenant, name="Before")
    with pytest.raises(ValidationError):
        campaign_update(tenant=tenant, campaign_id=campaign.id, name="After", tenant_id=99)
    campaign.refresh_from_db()
    assert campaign.name == "Before"


def test_a_name_of_only_spaces_is_refused(tenant: Tenant) -> None:
    with pytest.raises(ValidationError) as exc_info:
        campaign_create(tenant=tenant, name="   ")
    assert "name" in _errors(exc_info)
    with pytest.raises(ValidationError) as exc_info:
        campaign_group_create(tenant=tenant, name="  \t ")
    assert "name" in _errors(exc_info)
    assert not Campaign.objects.exists() and not CampaignGroup.objects.exists()


def test_text_with_a_null_character_is_refused_before_reaching_the_database(
    tenant: Tenant,
) -> None:
    with pytest.raises(ValidationError) as exc_info:
        campaign_create(tenant=tenant, name="Nul", description="a\x00b")
    assert "description" in _errors(exc_info)
    with pytest.raises(ValidationError) as exc_info:
        campaign_group_create(tenant=tenant, name="G\x00")
    assert "name" in _errors(exc_info)


def test_name_is_stored_stripped(tenant: Tenant) -> None:
    campaign = campaign_create(tenant=tenant, name="  Spring Sale  ")
    campaign.refresh_from_db()
    assert campaign.name == "Spring Sale"


# --- names ----------------------------------------------------------------------------------

def test_duplicate_campaign_name_is_refused_case_insensitively(tenant: Tenant) -> None:
    make_campaign(tenant, name="Winter Leads")
    with pytest.raises(ValidationError) as exc_info:
        campaign_create(tenant=tenant, name=" WINTER leads ")
    assert "name" in _errors(exc_info)
    assert Campaign.objects.filter(tenant=tenant).count() == 1


def test_renaming_a_campaign_onto_another_name_is_refused(tenant: Tenant) -> None:
    make_campaign(tenant, name="Alpha")
    beta = make_campaign(tenant, name="Beta")
    with pytest.raises(ValidationError) as exc_info:
        campaign_update(tenant=tenant, campaign_id=beta.id, name="alpha")
    assert "name" in _errors(exc_info)
    beta.refresh_from_db()
    assert beta.name == "Beta"


def test_a_campaign_keeps_its_own_name_on_update(tenant: Tenant) -> None:
    campaign = make_campaign(tenant, name="Same")
    updated = campaign_update(tenant=tenant, campaign_id=campaign.id, name="SAME",
                              description="changed")
    assert (updated.name, updated.description) == ("SAME", "changed")


def test_same_campaign_name_is_allowed_in_another_tenant(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    make_campaign(tenant, name="Shared")
    other = campaign_create(tenant=other_tenant, name="shared")
    assert other.tenant_id == other_tenant.id
    assert Campaign.objects.filter(name__iexact="shared").count() == 2


def test_duplicate_group_name_is_refused_case_insensitively_but_allowed_across_tenants(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    make_group(tenant, name="North")
    with pytest.raises(ValidationError) as exc_info:
        campaign_group_create(tenant=tenant, name="NORTH")
    assert "name" in _errors(exc_info)
    assert campaign_group_create(tenant=other_tenant, name="north").tenant_id == other_tenant.id


# --- defaults -------------------------------------------------------------------------------

def test_new_campaign_gets_the_eleven_default_statuses_with_colours(tenant: Tenant) -> None:
    campaign = make_campaign(tenant)
    statuses = list(LeadStatus.objects.filter(campaign=campaign).order_by("position"))
    assert len(statuses) == 11
    assert [s.name for s in statuses] == [spec["name"] for spec in DEFAULT_STATUSES]
    assert [s.color for s in statuses] == [spec["color"] for spec in DEFAULT_STATUSES]
    assert len({s.color for s in statuses}) == 11
    assert all(s.tenant_id == tenant.id for s in statuses)
    assert [s.position for s in statuses] == list(range(11))


def test_new_is_the_only_default_status_for_new_leads(tenant: Tenant) -> None:
    campaign = make_campaign(tenant)
    defaults = LeadStatus.objects.filter(campaign=campaign, is_default_for_new_leads=True)
    assert [s.name for s in defaults] == ["New"]
    lead = LeadFactory(campaign=campaign)
    assert lead.status == status_named(campaign, "New")


def test_each_campaign_gets_its_own_status_rows(tenant: Tenant) -> None:
    first, second = make_campaign(tenant), make_campaign(tenant)
    assert status_named(first, "Busy").id != status_named(second, "Busy").id
    assert LeadStatus.objects.filter(tenant=tenant).count() == 22


def test_new_campaign_takes_the_tenants_masking_defaults_and_time_zone(tenant: Tenant) -> None:
    tenant_update(tenant=tenant, mask_phones=False, mask_show="first", mask_digits=2,
                  time_zone="Asia/Tokyo")
    campaign = make_campaign(tenant)
    campaign.refresh_from_db()
    assert (campaign.mask_phones, campaign.mask_show, campaign.mask_digits) == (False, "first", 2)
    assert campaign.time_zone == "Asia/Tokyo"


def test_explicit_masking_values_override_the_tenants_defaults(tenant: Tenant) -> None:
    tenant_update(tenant=tenant, mask_phones=False, mask_digits=2)
    campaign = make_campaign(tenant, mask_phones=True, mask_digits=6)
    assert (campaign.mask_phones, campaign.mask_digits) == (True, 6)


def test_nothing_is_half_saved_when_validation_fails(tenant: Tenant) -> None:
    with pytest.raises(ValidationError):
        campaign_create(tenant=tenant, name="Half", lead_lease_seconds=5,
                        calling_hours={"mon": {"start": "10:00", "end": "09:00"}})
    assert Campaign.objects.count() == 0
    assert LeadStatus.objects.count() == 0


def test_failed_update_leaves_the_campaign_unchanged(tenant: Tenant) -> None:
    campaign = make_campaign(tenant, name="Steady", lead_lease_seconds=600)
    with pytest.raises(ValidationError):
        campaign_update(tenant=tenant, campaign_id=campaign.id, description="new text",
                        lead_lease_seconds=5)
    campaign.refresh_from_db()
    assert (campaign.description, campaign.lead_lease_seconds) == ("", 600)


# --- tenancy --------------------------------------------------------------------------------

def test_group_of_another_tenant_is_refused(tenant: Tenant, other_tenant: Tenant) -> None:
    foreign = make_group(other_tenant, name="Theirs")
    with pytest.raises(ValidationError) as exc_info:
        campaign_create(tenant=tenant, name="Mine", group_id=foreign.id)
    assert "group_id" in _errors(exc_info)
    campaign = make_campaign(tenant)
    with pytest.raises(ValidationError):
        campaign_update(tenant=tenant, campaign_id=campaign.id, group_id=foreign.id)
    campaign.refresh_from_db()
    assert campaign.group_id is None


def test_campaign_of_another_tenant_cannot_be_updated_or_deleted(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign = make_campaign(other_tenant, name="Theirs")
    with pytest.raises(NotFoundError):
        campaign_update(tenant=tenant, campaign_id=foreign.id, name="Mine now")
    with pytest.raises(NotFoundError):
        campaign_delete(tenant=tenant, campaign_id=foreign.id)
    foreign.refresh_from_db()
    assert foreign.name == "Theirs"


def test_group_members_from_another_tenant_are_refused(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign = make_campaign(other_tenant)
    with pytest.raises(ValidationError) as exc_info:
        campaign_group_create(tenant=tenant, name="Grab", campaign_ids=[foreign.id])
    assert str(foreign.id) in _errors(exc_info)["campaign_ids"][0]
    assert not CampaignGroup.objects.filter(tenant=tenant).exists()
    foreign.refresh_from_db()
    assert foreign.group_id is None


def test_group_members_with_ids_beyond_the_column_range_are_refused_not_crashed(
    tenant: Tenant,
) -> None:
    with pytest.raises(ValidationError) as exc_info:
        campaign_group_create(tenant=tenant, name="Huge", campaign_ids=[10**30, -1])
    assert "campaign_ids" in _errors(exc_info)


# --- delete ---------------------------------------------------------------------------------

def test_campaign_delete_returns_the_number_of_leads_removed(tenant: Tenant) -> None:
    doomed, kept = make_campaign(tenant), make_campaign(tenant)
    LeadFactory.create_batch(3, campaign=doomed)
    LeadFactory.create_batch(2, campaign=kept)
    LeadFactory(campaign=doomed, status=status_named(doomed, "Converted"))

    assert campaign_delete(tenant=tenant, campaign_id=doomed.id) == 4

    assert not Campaign.objects.filter(id=doomed.id).exists()
    assert not Lead.objects.filter(campaign_id=doomed.id).exists()
    assert not LeadStatus.objects.filter(campaign_id=doomed.id).exists()
    assert Lead.objects.filter(campaign=kept).count() == 2
    assert LeadStatus.objects.filter(campaign=kept).count() == 11


def test_deleting_a_campaign_without_leads_returns_zero(tenant: Tenant) -> None:
    campaign = make_campaign(tenant)
    assert campaign_delete(tenant=tenant, campaign_id=campaign.id) == 0
    assert not Campaign.objects.exists()


# --- groups ---------------------------------------------------------------------------------

def test_group_create_with_campaign_ids_moves_campaigns_out_of_their_old_group(
    tenant: Tenant,
) -> None:
    old = make_group(tenant, name="Old")
    moving = make_campaign(tenant, group_id=old.id)
    staying = make_campaign(tenant, group_id=old.id)
    loose = make_campaign(tenant)

    new = campaign_group_create(tenant=tenant, name="New", campaign_ids=[moving.id, loose.id])

    assert set(new.campaigns.values_list("id", flat=True)) == {moving.id, loose.id}
    assert list(old.campaigns.values_list("id", flat=True)) == [staying.id]


def test_group_update_makes_exactly_the_given_campaigns_its_members(tenant: Tenant) -> None:
    a, b, c = make_campaign(tenant), make_campaign(tenant), make_campaign(tenant)
    group = make_group(tenant, campaign_ids=[a.id, b.id])

    campaign_group_update(tenant=tenant, group_id=group.id, campaign_ids=[b.id, c.id])

    assert set(group.campaigns.values_list("id", flat=True)) == {b.id, c.id}
    a.refresh_from_db()
    assert a.group_id is None


def test_group_update_without_campaign_ids_keeps_its_members(tenant: Tenant) -> None:
    a = make_campaign(tenant)
    group = make_group(tenant, campaign_ids=[a.id])
    campaign_group_update(tenant=tenant, group_id=group.id, description="Renamed only")
    assert list(group.campaigns.values_list("id", flat=True)) == [a.id]


def test_group_delete_puts_its_campaigns_back_to_no_group(tenant: Tenant) -> None:
    group = make_group(tenant)
    a, b = make_campaign(tenant, group_id=group.id), make_campaign(tenant, group_id=group.id)
    other_group = make_group(tenant)
    c = make_campaign(tenant, group_id=other_group.id)

    assert campaign_group_delete(tenant=tenant, group_id=group.id) == 2

    assert not CampaignGroup.objects.filter(id=group.id).exists()
    assert set(Campaign.objects.filter(group__isnull=True).values_list("id", flat=True)) == {
        a.id, b.id}
    c.refresh_from_db()
    assert c.group_id == other_group.id


def test_group_of_another_tenant_cannot_be_updated_or_deleted(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign = make_group(other_tenant, name="Theirs")
    with pytest.raises(NotFoundError):
        campaign_group_update(tenant=tenant, group_id=foreign.id, name="Mine")
    with pytest.raises(NotFoundError):
        campaign_group_delete(tenant=tenant, group_id=foreign.id)
    foreign.refresh_from_db()
    assert foreign.name == "Theirs"
