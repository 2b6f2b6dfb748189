"""Lead factory (factory_boy): a valid lead in a campaign's default status."""

from __future__ import annotations

from typing import Any, cast

import factory
from django.utils import timezone

from leadflow.campaigns.models import Campaign
from leadflow.leads.models import Lead
from leadflow.leads.services import zone_set_id_for
from leadflow.statuses.models import LeadStatus


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    campaign: Any = None
    tenant = factory.LazyAttribute(lambda o: o.campaign.tenant)
    phone = factory.Sequence(lambda n: f"+1202555{n % 10000:04d}")
    first_name = "Pat"
    last_name = factory.Sequence(lambda n: f"Lead{n}")
    country = "US"
    weight = 0
    created_at = factory.LazyFunction(timezone.now)
    status = factory.LazyAttribute(
        lambda o: LeadStatus.objects.filter(campaign=o.campaign, is_default_for_new_leads=True)
        .first()
    )

    class Params:
        zones: tuple[str, ...] = ("America/New_York",)

    zone_set_id = factory.LazyAttribute(lambda o: zone_set_id_for(o.zones))


def make_lead(campaign: Campaign, **fields: Any) -> Lead:
    """A typed wrapper: factory_boy's factories are untyped (calling one returns Lead)."""
    return cast(Lead, LeadFactory(campaign=campaign, **fields))


def status_named(campaign: Campaign, name: str) -> LeadStatus:
    return LeadStatus.objects.get(campaign=campaign, name=name)
