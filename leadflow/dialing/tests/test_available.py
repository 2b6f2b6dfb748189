"""Property: the All Campaigns "Currently Available Leads" (a coarse index-only count less
``dialing.available``'s exclusions) equals the dialing eligibility's count, whatever
mix of held, capped, frozen, blacklisted and out-of-hours leads a campaign has."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.selectors import campaign_figures
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.dialing.eligibility import eligibility_breakdown, eligible_q
from leadflow.dialing.models import Holiday
from leadflow.dialing.tests.conftest import ALL_DAY, make_agent
from leadflow.leads.models import Lead
from leadflow.leads.services import zone_set_id_for
from leadflow.leads.tests.factories import make_lead
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Tenant

# Around the edges of the US federal window (08:00–21:00 in the lead's zone) and of a
# holiday in New York, with Kolkata (+05:30) and Tokyo leads beside them.
MOMENTS = [
    datetime(2026, 3, 4, 15, 0, tzinfo=UTC),  # 10:00 New York: inside everything
    datetime(2026, 3, 5, 1, 59, tzinfo=UTC),  # 20:59 New York: inside
    datetime(2026, 3, 5, 2, 0, tzinfo=UTC),  # 21:00 New York: the federal rule closes
    datetime(2026, 3, 4, 12, 30, tzinfo=UTC),  # 07:30 New York, 18:00 Kolkata
    datetime(2026, 7, 4, 16, 0, tzinfo=UTC),  # Independence Day, noon in New York
]
ZONES = [("America/New_York",), ("Asia/Kolkata",), ("Asia/Tokyo", "America/Los_Angeles"),
         None]
OFFSETS = st.sampled_from([None, timedelta(minutes=-90), timedelta(minutes=-1),
                           timedelta(minutes=30), timedelta(days=2)])


@pytest.fixture
def tenant_with_agent(tenant: Tenant) -> tuple[Tenant, Any]:
    Holiday.objects.create(name="Independence Day", country="US", date=date(2026, 7, 4))
    for zones in ZONES:  # outside the per-example savepoints
        if zones:
            zone_set_id_for(zones)
    return tenant, make_agent(tenant, "ann")


def lead_records() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({
        "zones": st.sampled_from(ZONES),
        "country": st.sampled_from(["US", "IN", "JP"]),
        "final": st.booleans(),
        "blacklisted": st.booleans(),
        "frozen": OFFSETS,
        "callback": OFFSETS,
        "lease": OFFSETS,
        "assigned": st.booleans(),
        "attempts": st.integers(0, 4),
        "attempts_today": st.integers(0, 3),
        "last_call": OFFSETS,
    })


def _save(campaign: Campaign, agent: Any, at: datetime, records: list[dict[str, Any]]) -> None:
    final = LeadStatus.objects.filter(campaign=campaign, is_dialable=False).first()
    for r in records:
        when = {key: at + r[key] if r[key] is not None else None
                for key in ("frozen", "callback", "lease", "last_call")}
        fields: dict[str, Any] = {
            "country": r["country"], "is_blacklisted": r["blacklisted"],
            "frozen_until": when["frozen"], "callback_at": when["callback"],
            "assigned_agent": agent if r["assigned"] else None,
            "attempts": r["attempts"], "attempts_today": r["attempts_today"],
            "attempts_day": at.date(), "last_call_at": when["last_call"],
        }
        if when["lease"] is not None:
            fields |= {"leased_by": agent, "lease_expires_at": when["lease"],
                       "lease_token": "00000000-0000-0000-0000-000000000001"}
        if r["final"]:
            fields["status"] = final
        if r["zones"] is None:
            fields["zone_set_id"] = None
        else:
            fields["zones"] = r["zones"]
        make_lead(campaign, **fields)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_the_campaign_tables_available_count_is_the_eligibility_count(
        tenant_with_agent: tuple[Tenant, Any], data: st.DataObject) -> None:
    tenant, agent = tenant_with_agent
    at = data.draw(st.sampled_from(MOMENTS), label="at")
    caps = data.draw(st.fixed_dictionaries({
        "max_attempts_per_day": st.sampled_from([0, 2]),
        "max_attempts_total": st.sampled_from([0, 3]),
        "min_minutes_between_calls": st.sampled_from([0, 60]),
    }), label="caps")
    records = data.draw(st.lists(lead_records(), min_size=1, max_size=10), label="leads")
    with transaction.atomic():
        campaign = make_campaign(tenant, name="Mixed", calling_hours=ALL_DAY,
                                 time_zone="America/New_York", **caps)
        other = make_campaign(tenant, name="Bystander", calling_hours=ALL_DAY)
        _save(campaign, agent, at, records)
        _save(other, agent, at, records[:3])
        expected = Lead.objects.filter(campaign=campaign).filter(
            eligible_q(campaign, at)).count()
        figures = campaign_figures(tenant=tenant, campaigns=[campaign, other], at=at)
        assert figures[campaign.id].available_count == expected
        breakdown = eligibility_breakdown(tenant=tenant, campaign=campaign, at=at)
        assert breakdown["available"] == expected
        transaction.set_rollback(True)
