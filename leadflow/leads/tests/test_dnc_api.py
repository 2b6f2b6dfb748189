"""The do-not-call REST API: search, add (upsert), remove, bulk; and what it does to
leads: an entry blacklists the leads with its number at once, removing it un-blacklists
those no other entry covers, and the All Campaigns available count follows."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ApiClient
from leadflow.campaigns.calling_hours import WEEKDAYS
from leadflow.campaigns.models import Campaign
from leadflow.campaigns.selectors import campaign_figures
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.core import clock
from leadflow.leads.dnc import dnc_entry_add
from leadflow.leads.models import DncEntry, Lead
from leadflow.leads.schemas import MAX_BULK_ITEMS
from leadflow.leads.tests.factories import make_lead
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db

OPEN_ALL_WEEK: dict[str, dict[str, str] | None] = {
    day: {"start": "00:00", "end": "23:59"} for day in WEEKDAYS
}
NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)  # a Wednesday, inside every window used
DC = "+12025550143"
SF = "+14155550143"
CHICAGO = "+13125550143"


@pytest.fixture
def campaign(tenant: Tenant) -> Campaign:
    return make_campaign(tenant, name="Spring", calling_hours=OPEN_ALL_WEEK)



def available(tenant: Tenant, campaign: Campaign) -> int:
    return campaign_figures(tenant=tenant, campaigns=[campaign], at=NOW)[campaign.id] \
        .available_count


def blacklisted(*leads: Lead) -> list[bool]:
    return [Lead.objects.get(id=lead.id).is_blacklisted for lead in leads]


def assert_422_naming(response: Any, field: str) -> None:
    assert response.status_code == 422, response.content
    assert any(field in item["loc"] for item in response.json()["detail"]), response.json()


def future(days: int = 30) -> str:
    return (clock.now() + timedelta(days=days)).isoformat()


# --- add and remove -------------------------------------------------------------------------

def test_adding_a_number_answers_201_and_blacklists_the_leads_with_it(
    api: ApiClient, tenant: Tenant, campaign: Campaign
) -> None:
    listed, other = make_lead(campaign, phone=DC), make_lead(campaign, phone=SF)
    assert available(tenant, campaign) == 2

    response = api.post("/api/dnc", {"phone": DC, "reason": "asked on the phone"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["phone"], body["campaign_id"], body["reason"]) == (DC, None, "asked on the phone")
    assert body["is_active"] is True and body["expires_at"] is None
    assert body["added_via"] == "api key “tests”"
    assert blacklisted(listed, other) == [True, False]
    assert available(tenant, campaign) == 1


def test_removing_the_entry_un_blacklists_the_leads_and_the_count_comes_back(
    api: ApiClient, tenant: Tenant, campaign: Campaign
) -> None:
    lead = make_lead(campaign, phone=DC)
    entry_id = api.post("/api/dnc", {"phone": DC}).json()["id"]
    assert available(tenant, campaign) == 0

    response = api.delete(f"/api/dnc/{entry_id}")
    assert response.status_code == 200
    assert response.json() == {"id": entry_id, "phone": DC, "campaign_id": None}
    assert blacklisted(lead) == [False]
    assert available(tenant, campaign) == 1
    assert api.delete(f"/api/dnc/{entry_id}").status_code == 404


def test_a_lead_covered_by_two_entries_stays_blacklisted_until_both_are_gone(
    api: ApiClient, campaign: Campaign
) -> None:
    lead = make_lead(campaign, phone=DC)
    tenant_wide = api.post("/api/dnc", {"phone": DC}).json()["id"]
    for_campaign = api.post("/api/dnc", {"phone": DC, "campaign_id": campaign.id}).json()["id"]
    api.delete(f"/api/dnc/{for_campaign}")
    assert blacklisted(lead) == [True]
    api.delete(f"/api/dnc/{tenant_wide}")
    assert blacklisted(lead) == [False]


def test_an_admin_session_adds_entries_in_its_own_name(admin_client: Client) -> None:
    response = admin_client.post("/api/dnc", {"phone": DC}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert (response.json()["added_by"], response.json()["added_via"]) == ("boss", "api")


def test_a_campaign_entry_blacklists_only_that_campaigns_leads(
    api: ApiClient, tenant: Tenant, campaign: Campaign
) -> None:
    other = make_campaign(tenant, name="Autumn", calling_hours=OPEN_ALL_WEEK)
    here, there = make_lead(campaign, phone=DC), make_lead(other, phone=DC)
    response = api.post("/api/dnc", {"phone": DC, "campaign_id": campaign.id})
    assert response.status_code == 201 and response.json()["campaign_id"] == campaign.id
    assert blacklisted(here, there) == [True, False]
    assert (available(tenant, campaign), available(tenant, other)) == (0, 1)


def test_adding_the_same_number_again_renews_the_entry_with_200(
    api: ApiClient, campaign: Campaign
) -> None:
    first = api.post("/api/dnc", {"phone": DC, "reason": "first"}).json()
    again = api.post("/api/dnc", {"phone": "(202) 555-0143", "default_region": "US",
                                  "reason": "second", "expires_at": future()})
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["reason"] == "second"
    assert again.json()["expires_at"] is not None
    assert DncEntry.objects.count() == 1
    # Another scope is another entry.
    assert api.post("/api/dnc", {"phone": DC, "campaign_id": campaign.id}).status_code == 201


def test_the_other_tenants_leads_and_entries_are_untouched(
    api: ApiClient, other_api: ApiClient, other_tenant: Tenant
) -> None:
    theirs = make_lead(make_campaign(other_tenant, name="Theirs"), phone=DC)
    theirs_entry = other_api.post("/api/dnc", {"phone": SF}).json()["id"]
    api.post("/api/dnc", {"phone": DC})
    assert blacklisted(theirs) == [False]
    assert api.delete(f"/api/dnc/{theirs_entry}").status_code == 404
    assert api.get(f"/api/dnc/{theirs_entry}").status_code == 404
    assert [e["phone"] for e in api.get("/api/dnc").json()["items"]] == [DC]
    assert DncEntry.objects.filter(id=theirs_entry).exists()


@pytest.mark.parametrize(("body", "field"), [
    ({"phone": "+1555"}, "phone"),
    ({"phone": "202 555 0143"}, "phone"),  # national without a region
    ({"phone": DC, "default_region": "XX"}, "default_region"),
    ({"phone": DC, "campaign_id": 999_999}, "campaign_id"),
    ({"phone": DC, "expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
    ({"phone": DC, "expires_at": "2030-01-01T00:00:00"}, "expires_at"),  # no UTC offset
    ({"phone": DC, "expires_at": "9999-12-31T23:00:00-05:00"}, "expires_at"),
    ({"phone": DC, "reason": "x" * 201}, "reason"),
    ({"phone": DC, "reason": "a\x00b"}, "reason"),
    ({"phone": DC, "colour": "red"}, "colour"),
])
def test_a_bad_entry_answers_422_naming_the_field_and_stores_nothing(
    api: ApiClient, body: dict[str, Any], field: str
) -> None:
    assert_422_naming(api.post("/api/dnc", body), field)
    assert not DncEntry.objects.exists()


def test_a_campaign_of_another_tenant_is_refused_like_a_missing_one(
    api: ApiClient, other_tenant: Tenant
) -> None:
    foreign = make_campaign(other_tenant, name="Theirs")
    response = api.post("/api/dnc", {"phone": DC, "campaign_id": foreign.id})
    assert_422_naming(response, "campaign_id")
    assert response.json()["detail"][0]["msg"] == f"Campaign {foreign.id} not found."


# --- search ---------------------------------------------------------------------------------

def test_search_by_digits_by_reason_and_by_campaign(
    api: ApiClient, tenant: Tenant, campaign: Campaign
) -> None:
    dnc_entry_add(tenant=tenant, phone=DC, reason="lawyer letter")
    dnc_entry_add(tenant=tenant, phone=SF, reason="asked politely", campaign_id=campaign.id)
    dnc_entry_add(tenant=tenant, phone=CHICAGO)

    def phones(query: str) -> list[str]:
        response = api.get(f"/api/dnc{query}")
        assert response.status_code == 200, response.content
        return sorted(e["phone"] for e in response.json()["items"])

    assert phones("") == sorted([DC, SF, CHICAGO])
    assert phones("?q=202555") == [DC]
    assert phones("?q=%2B1%20(415)") == [SF]
    assert phones("?q=LAWYER") == [DC]
    assert phones(f"?campaign_id={campaign.id}") == [SF]
    assert phones("?q=%00") == sorted([DC, SF, CHICAGO])  # NUL is dropped, never a 500


def test_search_pages_with_a_limit_of_at_most_500(api: ApiClient, tenant: Tenant) -> None:
    for n in range(5):
        dnc_entry_add(tenant=tenant, phone=f"+1202555{n:04d}")
    page = api.get("/api/dnc?limit=2&offset=1").json()
    assert (page["count"], page["limit"], page["offset"], len(page["items"])) == (5, 2, 1, 2)
    assert api.get("/api/dnc?limit=501").status_code == 422


def test_an_expired_entry_reads_as_inactive(api: ApiClient, tenant: Tenant) -> None:
    entry = dnc_entry_add(tenant=tenant, phone=DC, expires_at=clock.now() + timedelta(days=1))
    DncEntry.objects.filter(id=entry.id).update(expires_at=clock.now() - timedelta(days=1))
    assert api.get(f"/api/dnc/{entry.id}").json()["is_active"] is False


# --- bulk -----------------------------------------------------------------------------------

def test_bulk_adds_and_renews_entries_reporting_each_in_input_order(
    api: ApiClient, tenant: Tenant, campaign: Campaign
) -> None:
    renewed = dnc_entry_add(tenant=tenant, phone=SF, reason="old")
    lead_dc, lead_chicago = make_lead(campaign, phone=DC), make_lead(campaign, phone=CHICAGO)
    entries: list[Any] = [
        {"phone": DC, "reason": "new"},  # 0 added
        {"phone": SF, "reason": "renewed", "expires_at": future()},  # 1 updated
        {"phone": "(202) 555-0143", "default_region": "US"},  # 2 duplicate of 0
        {"phone": "nonsense"},  # 3 rejected
        {"phone": CHICAGO, "campaign_id": campaign.id},  # 4 added, campaign scope
        {"phone": CHICAGO, "campaign_id": 999_999, "reason": "x" * 201},  # 5 two problems
        {"phone": DC, "expires_at": "tomorrow"},  # 6 schema error
        42,  # 7 not an object
    ]
    response = api.post("/api/dnc/bulk", {"entries": entries})
    assert response.status_code == 200, response.content
    body = response.json()
    results = body["results"]
    assert [r["index"] for r in results] == list(range(len(entries)))
    assert [r["outcome"] for r in results] == [
        "added", "updated", "duplicate", "rejected", "added", "rejected", "rejected",
        "rejected"]
    assert results[1]["id"] == renewed.id
    assert results[2] == {"index": 2, "outcome": "duplicate", "id": results[0]["id"],
                          "duplicate_of": 0}
    assert results[3]["errors"][0]["field"] == "phone"
    assert {e["field"] for e in results[5]["errors"]} == {"campaign_id", "reason"}
    assert results[6]["errors"][0]["field"] == "expires_at"
    assert body["counts"] == {"total": 8, "added": 2, "updated": 1, "duplicate": 1,
                              "rejected": 4}

    renewed.refresh_from_db()
    assert renewed.reason == "renewed" and renewed.expires_at is not None
    assert DncEntry.objects.get(id=results[4]["id"]).campaign_id == campaign.id
    assert blacklisted(lead_dc, lead_chicago) == [True, True]
    assert available(tenant, campaign) == 0


def test_bulk_of_more_than_10000_entries_is_refused_with_a_clear_message(
    api: ApiClient,
) -> None:
    response = api.post("/api/dnc/bulk", {"entries": [{"phone": DC}] * (MAX_BULK_ITEMS + 1)})
    assert_422_naming(response, "entries")
    assert "at most 10,000 entries" in response.json()["detail"][0]["msg"]
    assert not DncEntry.objects.exists()


def test_bulk_of_10000_entries_blacklists_the_stored_leads_in_one_request(
    api: ApiClient, tenant: Tenant, campaign: Campaign
) -> None:
    leads = [make_lead(campaign, phone=f"+1202555{n:04d}") for n in range(0, 10, 3)]
    entries = [{"phone": f"+1202555{n:04d}", "reason": "purchased list"}
               for n in range(MAX_BULK_ITEMS)]
    response = api.post("/api/dnc/bulk", {"entries": entries})
    assert response.status_code == 200, response.content[:300]
    assert response.json()["counts"]["added"] == MAX_BULK_ITEMS
    assert DncEntry.objects.count() == MAX_BULK_ITEMS
    assert all(blacklisted(*leads))


@pytest.mark.parametrize("raw", ["{bad json", "", "[1]", "null", '{"entries": {}}'])
def test_malformed_json_answers_4xx_never_500(api: ApiClient, raw: str) -> None:
    for path in ("/api/dnc", "/api/dnc/bulk"):
        response = api.client.post(path, raw, content_type="application/json")
        assert 400 <= response.status_code < 500, response.content
        assert "detail" in response.json()
    assert not DncEntry.objects.exists()


# --- fuzzing --------------------------------------------------------------------------------

_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
            | st.sampled_from([DC, "(202) 555-0143", "US", "XX", "", "\x00", 10**30,
                               "2030-01-01T00:00:00Z", "2020-01-01T00:00:00Z",
                               "9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+05:00"]))
_ENTRY = st.fixed_dictionaries({"phone": st.sampled_from([DC, SF, "+1555", ""]) | _SCALARS},
                               optional={"campaign_id": _SCALARS, "expires_at": _SCALARS,
                                         "reason": _SCALARS, "default_region": _SCALARS}) \
    | _SCALARS


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(single=_ENTRY, many=st.lists(_ENTRY, max_size=5))
def test_random_entries_never_answer_5xx(
    api: ApiClient, campaign: Campaign, single: Any, many: list[Any]
) -> None:
    for path, body in (("/api/dnc", single), ("/api/dnc/bulk", {"entries": many})):
        response = api.client.post(path, json.dumps(body), content_type="application/json")
        assert response.status_code < 500, response.content
        if response.status_code >= 400:
            assert "detail" in response.json()
