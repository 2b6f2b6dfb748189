"""Dialing fixtures: a campaign open all day (the US federal rule still applies to US
leads), agents, and a fixed moment inside every window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.dialing.claim import claim_cache_clear
from leadflow.tenants.models import Role, Tenant
from leadflow.tenants.services import user_create

# Wednesday 4 March 2026, 15:00 UTC = 10:00 in New York: inside the federal window.
AT = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
ALL_DAY = {day: {"start": "00:00", "end": "23:59"}
           for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture(autouse=True)
def _fresh_claim_cache() -> Iterator[None]:
    claim_cache_clear()
    yield
    claim_cache_clear()


@pytest.fixture
def campaign(tenant: Tenant) -> Campaign:
    return make_campaign(tenant, calling_hours=ALL_DAY, time_zone="America/New_York")


def make_agent(tenant: Tenant, username: str) -> Any:
    return user_create(tenant=tenant, username=username, password="pw", role=Role.AGENT).user


@pytest.fixture
def agent(tenant: Tenant) -> Any:
    return make_agent(tenant, "ann")


@pytest.fixture
def agent2(tenant: Tenant) -> Any:
    return make_agent(tenant, "bob")

