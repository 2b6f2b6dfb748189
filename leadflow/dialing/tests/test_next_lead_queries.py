"""next-lead's query budget: a regression (a query per source, per status, per history
half…) shows here before it shows in the benchmark."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leadflow.campaigns.models import Campaign
from leadflow.dialing.tests.conftest import AT
from leadflow.leads.tests.factories import make_lead
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db

# PostgreSQL: the claim statement (lease + LeadEvent + the lead row) and the history.
# SQLite claims step by step in IMMEDIATE transactions, so it gets a looser bound.
BUDGET = 2 if connection.vendor == "postgresql" else 20


def test_a_warm_next_lead_request_stays_within_its_query_budget(
        tenant: Tenant, campaign: Campaign, api: Any, agent: Any) -> None:
    for _ in range(3):
        make_lead(campaign)
    with time_machine.travel(AT, tick=False):
        # The first request loads the per-tenant caches (campaigns, key, agent, workflow).
        assert api.post("/api/agent/next-lead", {"agent_id": agent.pk}).json()["lead"]
        with CaptureQueriesContext(connection) as queries:
            got = api.post("/api/agent/next-lead", {"agent_id": agent.pk})
    assert got.status_code == 200 and got.json()["lead"] is not None
    assert got.json()["history"]["events"][0]["kind"] == "claimed"
    assert len(queries) <= BUDGET, "\n".join(q["sql"][:120] for q in queries)


def test_a_revoked_key_stops_at_once_in_this_process(
        tenant: Tenant, campaign: Campaign, api: Any, agent: Any) -> None:
    from leadflow.tenants.models import ApiKey
    from leadflow.tenants.services import api_key_revoke

    make_lead(campaign)
    with time_machine.travel(AT, tick=False):
        assert api.post("/api/agent/next-lead", {"agent_id": agent.pk}).status_code == 200
        api_key_revoke(tenant=tenant, api_key_id=ApiKey.objects.get(tenant=tenant).id)
        assert api.post("/api/agent/next-lead", {"agent_id": agent.pk}).status_code == 401
