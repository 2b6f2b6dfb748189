"""The agent REST loop: next lead → call → result → feedback, both ways of signing in."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.test import Client

from leadflow.campaigns.models import Campaign
from leadflow.dialing.tests.conftest import AT
from leadflow.leads.models import Lead
from leadflow.leads.tests.factories import make_lead, status_named
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at() -> Any:
    with time_machine.travel(AT, tick=False):
        yield


def test_an_agent_session_runs_the_whole_loop(
        tenant: Tenant, campaign: Campaign, agent_client: Client) -> None:
    Campaign.objects.filter(id=campaign.id).update(min_minutes_between_calls=60)
    lead = make_lead(campaign, phone="+12025550143")
    got = agent_client.post("/api/agent/next-lead", {}, content_type="application/json")
    assert got.status_code == 200, got.content
    body = got.json()
    assert body["lead"]["id"] == lead.id
    assert body["lead"]["phone"] == "+•••••••0143"  # masked: last 4 digits
    assert "Busy" in [s["name"] for s in body["statuses_allowed"]]
    assert "New" not in [s["name"] for s in body["statuses_allowed"]]
    assert body["history"]["events"][0]["kind"] == "claimed"
    token = body["lease_token"]
    started = agent_client.post("/api/agent/calls", {"lead_id": lead.id, "lease_token": token},
                                content_type="application/json")
    assert started.status_code == 201, started.content
    call_id = started.json()["id"]
    result = agent_client.post(f"/api/agent/calls/{call_id}/result",
                               {"dial_result": "busy"}, content_type="application/json")
    assert result.status_code == 200
    busy = status_named(campaign, "Busy").id
    fed = agent_client.post(f"/api/agent/calls/{call_id}/feedback",
                            {"lease_token": token, "status_id": busy},
                            content_type="application/json")
    assert fed.status_code == 200, fed.content
    assert Lead.objects.get(id=lead.id).status_id == busy
    again = agent_client.post(f"/api/agent/calls/{call_id}/feedback",
                              {"lease_token": token, "status_id": busy},
                              content_type="application/json")
    assert again.status_code == 409
    # Called a moment ago: the minimum gap keeps it out of the pool.
    empty = agent_client.post("/api/agent/next-lead", {}, content_type="application/json")
    assert empty.json()["lead"] is None


def test_an_api_key_acts_for_a_named_agent_of_its_tenant(
        tenant: Tenant, campaign: Campaign, api: Any, agent: Any, other_tenant: Tenant) -> None:
    make_lead(campaign)
    assert api.post("/api/agent/next-lead", {}).status_code == 400
    from leadflow.tenants.services import user_create

    stranger = user_create(tenant=other_tenant, username="x", password="pw", role="agent").user
    assert api.post("/api/agent/next-lead", {"agent_id": stranger.pk}).status_code == 404
    got = api.post("/api/agent/next-lead", {"agent_id": agent.pk})
    assert got.status_code == 200 and got.json()["lead"] is not None


def test_availability_and_desk_batch_endpoints(tenant: Tenant, campaign: Campaign,
                                               api: Any, other_api: Any) -> None:
    make_lead(campaign)
    make_lead(campaign, is_blacklisted=True)
    got = api.get(f"/api/campaigns/{campaign.id}/availability").json()
    assert (got["total"], got["available"], got["reasons"]["dnc"]) == (2, 1, 1)
    assert other_api.get(f"/api/campaigns/{campaign.id}/availability").status_code == 404
    assert api.client.post("/api/desks/999/leads?count=5").status_code == 404


def test_the_available_count_links_to_its_breakdown(
        tenant: Tenant, campaign: Campaign, admin_client: Client) -> None:
    make_lead(campaign)
    make_lead(campaign, frozen_until=AT.replace(year=2027))
    page = admin_client.get("/campaigns/").content.decode()
    assert f'href="/campaigns/{campaign.id}/availability/"' in page
    fragment = admin_client.get(f"/campaigns/{campaign.id}/availability/",
                                HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    text = fragment.content.decode()
    assert "<b data-testid=\"availability-available\">1</b> of 2" in text
    assert "Frozen" in text


def test_a_tenant_adds_a_stricter_rule_and_sees_the_federal_one(
        tenant: Tenant, campaign: Campaign, api: Any, other_api: Any) -> None:
    lead = make_lead(campaign, region="NY")
    created = api.post("/api/calling-rules", {"name": "NY", "country": "US", "region": "NY",
                                              "start": "11:00", "end": "20:00"})
    assert created.status_code == 201, created.content
    listed = api.get("/api/calling-rules").json()["rules"]
    assert {(r["name"][:2], r["global"]) for r in listed} == {("US", True), ("NY", False)}
    assert len(other_api.get("/api/calling-rules").json()["rules"]) == 1
    from leadflow.dialing.eligibility import Reason, lead_eligibility

    assert lead_eligibility(lead, at=AT) == [Reason.OUTSIDE_CALLING_HOURS]  # 10:00 in NY
    bad = api.post("/api/calling-rules", {"name": "x", "country": "US", "start": "20:00",
                                          "end": "08:00"})
    assert bad.status_code == 422
    federal = next(r for r in listed if r["global"])
    assert api.delete(f"/api/calling-rules/{federal['id']}").status_code == 404
