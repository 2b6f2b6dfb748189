"""``leadflow simulate``: simulated agents against a live in-process server and a real
database; the summary must agree with what the database recorded."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.dialing.claim import claim_cache_clear
from leadflow.dialing.models import Call
from leadflow.leads.models import Lead, LeadEvent, LeadEventKind
from leadflow.leads.tests.factories import LeadFactory
from leadflow.ops.simulate import call_after_for, choose_statuses, simulate
from leadflow.tenants.models import ApiKey, Role, Tenant
from leadflow.tenants.services import user_create

ALL_DAY = {day: {"start": "00:00", "end": "23:59"}
           for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture(autouse=True)
def _fresh_claim_cache() -> Iterator[None]:
    # The claim caches campaign settings per process; ids repeat across tests.
    claim_cache_clear()
    yield
    claim_cache_clear()


def _run(tenant: Tenant) -> dict[str, Any]:
    """Three agents for three seconds on 40 London leads of a campaign open all day
    (London: no federal US window to depend on the hour the suite runs at)."""
    campaign = make_campaign(tenant, calling_hours=ALL_DAY, time_zone="Europe/London")
    for n in range(40):
        LeadFactory(campaign=campaign, country="GB", phone=f"+447700900{n:03d}",
                    zones=("Europe/London",))
    for name in ("ann", "bob", "cid"):
        user_create(tenant=tenant, username=name, password="pw", role=Role.AGENT)
    return simulate(agents=3, minutes=0.05, campaign_id=campaign.id, speed=600, seed=3)


def test_simulated_agents_work_leads_through_the_api_and_the_summary_matches_the_database(
        transactional_db: None, tenant: Tenant) -> None:
    # One run, several checks: each run costs seconds of a shared machine.
    summary = _run(tenant)
    calls_were_made_and_recorded_with_dial_results(summary)
    every_feedback_was_accepted(summary)
    no_lead_was_held_by_two_agents_at_once()
    the_summary_counts_equal_the_database_counts(summary)
    assert not ApiKey.objects.filter(revoked_at__isnull=True).exists()  # temporary key


def calls_were_made_and_recorded_with_dial_results(summary: dict[str, Any]) -> None:
    assert summary["agents"] == 3
    assert summary["calls"] > 0
    assert Call.objects.count() == summary["calls"]
    assert not Call.objects.filter(dial_result="").exists()


def every_feedback_was_accepted(summary: dict[str, Any]) -> None:
    assert summary["feedback_ok"] == summary["calls"]
    assert (summary["feedback_rejected"], summary["conflicts"], summary["errors"]) == (0, 0, 0)
    assert not Call.objects.filter(feedback_at__isnull=True).exists()
    assert not Lead.objects.filter(lease_token__isnull=False).exists()


def no_lead_was_held_by_two_agents_at_once() -> None:
    # Every hand-out is closed by its feedback, from the same agent, before the lead is
    # handed out again; a lead's calls never overlap.
    kinds = (LeadEventKind.CLAIMED, LeadEventKind.FEEDBACK)
    per_lead: dict[int, list[tuple[str, int | None]]] = {}
    for lead_id, kind, actor in (LeadEvent.objects.filter(kind__in=kinds)
                                 .order_by("created_at", "id")
                                 .values_list("lead_id", "kind", "actor_id")):
        per_lead.setdefault(lead_id, []).append((kind, actor))
    assert per_lead
    for events in per_lead.values():
        for index, (event_kind, event_actor) in enumerate(events):
            assert event_kind == kinds[index % 2]
            if event_kind == LeadEventKind.FEEDBACK:
                assert event_actor == events[index - 1][1]
    calls = list(Call.objects.order_by("lead_id", "started_at", "id"))
    for before, after in zip(calls, calls[1:], strict=False):
        if before.lead_id == after.lead_id:
            assert before.feedback_at is not None and before.feedback_at <= after.started_at


def the_summary_counts_equal_the_database_counts(summary: dict[str, Any]) -> None:
    assert summary["claims"] == LeadEvent.objects.filter(kind=LeadEventKind.CLAIMED).count()
    assert summary["calls"] == Call.objects.count()
    recorded = Counter(Call.objects.values_list("dial_result", flat=True))
    assert {k: v for k, v in summary["dial_results"].items() if v} == dict(recorded)
    assert summary["feedback_ok"] == Call.objects.filter(feedback_at__isnull=False).count()


def test_a_callback_time_stays_inside_the_status_limit() -> None:
    now = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    rng = random.Random(1)
    for days in (1, 2, 14, 0):
        status = {"allow_call_after": True, "max_call_after_days": days}
        for _ in range(200):
            at = datetime.fromisoformat(cast(str, call_after_for(status, now, rng)))
            assert now < at <= now + timedelta(days=days or 2)
    assert call_after_for({"allow_call_after": False}, now, rng) is None


def test_the_status_named_after_the_line_outcome_is_tried_first() -> None:
    allowed = [{"id": 1, "name": "No Answer"}, {"id": 2, "name": "Busy"},
               {"id": 3, "name": "Do Not Call"}]
    for seed in range(20):
        tried = choose_statuses(allowed, "busy", random.Random(seed))
        assert tried[0]["id"] == 2
        assert sorted(s["id"] for s in tried) == [1, 2, 3]
    assert choose_statuses([], "busy", random.Random(0)) == []
