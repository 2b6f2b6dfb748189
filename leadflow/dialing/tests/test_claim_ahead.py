"""The claim statement is compiled once per calling-hours state, not once per minute,
and the next one ahead, in the background, so the first claims of a minute whose
windows change do not wait for it; datetimes move with the claim, fixed ones do not."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.dialing import claim
from leadflow.dialing.ahead import Ahead
from leadflow.dialing.claim import Claim, LeadSource, lead_claim, pool_sources
from leadflow.dialing.tests.conftest import ALL_DAY, AT
from leadflow.leads.models import Lead
from leadflow.leads.tests.factories import make_lead
from leadflow.tenants.models import Tenant


def test_ahead_makes_each_key_once_however_often_it_is_submitted() -> None:
    results: dict[str, int] = {}
    calls: list[str] = []
    gate = threading.Event()

    def make() -> int:
        gate.wait(5)
        calls.append("made")
        return 42

    ahead = Ahead(results)
    for _ in range(5):
        ahead.submit("next minute", make)
    gate.set()
    ahead.wait()
    ahead.submit("next minute", make)  # already made: nothing to do
    ahead.wait()
    assert results == {"next minute": 42}
    assert calls == ["made"]


def test_a_failed_compile_leaves_no_result_and_can_be_tried_again() -> None:
    results: dict[str, int] = {}
    ahead = Ahead(results)

    def broken() -> int:
        raise RuntimeError("contexts changed under it")

    ahead.submit("k", broken)
    ahead.wait()
    assert results == {}
    ahead.submit("k", lambda: 7)
    ahead.wait()
    assert results == {"k": 7}


POSTGRES = connection.vendor == "postgresql"  # SQLite claims step by step, uncompiled


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every claim statement compiled from here on (PostgreSQL's one-statement claim)."""
    compiled: list[Any] = []
    real_compile = claim._compile

    def counting_compile(**kwargs: Any) -> Any:
        compiled.append(kwargs["minute"])
        return real_compile(**kwargs)

    monkeypatch.setattr(claim, "_compile", counting_compile)
    return compiled


def _claim(tenant: Tenant, agent: Any, at: datetime, **source: Any) -> Claim | None:
    sources = ([LeadSource(q=Q(**source))] if source
               else pool_sources(tenant, agent_id=agent.pk))
    return lead_claim(tenant=tenant, agent=agent, sources=sources, at=at)


@pytest.mark.django_db
def test_one_statement_serves_the_following_minutes_while_no_window_opens_or_closes(
        tenant: Tenant, campaign: Campaign, agent: Any, compiles: list[Any]) -> None:
    for _ in range(2):
        make_lead(campaign)
    assert _claim(tenant, agent, AT)
    later = AT + timedelta(minutes=7, seconds=13)
    got = _claim(tenant, agent, later)
    assert got is not None
    # Its datetimes moved with the claim's moment: the lease runs from ``later``.
    assert got.lease_expires_at == later + timedelta(seconds=campaign.lead_lease_seconds)
    assert compiles == ([AT] if POSTGRES else [])


@pytest.mark.django_db
def test_a_fixed_datetime_in_a_source_does_not_move_with_the_claims_moment(
        tenant: Tenant, campaign: Campaign, agent: Any) -> None:
    cutoff = AT - timedelta(hours=1)
    old = make_lead(campaign, created_at=AT - timedelta(hours=2))
    make_lead(campaign, created_at=AT - timedelta(minutes=55))  # after the cutoff
    got = _claim(tenant, agent, AT, created_at__lte=cutoff)
    assert got is not None and got.lead.id == old.id
    # Ten minutes on, the cutoff is still 14:00: the newer lead stays out.
    assert _claim(tenant, agent, AT + timedelta(minutes=10), created_at__lte=cutoff) is None


@pytest.mark.django_db(transaction=True)
def test_a_window_closing_next_minute_is_compiled_ahead_and_no_lead_goes_out_after_it(
        tenant: Tenant, agent: Any, compiles: list[Any]) -> None:
    closes = {**ALL_DAY, "wed": {"start": "09:00", "end": "10:01"}}  # AT is 10:00 there
    campaign = make_campaign(tenant, calling_hours=closes, time_zone="America/New_York")
    for _ in range(3):
        make_lead(campaign)
    assert _claim(tenant, agent, AT.replace(second=10))
    claim._ahead.wait()
    assert compiles == ([AT] if POSTGRES else []), "nothing ahead while nothing changes"
    assert _claim(tenant, agent, AT.replace(second=50))
    claim._ahead.wait()
    after = AT + timedelta(minutes=1)
    assert compiles == ([AT, after] if POSTGRES else []), "the closing compiled ahead"
    assert _claim(tenant, agent, after + timedelta(seconds=2)) is None
    assert compiles == ([AT, after] if POSTGRES else []), "and used"
    assert Lead.objects.filter(leased_by=agent).count() == 2
