"""The campaigns REST API: CRUD, error bodies, tenancy, figures, the schema, fuzzing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ApiClient
from leadflow.campaigns.calling_hours import WEEKDAYS
from leadflow.campaigns.models import Campaign, CampaignGroup
from leadflow.campaigns.services import CAMPAIGN_FIELDS
from leadflow.campaigns.tests.factories import make_campaign, make_group
from leadflow.leads.models import Lead
from leadflow.leads.tests.factories import LeadFactory, status_named
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db

OPEN_ALL_WEEK: dict[str, dict[str, str] | None] = {
    day: {"start": "00:00", "end": "23:59"} for day in WEEKDAYS
}
CLOSED_ALL_WEEK: dict[str, dict[str, str] | None] = {day: None for day in WEEKDAYS}
# A Wednesday, midday in every zone the tests use: far from any window's edge.
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def _error_fields(body: dict[str, Any]) -> list[str]:
    """The names a 4xx body points at: every ``loc`` part of each detail (a nested error
    is ``[..., field, key]``), or the ``field`` key of a single-message body."""
    detail = body["detail"]
    if isinstance(detail, list):
        return [str(part) for item in detail for part in item["loc"]]
    return [body["field"]] if "field" in body else []


def _assert_422_naming(response: Any, field: str) -> None:
    assert response.status_code == 422, response.content
    body = response.json()
    assert field in _error_fields(body)
    item = next(i for i in body["detail"] if field in i["loc"])
    assert item["loc"][0] == "body"
    assert isinstance(item["msg"], str) and item["msg"]


# --- campaign groups: CRUD -------------------------------------------------------------------

def test_campaign_group_crud_round_trip(api: ApiClient, tenant: Tenant) -> None:
    first, second = make_campaign(tenant), make_campaign(tenant)

    created = api.post("/api/campaign-groups",
                       {"name": "North", "description": "Northern leads",
                        "campaign_ids": [first.id]})
    assert created.status_code == 201
    group = created.json()
    assert group["name"] == "North" and group["campaign_ids"] == [first.id]
    assert CampaignGroup.objects.get(id=group["id"]).tenant_id == tenant.id

    listed = api.get("/api/campaign-groups")
    assert listed.status_code == 200
    assert [g["id"] for g in listed.json()] == [group["id"]]
    assert api.get(f"/api/campaign-groups/{group['id']}").json() == group

    patched = api.patch(f"/api/campaign-groups/{group['id']}",
                        {"name": "South", "campaign_ids": [second.id]})
    assert patched.status_code == 200
    assert patched.json()["name"] == "South"
    assert patched.json()["campaign_ids"] == [second.id]
    assert patched.json()["description"] == "Northern leads"
    first.refresh_from_db()
    assert first.group_id is None

    deleted = api.delete(f"/api/campaign-groups/{group['id']}")
    assert deleted.status_code == 200
    assert deleted.json() == {"campaigns_ungrouped": 1}
    assert api.get(f"/api/campaign-groups/{group['id']}").status_code == 404
    second.refresh_from_db()
    assert second.group_id is None


def test_group_patch_with_a_foreign_campaign_is_refused_and_changes_nothing(
    api: ApiClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = make_campaign(tenant)
    group = make_group(tenant, name="Mine", campaign_ids=[mine.id])
    foreign = make_campaign(other_tenant)

    response = api.patch(f"/api/campaign-groups/{group.id}",
                         {"name": "Renamed", "campaign_ids": [foreign.id]})

    _assert_422_naming(response, "campaign_ids")
    group.refresh_from_db()
    assert group.name == "Mine"
    assert list(group.campaigns.values_list("id", flat=True)) == [mine.id]
    foreign.refresh_from_db()
    assert foreign.group_id is None


def test_duplicate_group_name_answers_422_naming_name(api: ApiClient, tenant: Tenant) -> None:
    make_group(tenant, name="North")
    _assert_422_naming(api.post("/api/campaign-groups", {"name": "nORTH"}), "name")
    assert CampaignGroup.objects.count() == 1


def test_group_member_ids_beyond_the_integer_range_answer_422_not_500(
    api: ApiClient,
) -> None:
    response = api.post("/api/campaign-groups", {"name": "Huge", "campaign_ids": [10**30]})
    _assert_422_naming(response, "campaign_ids")


# --- campaigns: CRUD ------------------------------------------------------------------------

def test_campaign_crud_round_trip(api: ApiClient, tenant: Tenant) -> None:
    group = make_group(tenant, name="West")

    created = api.post("/api/campaigns", {
        "name": "Spring", "description": "Spring push", "group_id": group.id,
        "lead_lease_seconds": 600, "calling_hours": OPEN_ALL_WEEK,
        "caller_id_mode": "random_pool", "caller_id_pool": {"US": ["+12025550143"]},
    })
    assert created.status_code == 201, created.content
    body = created.json()
    campaign = Campaign.objects.get(id=body["id"])
    assert campaign.tenant_id == tenant.id and campaign.group_id == group.id
    assert (body["name"], body["lead_lease_seconds"], body["group_id"]) == (
        "Spring", 600, group.id)
    assert body["calling_hours"] == OPEN_ALL_WEEK
    assert body["caller_id_pool"] == {"US": ["+12025550143"]}
    assert body["time_zone"] == tenant.time_zone
    assert LeadStatus.objects.filter(campaign=campaign).count() == 11

    listed = api.get("/api/campaigns")
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()] == [campaign.id]
    assert api.get(f"/api/campaigns/{campaign.id}").json()["name"] == "Spring"

    patched = api.patch(f"/api/campaigns/{campaign.id}",
                        {"description": "Summer push", "group_id": None, "is_active": False})
    assert patched.status_code == 200
    assert (patched.json()["description"], patched.json()["group_id"]) == ("Summer push", None)
    campaign.refresh_from_db()
    assert (campaign.description, campaign.group_id, campaign.is_active) == (
        "Summer push", None, False)
    # Fields the PATCH did not send stay as they were.
    assert campaign.lead_lease_seconds == 600 and campaign.name == "Spring"

    LeadFactory.create_batch(3, campaign=campaign)
    deleted = api.delete(f"/api/campaigns/{campaign.id}")
    assert deleted.status_code == 200
    assert deleted.json() == {"deleted_leads": 3}
    assert api.get(f"/api/campaigns/{campaign.id}").status_code == 404
    assert not Lead.objects.exists() and not LeadStatus.objects.exists()


def test_campaign_list_shows_only_the_callers_tenant(
    api: ApiClient, other_api: ApiClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = make_campaign(tenant)
    theirs = make_campaign(other_tenant)
    assert [c["id"] for c in api.get("/api/campaigns").json()] == [mine.id]
    assert [c["id"] for c in other_api.get("/api/campaigns").json()] == [theirs.id]


def test_patch_with_a_null_name_keeps_the_name(api: ApiClient, tenant: Tenant) -> None:
    campaign = make_campaign(tenant, name="Keep")
    response = api.patch(f"/api/campaigns/{campaign.id}", {"name": None, "mask_digits": 3})
    assert response.status_code == 200
    campaign.refresh_from_db()
    assert (campaign.name, campaign.mask_digits) == ("Keep", 3)


# --- error bodies ---------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value"), [
    ("lead_lease_seconds", 5),
    ("feedback_timeout_seconds", 100000),
    ("mask_digits", 16),
    ("assigned_limit", -1),
    ("max_attempts_per_day", 10**30),
])
def test_out_of_range_value_answers_422_naming_the_field(
    api: ApiClient, field: str, value: int
) -> None:
    _assert_422_naming(api.post("/api/campaigns", {"name": "Ranges", field: value}), field)
    assert not Campaign.objects.exists()


def test_out_of_range_patch_answers_422_and_leaves_the_campaign(
    api: ApiClient, tenant: Tenant
) -> None:
    campaign = make_campaign(tenant, lead_lease_seconds=900)
    response = api.patch(f"/api/campaigns/{campaign.id}",
                         {"description": "changed", "lead_lease_seconds": 5})
    _assert_422_naming(response, "lead_lease_seconds")
    campaign.refresh_from_db()
    assert (campaign.description, campaign.lead_lease_seconds) == ("", 900)


def test_unknown_json_field_answers_422_naming_it(api: ApiClient, tenant: Tenant) -> None:
    _assert_422_naming(api.post("/api/campaigns", {"name": "X", "dial_ratio": 3}), "dial_ratio")
    campaign = make_campaign(tenant)
    _assert_422_naming(api.patch(f"/api/campaigns/{campaign.id}", {"tenant_id": 7}), "tenant_id")
    _assert_422_naming(api.post("/api/campaign-groups", {"name": "G", "colour": "red"}),
                       "colour")
    assert Campaign.objects.count() == 1 and not CampaignGroup.objects.exists()


@pytest.mark.parametrize(("field", "value"), [
    ("lead_lease_seconds", "soon"),
    ("lead_lease_seconds", 90.5),
    ("name", ["a", "list"]),
    ("is_active", "maybe"),
    ("calling_hours", "weekdays"),
    ("caller_id_mode", "sequential"),
    ("mask_show", "middle"),
    ("caller_id_pool", {"US": "+12025550143"}),
])
def test_wrong_type_answers_422_naming_the_field(api: ApiClient, field: str, value: Any) -> None:
    body = {"name": "Typed", field: value}
    _assert_422_naming(api.post("/api/campaigns", body), field)
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(("field", "value", "word"), [
    ("time_zone", "Mars/Base", "Mars/Base"),
    ("calling_hours", {"fri": {"start": "20:00", "end": "09:00"}}, "Friday"),
    ("calling_hours", {"mon": {"start": "09:00+05:00", "end": "10:00"}}, "Monday"),
    ("caller_id_number", "555-0143", "555-0143"),
])
def test_model_validation_errors_answer_422_naming_the_field_and_the_problem(
    api: ApiClient, field: str, value: Any, word: str
) -> None:
    response = api.post("/api/campaigns", {"name": "Checked", field: value})
    _assert_422_naming(response, field)
    assert any(word in item["msg"] for item in response.json()["detail"])


def test_random_caller_id_without_a_pool_answers_422_naming_the_pool(api: ApiClient) -> None:
    response = api.post("/api/campaigns", {"name": "Pool", "caller_id_mode": "random_pool"})
    _assert_422_naming(response, "caller_id_pool")


@pytest.mark.parametrize("raw", ["{bad json", '{"name": "x",}', "", "\xff\xfe"])
def test_malformed_json_body_answers_4xx_json_never_500(
    api: ApiClient, tenant: Tenant, raw: str
) -> None:
    campaign = make_campaign(tenant, name="Intact")
    for response in (
        api.client.post("/api/campaigns", raw, content_type="application/json"),
        api.client.patch(f"/api/campaigns/{campaign.id}", raw, content_type="application/json"),
        api.client.post("/api/campaign-groups", raw, content_type="application/json"),
    ):
        assert 400 <= response.status_code < 500, response.content
        assert response["Content-Type"].startswith("application/json")
        assert "detail" in response.json()
    assert list(Campaign.objects.values_list("name", flat=True)) == ["Intact"]


@pytest.mark.parametrize("body", [[1, 2], None, "name", 42])
def test_a_json_body_that_is_not_an_object_answers_422(api: ApiClient, body: Any) -> None:
    response = api.client.post("/api/campaigns", json.dumps(body),
                               content_type="application/json")
    assert response.status_code == 422
    assert "detail" in response.json()


def test_duplicate_campaign_name_answers_4xx_json_naming_name(
    api: ApiClient, tenant: Tenant
) -> None:
    make_campaign(tenant, name="Winter")
    response = api.post("/api/campaigns", {"name": "  winter "})
    assert 400 <= response.status_code < 500
    assert "name" in _error_fields(response.json())
    assert Campaign.objects.count() == 1


def test_renaming_onto_an_existing_name_answers_4xx_naming_name(
    api: ApiClient, tenant: Tenant
) -> None:
    make_campaign(tenant, name="Alpha")
    beta = make_campaign(tenant, name="Beta")
    response = api.patch(f"/api/campaigns/{beta.id}", {"name": "ALPHA"})
    assert 400 <= response.status_code < 500
    assert "name" in _error_fields(response.json())
    beta.refresh_from_db()
    assert beta.name == "Beta"


def test_blank_name_answers_422_naming_name(api: ApiClient) -> None:
    _assert_422_naming(api.post("/api/campaigns", {"name": "   "}), "name")
    _assert_422_naming(api.post("/api/campaign-groups", {"name": " "}), "name")
    assert not Campaign.objects.exists() and not CampaignGroup.objects.exists()


def test_text_with_a_null_character_answers_422_on_every_database(api: ApiClient) -> None:
    # PostgreSQL cannot store NUL: unchecked, this was a 500 there.
    _assert_422_naming(api.post("/api/campaigns", {"name": "Nul", "description": "a\x00b"}),
                       "description")
    _assert_422_naming(api.post("/api/campaign-groups", {"name": "G\x00"}), "name")
    _assert_422_naming(
        api.post("/api/campaigns", {"name": "Hours",
                                    "calling_hours": {"mon": {"start": "09:00\x00",
                                                              "end": "10:00"}}}),
        "calling_hours")
    assert not Campaign.objects.exists() and not CampaignGroup.objects.exists()


def test_group_id_of_another_tenant_answers_422(
    api: ApiClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign = make_group(other_tenant)
    _assert_422_naming(api.post("/api/campaigns", {"name": "X", "group_id": foreign.id}),
                       "group_id")
    assert not Campaign.objects.filter(tenant=tenant).exists()


# --- tenancy --------------------------------------------------------------------------------

def _assert_404_json(response: Any) -> None:
    assert response.status_code == 404
    assert isinstance(response.json()["detail"], str)


def test_another_tenants_campaign_answers_404_and_stays_unchanged(
    api: ApiClient, other_tenant: Tenant
) -> None:
    foreign = make_campaign(other_tenant, name="Theirs", description="kept")
    LeadFactory(campaign=foreign)

    _assert_404_json(api.get(f"/api/campaigns/{foreign.id}"))
    _assert_404_json(api.get(f"/api/campaigns/{foreign.id}/figures"))
    _assert_404_json(api.patch(f"/api/campaigns/{foreign.id}", {"description": "stolen"}))
    _assert_404_json(api.delete(f"/api/campaigns/{foreign.id}"))

    foreign.refresh_from_db()
    assert (foreign.name, foreign.description) == ("Theirs", "kept")
    assert Lead.objects.filter(campaign=foreign).count() == 1


def test_another_tenants_group_answers_404_and_stays_unchanged(
    api: ApiClient, other_tenant: Tenant
) -> None:
    member = make_campaign(other_tenant)
    foreign = make_group(other_tenant, name="Theirs", campaign_ids=[member.id])

    _assert_404_json(api.get(f"/api/campaign-groups/{foreign.id}"))
    _assert_404_json(api.patch(f"/api/campaign-groups/{foreign.id}", {"name": "Stolen"}))
    _assert_404_json(api.delete(f"/api/campaign-groups/{foreign.id}"))

    foreign.refresh_from_db()
    assert foreign.name == "Theirs"
    member.refresh_from_db()
    assert member.group_id == foreign.id


def test_foreign_and_unknown_ids_answer_the_same_404(
    api: ApiClient, other_tenant: Tenant
) -> None:
    foreign = make_campaign(other_tenant)
    unknown = foreign.id + 1000
    assert api.get(f"/api/campaigns/{foreign.id}").json()["detail"] == (
        f"Campaign {foreign.id} not found.")
    assert api.get(f"/api/campaigns/{unknown}").json()["detail"] == (
        f"Campaign {unknown} not found.")


@pytest.mark.parametrize("path", [
    "/api/campaigns/999999", "/api/campaigns/999999/figures", "/api/campaign-groups/999999",
    f"/api/campaigns/{10**30}", "/api/campaigns/-1",
])
def test_unknown_ids_answer_404(api: ApiClient, path: str) -> None:
    _assert_404_json(api.get(path))


def test_unknown_ids_answer_404_on_patch_and_delete(api: ApiClient) -> None:
    _assert_404_json(api.patch("/api/campaigns/999999", {"description": "x"}))
    _assert_404_json(api.delete("/api/campaigns/999999"))
    _assert_404_json(api.patch("/api/campaign-groups/999999", {"name": "x"}))
    _assert_404_json(api.delete("/api/campaign-groups/999999"))


# --- figures and the campaign table ---------------------------------------------------------

@pytest.fixture
def frozen_now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def figures_world(tenant: Tenant, other_tenant: Tenant, frozen_now: None) -> dict[str, Campaign]:
    """Leads in every state the figures must tell apart, at a frozen moment."""
    later, earlier = NOW + timedelta(days=1), NOW - timedelta(days=1)
    west = make_group(tenant, name="West")
    make_group(tenant, name="Alpha (empty)")
    live = make_campaign(tenant, name="Live", group_id=west.id, calling_hours=OPEN_ALL_WEEK)
    LeadFactory.create_batch(3, campaign=live)
    LeadFactory(campaign=live, zones=("Asia/Tokyo", "America/Los_Angeles"))
    LeadFactory(campaign=live, zone_set_id=None)  # falls back to the campaign's zone
    LeadFactory(campaign=live, frozen_until=earlier)  # the freeze is over
    LeadFactory(campaign=live, frozen_until=later)  # frozen: not available
    LeadFactory(campaign=live, is_blacklisted=True)  # blacklisted: not available
    LeadFactory.create_batch(2, campaign=live, status=status_named(live, "Busy"))
    LeadFactory(campaign=live, status=None)

    idle = make_campaign(tenant, name="Idle", calling_hours=OPEN_ALL_WEEK, is_active=False)
    LeadFactory.create_batch(2, campaign=idle)

    closed = make_campaign(tenant, name="Closed", calling_hours=CLOSED_ALL_WEEK)
    LeadFactory.create_batch(2, campaign=closed)

    foreign = make_campaign(other_tenant, name="Foreign", calling_hours=OPEN_ALL_WEEK)
    LeadFactory.create_batch(4, campaign=foreign)
    return {"live": live, "idle": idle, "closed": closed, "foreign": foreign}


def _inside_the_us_federal_window(lead: Lead) -> bool:
    """08:00–21:00 at the called party's location, in every zone the lead may be in."""
    zones = lead.zone_set.zone_names if lead.zone_set else [lead.campaign.time_zone]
    return lead.country != "US" or all(
        time(8) <= NOW.astimezone(ZoneInfo(zone)).time() < time(21) for zone in zones)


def _available_in_db(campaign: Campaign) -> int:
    """Independent count: active, open all week, neither blacklisted nor frozen now, and
    inside the federal calling hours that ship for US leads."""
    if not campaign.is_active or campaign.calling_hours != OPEN_ALL_WEEK:
        return 0
    return sum(
        1 for lead in Lead.objects.filter(campaign=campaign).select_related("zone_set",
                                                                           "campaign")
        if not lead.is_blacklisted and (lead.frozen_until is None or lead.frozen_until <= NOW)
        and _inside_the_us_federal_window(lead)
    )


def test_campaign_figures_match_the_database(
    api: ApiClient, figures_world: dict[str, Campaign]
) -> None:
    live = figures_world["live"]
    response = api.get(f"/api/campaigns/{live.id}/figures")
    assert response.status_code == 200
    figures = response.json()

    assert figures["campaign_id"] == live.id and figures["is_active"] is True
    assert figures["leads_count"] == Lead.objects.filter(campaign=live).count() == 11
    # 9 neither frozen nor blacklisted, less the Tokyo/Los Angeles lead: 07:00 in LA.
    assert figures["available_count"] == _available_in_db(live) == 8
    by_name = {s["name"]: s for s in figures["statuses"]}
    assert by_name["New"]["count"] == Lead.objects.filter(
        campaign=live, status=status_named(live, "New")).count() == 8
    assert by_name["Busy"]["count"] == 2
    assert by_name["Busy"]["color"] == status_named(live, "Busy").color
    assert by_name["(no status)"]["count"] == 1
    assert by_name["Converted"]["count"] == 0
    assert sum(s["count"] for s in figures["statuses"]) == figures["leads_count"]
    assert [s["status_id"] for s in figures["statuses"][:11]] == list(
        LeadStatus.objects.filter(campaign=live).order_by("position").values_list(
            "id", flat=True))


def test_inactive_or_closed_campaigns_have_no_available_leads(
    api: ApiClient, figures_world: dict[str, Campaign]
) -> None:
    for key in ("idle", "closed"):
        figures = api.get(f"/api/campaigns/{figures_world[key].id}/figures").json()
        assert figures["leads_count"] == 2
        assert figures["available_count"] == 0


def test_campaign_table_lists_groups_then_the_ungrouped_with_matching_figures(
    api: ApiClient, tenant: Tenant, figures_world: dict[str, Campaign]
) -> None:
    response = api.get("/api/campaign-table")
    assert response.status_code == 200
    sections = response.json()

    assert [s["title"] for s in sections] == [
        "Alpha (empty)", "West", "Campaigns without a group"]
    assert sections[-1]["group_id"] is None
    assert sections[0]["campaigns"] == []
    assert [c["name"] for c in sections[1]["campaigns"]] == ["Live"]
    assert [c["name"] for c in sections[2]["campaigns"]] == ["Idle", "Closed"]

    rows = [row for section in sections for row in section["campaigns"]]
    assert {row["campaign_id"] for row in rows} == set(
        Campaign.objects.filter(tenant=tenant).values_list("id", flat=True))
    for row in rows:
        campaign = Campaign.objects.get(id=row["campaign_id"])
        assert row["leads_count"] == Lead.objects.filter(campaign=campaign).count()
        assert row["available_count"] == _available_in_db(campaign)
        assert row["is_active"] == campaign.is_active


def test_campaign_table_of_the_other_tenant_sees_only_its_own(
    other_api: ApiClient, figures_world: dict[str, Campaign]
) -> None:
    sections = other_api.get("/api/campaign-table").json()
    assert len(sections) == 1
    [row] = sections[0]["campaigns"]
    assert (row["name"], row["leads_count"], row["available_count"]) == ("Foreign", 4, 4)


# --- schema and docs ------------------------------------------------------------------------

def test_openapi_schema_is_served_and_lists_the_campaign_paths(db: None) -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in ("/api/campaigns", "/api/campaigns/{campaign_id}",
                 "/api/campaigns/{campaign_id}/figures", "/api/campaign-groups",
                 "/api/campaign-groups/{group_id}", "/api/campaign-table"):
        assert path in paths, path
    assert set(paths["/api/campaigns"]) >= {"get", "post"}
    assert set(paths["/api/campaigns/{campaign_id}"]) >= {"get", "patch", "delete"}
    schemes = schema["components"]["securitySchemes"].values()
    assert {"type": "apiKey", "in": "header", "name": "X-API-Key"} in schemes


def test_api_docs_page_answers_200(db: None) -> None:
    response = Client().get("/api/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


# --- fuzzing --------------------------------------------------------------------------------

_KEYS = st.sampled_from(sorted(CAMPAIGN_FIELDS | {"name"})) | st.text(max_size=12)
_SCALARS = (
    st.none() | st.booleans() | st.integers()
    | st.sampled_from([0, -1, 29, 30, 86400, 2**31, 2**63, -(2**63) - 1, 10**30])
    | st.text(max_size=20)
    | st.sampled_from(["09:00", "23:59", "+12025550143", "random_pool", "fixed", "first",
                      "Europe/London", "US", ""])
)
_VALUES = st.recursive(
    _SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from([*WEEKDAYS, "start", "end", "US"]) | st.text(max_size=6),
        children, max_size=3),
    max_leaves=8,
)
_TIMES = st.sampled_from(["00:00", "09:00", "23:59", "24:00", "9:00", "09:00+05:00",
                          "09:00:30"]) | st.text(max_size=8)
_COUNTS = st.integers(min_value=-5, max_value=200000) | _SCALARS
# Bodies close to valid, so the fuzzing also reaches the model checks and the database.
_NEAR_VALID = st.fixed_dictionaries({"name": st.text(min_size=1, max_size=30)}, optional={
    "description": st.text(max_size=30),
    "is_active": st.booleans() | _SCALARS,
    "group_id": st.none() | st.integers(min_value=-1, max_value=5) | st.integers(),
    "feedback_timeout_seconds": _COUNTS,
    "lead_lease_seconds": _COUNTS,
    "time_zone": st.sampled_from(["UTC", "Europe/London", "Mars/Base", ""])
    | st.text(max_size=12),
    "calling_hours": st.dictionaries(
        st.sampled_from(WEEKDAYS) | st.text(max_size=4),
        st.none() | st.fixed_dictionaries({"start": _TIMES, "end": _TIMES}) | _VALUES,
        max_size=7),
    "assigned_limit": _COUNTS,
    "max_attempts_per_day": _COUNTS,
    "max_attempts_total": _COUNTS,
    "min_minutes_between_calls": _COUNTS,
    "caller_id_mode": st.sampled_from(["fixed", "random_pool"]) | _SCALARS,
    "caller_id_number": st.sampled_from(["", "+12025550143"]) | st.text(max_size=16),
    "caller_id_pool": st.dictionaries(
        st.sampled_from(["US", "GB"]) | st.text(max_size=3),
        st.lists(st.sampled_from(["+12025550143", "+442079460018"]) | st.text(max_size=14),
                 max_size=2),
        max_size=2),
    "mask_phones": st.booleans(),
    "mask_show": st.sampled_from(["first", "last"]) | _SCALARS,
    "mask_digits": st.integers(min_value=-2, max_value=20) | _SCALARS,
})
_BODIES = st.dictionaries(_KEYS, _VALUES, max_size=6) | _NEAR_VALID


def _snapshot() -> tuple[object, ...]:
    return (
        list(Campaign.objects.order_by("id").values()),
        list(CampaignGroup.objects.order_by("id").values()),
        LeadStatus.objects.count(),
    )


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(post_body=_BODIES, patch_body=_BODIES)
def test_random_json_never_answers_5xx_and_a_refusal_changes_nothing(
    api: ApiClient, tenant: Tenant, post_body: dict[str, Any], patch_body: dict[str, Any]
) -> None:
    target = Campaign.objects.filter(tenant=tenant, name="Fuzz target").first() or make_campaign(
        tenant, name="Fuzz target")
    make_group(tenant, name="Fuzz group") if not CampaignGroup.objects.exists() else None

    for send in (
        lambda: api.post("/api/campaigns", post_body),
        lambda: api.patch(f"/api/campaigns/{target.id}", patch_body),
    ):
        before = _snapshot()
        response = send()
        assert response.status_code < 500, response.content
        if 400 <= response.status_code < 500:
            assert "detail" in response.json()
            assert _snapshot() == before
