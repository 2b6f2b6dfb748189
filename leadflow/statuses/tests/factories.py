"""Helpers for status tests: agents, mappings, a campaign's statuses by name, leads."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any, cast

from django.contrib.auth.models import User

from leadflow.campaigns.models import Campaign
from leadflow.leads.models import Lead
from leadflow.leads.tests.factories import LeadFactory
from leadflow.statuses.models import LeadStatus, StatusApiMapping
from leadflow.statuses.services import api_mapping_create
from leadflow.tenants.models import Role, Tenant
from leadflow.tenants.services import user_create

_sequence = itertools.count(1)


def make_agent(tenant: Tenant, username: str | None = None) -> User:
    membership = user_create(tenant=tenant, username=username or f"agent{next(_sequence)}",
                             password="pw", role=Role.AGENT)
    return membership.user


def make_mapping(tenant: Tenant, **fields: Any) -> StatusApiMapping:
    fields.setdefault("code", f"CRM_{next(_sequence)}")
    return api_mapping_create(tenant=tenant, **fields)


def statuses_of(campaign: Campaign) -> dict[str, LeadStatus]:
    return {s.name: s for s in LeadStatus.objects.filter(campaign=campaign)}


def make_lead(campaign: Campaign, *, status: str | LeadStatus | None = None,
              created_at: datetime | None = None, assigned_agent: User | None = None,
              **fields: Any) -> Lead:
    if isinstance(status, str):
        fields["status"] = statuses_of(campaign)[status]
    elif status is not None:
        fields["status"] = status
    if created_at is not None:
        fields["created_at"] = created_at
    return cast(Lead, LeadFactory(campaign=campaign, assigned_agent=assigned_agent, **fields))
