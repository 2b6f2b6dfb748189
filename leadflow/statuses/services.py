"""Writes for lead statuses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadflow.statuses.defaults import DEFAULT_STATUSES
from leadflow.statuses.models import LeadStatus

if TYPE_CHECKING:
    from leadflow.campaigns.models import Campaign


def statuses_create_defaults(*, campaign: Campaign) -> list[LeadStatus]:
    """Give a new campaign the default status set, in order."""
    statuses = [
        LeadStatus(tenant_id=campaign.tenant_id, campaign=campaign, position=position, **spec)
        for position, spec in enumerate(DEFAULT_STATUSES)
    ]
    return LeadStatus.objects.bulk_create(statuses)
