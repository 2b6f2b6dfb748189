"""The abandoned-call rate on Stats by Leads: abandoned ÷ answered by a person, per
campaign, over the UK's 24 hours and the US's 30 days, flagged above 3 %."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from conftest import ApiClient
from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.dialing.models import Call, DialResult
from leadflow.dialing.tests.conftest import AT
from leadflow.leads.tests.factories import make_lead
from leadflow.stats.abandonment import abandonment

pytestmark = pytest.mark.django_db


def _calls(campaign: Campaign, result: DialResult, count: int, started: datetime) -> None:
    lead = make_lead(campaign)
    Call.objects.bulk_create(
        Call(tenant=campaign.tenant, lead=lead, campaign=campaign, number_dialled=lead.phone,
             started_at=started, dial_result=result, lease_token=uuid.uuid4())
        for _ in range(count))


def _windows(campaign: Campaign, at: datetime = AT) -> dict[str, Any]:
    return {w.key: w for w in abandonment(campaign=campaign, at=at)}


def test_the_rate_is_abandoned_over_calls_a_person_answered(campaign: Campaign) -> None:
    _calls(campaign, DialResult.ANSWERED, 96, AT - timedelta(hours=1))
    _calls(campaign, DialResult.ABANDONED, 4, AT - timedelta(hours=2))
    for machine_or_nobody in (DialResult.VOICEMAIL, DialResult.NO_ANSWER, DialResult.BUSY):
        _calls(campaign, machine_or_nobody, 50, AT - timedelta(hours=3))
    day = _windows(campaign)["24h"]
    assert (day.calls, day.answered_by_a_person, day.abandoned) == (250, 100, 4)
    assert day.rate_percent == 4.0 and day.over_limit


def test_each_window_counts_only_its_own_calls(campaign: Campaign, tenant: Any) -> None:
    _calls(campaign, DialResult.ABANDONED, 1, AT - timedelta(hours=24))  # the edge: out
    _calls(campaign, DialResult.ANSWERED, 99, AT - timedelta(hours=23, minutes=59))
    _calls(campaign, DialResult.ANSWERED, 100, AT - timedelta(days=29))
    _calls(campaign, DialResult.ABANDONED, 5, AT - timedelta(days=31))  # too old for both
    _calls(campaign, DialResult.ABANDONED, 7, AT + timedelta(minutes=1))  # after the moment
    _calls(make_campaign(tenant, name="Other"), DialResult.ABANDONED, 9, AT)
    windows = _windows(campaign)
    assert (windows["24h"].answered_by_a_person, windows["24h"].abandoned) == (99, 0)
    assert (windows["30d"].answered_by_a_person, windows["30d"].abandoned) == (200, 1)
    assert windows["30d"].rate_percent == 0.5 and not windows["30d"].over_limit


def test_exactly_three_percent_is_within_the_limit(campaign: Campaign) -> None:
    _calls(campaign, DialResult.ANSWERED, 97, AT - timedelta(hours=1))
    _calls(campaign, DialResult.ABANDONED, 3, AT - timedelta(hours=1))
    day = _windows(campaign)["24h"]
    assert day.rate_percent == 3.0 and not day.over_limit


def test_without_answered_calls_there_is_no_rate(campaign: Campaign) -> None:
    _calls(campaign, DialResult.NO_ANSWER, 5, AT - timedelta(hours=1))
    assert _windows(campaign)["24h"].rate_percent is None


def test_the_page_flags_a_rate_over_the_limit_and_the_api_gives_it(
        admin_client: Client, api: ApiClient, campaign: Campaign) -> None:
    recent = datetime.now(tz=AT.tzinfo) - timedelta(hours=1)
    _calls(campaign, DialResult.ANSWERED, 90, recent)
    _calls(campaign, DialResult.ABANDONED, 10, recent)
    page = admin_client.get(f"/campaigns/{campaign.id}/stats/").content.decode()
    assert 'data-testid="over-limit"' in page and "10.00 %" in page
    body = api.get(f"/api/campaigns/{campaign.id}/lead-stats").json()
    assert {w["key"]: w["rate_percent"] for w in body["abandonment"]} == {"24h": 10.0,
                                                                         "30d": 10.0}
