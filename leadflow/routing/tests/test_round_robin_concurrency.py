"""The round-robin step is atomic: concurrent claims of one agent lose no update."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.utils import timezone

from leadflow.routing.models import RoundRobinState
from leadflow.routing.selectors import advance_round_robin, agent_lead_sources, next_filter_groups
from leadflow.routing.services import FilterGroupInput as F
from leadflow.routing.tests.factories import make_agent, make_desk, make_user_group
from leadflow.tenants.models import Tenant

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="row locks and real concurrency need PostgreSQL"),
]


def test_concurrent_steps_for_one_agent_keep_the_weights_balanced(tenant: Tenant) -> None:
    desk = make_desk(tenant, "Sales")
    make_user_group(tenant, "Main", desks={desk: 1}, filters=[
        F(name="A", weight=3), F(name="B", weight=2, order=1), F(name="C", weight=1, order=2)])
    agent = make_agent(tenant, "ann", desks=[desk])
    sources = agent_lead_sources(tenant=tenant, agent=agent, at=timezone.now())

    def claim_ten() -> None:
        try:
            for _ in range(10):
                chosen = next_filter_groups(agent=agent, sources=sources)[0]
                advance_round_robin(agent=agent, chosen=chosen)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(claim_ten) for _ in range(8)]:
            future.result()
    currents = list(RoundRobinState.objects.filter(agent=agent).values_list("current", flat=True))
    # Every step adds the weights and takes their total from one group: a lost update
    # would leave the sum off zero.
    assert len(currents) == 3 and sum(currents) == 0
