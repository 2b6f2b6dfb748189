"""Lead sources in priority order and smooth weighted round-robin over filter groups."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.utils import timezone

from leadflow.routing.selectors import (
    LeadSource,
    advance_round_robin,
    agent_lead_sources,
    next_filter_groups,
)
from leadflow.routing.services import FilterGroupInput as F
from leadflow.routing.tests.factories import make_agent, make_desk, make_user_group
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db


def _pick(agent: Any, sources: list[LeadSource], empty: frozenset[str] = frozenset()
          ) -> str | None:
    """What a claim does: try the groups in order, advance on the first that has a lead."""
    for source in next_filter_groups(agent=agent, sources=sources):
        if source.name not in empty:
            advance_round_robin(agent=agent, chosen=source)
            return source.name
    return None


@pytest.fixture
def weighted(tenant: Tenant) -> tuple[Any, list[LeadSource]]:
    desk = make_desk(tenant, "Sales")
    make_user_group(tenant, "Main", desks={desk: 1}, filters=[
        F(name="A", weight=3, order=0), F(name="B", weight=2, order=1),
        F(name="C", weight=1, order=2), F(name="Off", weight=0, order=3),
        F(name="Fail", weight=1, is_failover=True, order=4)])
    agent = make_agent(tenant, "ann", desks=[desk])
    return agent, agent_lead_sources(tenant=tenant, agent=agent, at=timezone.now())


def test_sources_follow_priority_then_filter_group_order(tenant: Tenant) -> None:
    first, second = make_desk(tenant, "First"), make_desk(tenant, "Second")
    make_user_group(tenant, "Late", desks={second: 2}, filters=[F(name="late")])
    make_user_group(tenant, "Early", desks={first: 1},
                    filters=[F(name="early-b", order=2), F(name="early-a", order=1)])
    make_user_group(tenant, "Elsewhere", filters=[F(name="unlinked")])
    agent = make_agent(tenant, "ann", desks=[first, second])
    sources = agent_lead_sources(tenant=tenant, agent=agent, at=timezone.now())
    assert [(s.name, s.priority) for s in sources] == [
        ("early-a", 1), ("early-b", 1), ("late", 2)]


def test_a_user_group_reached_through_two_desks_counts_once_at_its_best_priority(
        tenant: Tenant) -> None:
    one, two = make_desk(tenant, "One"), make_desk(tenant, "Two")
    make_user_group(tenant, "Both", desks={one: 5, two: 2}, filters=[F(name="x")])
    agent = make_agent(tenant, "ann", desks=[one, two])
    sources = agent_lead_sources(tenant=tenant, agent=agent, at=timezone.now())
    assert [(s.name, s.priority) for s in sources] == [("x", 2)]


def test_an_agent_outside_every_desk_has_no_sources(tenant: Tenant) -> None:
    desk = make_desk(tenant, "Sales")
    make_user_group(tenant, "Main", desks={desk: 1}, filters=[F(name="x")])
    agent = make_agent(tenant, "loner")
    assert agent_lead_sources(tenant=tenant, agent=agent, at=timezone.now()) == []


def test_smooth_weighted_round_robin_interleaves_three_two_one(weighted: Any) -> None:
    agent, sources = weighted
    assert [_pick(agent, sources) for _ in range(6)] == ["A", "B", "A", "C", "B", "A"]


def test_sixty_picks_give_exactly_thirty_twenty_ten(weighted: Any) -> None:
    agent, sources = weighted
    counts = Counter(_pick(agent, sources) for _ in range(60))
    assert counts == {"A": 30, "B": 20, "C": 10}


def test_off_groups_are_never_offered_and_failover_comes_last(weighted: Any) -> None:
    agent, sources = weighted
    names = [s.name for s in next_filter_groups(agent=agent, sources=sources)]
    assert "Off" not in names
    assert names[-1] == "Fail"
    assert sorted(names[:-1]) == ["A", "B", "C"]


def test_failover_is_used_only_when_every_weighted_group_is_empty(weighted: Any) -> None:
    agent, sources = weighted
    assert _pick(agent, sources, empty=frozenset({"A", "B"})) == "C"
    assert _pick(agent, sources, empty=frozenset({"A", "B", "C"})) == "Fail"


def test_an_empty_group_does_not_bank_credit_for_a_burst_later(weighted: Any) -> None:
    agent, sources = weighted
    for _ in range(30):
        _pick(agent, sources, empty=frozenset({"A"}))
    counts = Counter(_pick(agent, sources) for _ in range(12))
    assert counts["A"] <= 7  # 6 is the fair share; no backlog of 90 credits


def test_rotation_is_per_agent(tenant: Tenant, weighted: Any) -> None:
    agent, sources = weighted
    other = make_agent(tenant, "bob")
    _pick(agent, sources)
    assert next_filter_groups(agent=other, sources=sources)[0].name == "A"
    assert next_filter_groups(agent=agent, sources=sources)[0].name == "B"
