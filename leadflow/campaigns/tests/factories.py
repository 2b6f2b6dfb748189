"""Factories for campaigns and groups; they go through the services like real callers."""

from __future__ import annotations

import itertools
from typing import Any

from leadflow.campaigns.models import Campaign, CampaignGroup
from leadflow.campaigns.services import campaign_create, campaign_group_create
from leadflow.tenants.models import Tenant

_sequence = itertools.count(1)


def make_campaign(tenant: Tenant, **fields: Any) -> Campaign:
    fields.setdefault("name", f"Campaign {next(_sequence)}")
    return campaign_create(tenant=tenant, **fields)


def make_group(tenant: Tenant, **fields: Any) -> CampaignGroup:
    fields.setdefault("name", f"Group {next(_sequence)}")
    return campaign_group_create(tenant=tenant, **fields)
