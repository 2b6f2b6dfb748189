"""Reads for campaigns, campaign groups and the All Campaigns table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from leadflow.campaigns.calling_hours import (
    Window,
    is_open_in_all_zones,
    parse_calling_hours,
)
from leadflow.campaigns.models import Campaign, CampaignGroup
from leadflow.core import clock
from leadflow.core.errors import NotFoundError
from leadflow.leads.models import Lead, ZoneSet
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Tenant


def campaign_get(*, tenant: Tenant, campaign_id: int, for_update: bool = False) -> Campaign:
    queryset = Campaign.objects.filter(tenant=tenant, id=campaign_id)
    if for_update:
        queryset = queryset.select_for_update()
    campaign = queryset.first()
    if campaign is None:
        raise NotFoundError(f"Campaign {campaign_id} not found.")
    return campaign


def campaign_group_get(*, tenant: Tenant, group_id: int) -> CampaignGroup:
    group = CampaignGroup.objects.filter(tenant=tenant, id=group_id).first()
    if group is None:
        raise NotFoundError(f"Campaign group {group_id} not found.")
    return group


def campaigns_for_tenant(tenant: Tenant) -> QuerySet[Campaign]:
    return Campaign.objects.filter(tenant=tenant).select_related("group").order_by("id")


def campaign_groups_for_tenant(tenant: Tenant) -> QuerySet[CampaignGroup]:
    return CampaignGroup.objects.filter(tenant=tenant).annotate(
        campaign_count=Count("campaigns")
    ).order_by("name")


@dataclass
class StatusCount:
    status: LeadStatus | None
    count: int


@dataclass
class CampaignFigures:
    campaign: Campaign
    leads_count: int = 0
    available_count: int = 0
    statuses: list[StatusCount] = field(default_factory=list)


def open_zone_set_ids(
    windows: Mapping[str, Window | None], zone_sets: Iterable[ZoneSet], at: datetime
) -> set[int]:
    """The zone sets whose every zone is inside the calling windows at ``at``."""
    return {zs.id for zs in zone_sets if is_open_in_all_zones(windows, zs.zone_names, at)}


def campaign_figures(
    *, tenant: Tenant, campaigns: list[Campaign], at: datetime | None = None
) -> dict[int, CampaignFigures]:
    """Leads count, currently available leads and per-status counts for ``campaigns``.

    1. One grouped count of leads per (campaign, status).
    2. One grouped count of not-blacklisted, not-frozen leads per (campaign, zone set).
    3. In Python, for each active campaign, the zone sets inside its calling window now
       (leads without a zone use the campaign's default zone); sum their counts.
    Two scans regardless of the number of campaigns; no per-row time-zone arithmetic.
    """
    at = at or clock.now()
    by_id = {c.id: CampaignFigures(campaign=c) for c in campaigns}
    if not by_id:
        return by_id
    ids = list(by_id)

    statuses = {s.id: s for s in LeadStatus.objects.filter(tenant=tenant, campaign_id__in=ids)}
    status_counts: dict[int, dict[int | None, int]] = defaultdict(dict)
    for row in (
        Lead.objects.filter(tenant=tenant, campaign_id__in=ids)
        .values("campaign_id", "status_id").annotate(n=Count("*")).order_by()
    ):
        status_counts[row["campaign_id"]][row["status_id"]] = row["n"]

    zone_counts: dict[int, dict[int | None, int]] = defaultdict(dict)
    active_ids = [c.id for c in campaigns if c.is_active]
    if active_ids:
        for row in (
            Lead.objects.filter(tenant=tenant, campaign_id__in=active_ids, is_blacklisted=False)
            .filter(Q(frozen_until__isnull=True) | Q(frozen_until__lte=at))
            .values("campaign_id", "zone_set_id").annotate(n=Count("*")).order_by()
        ):
            zone_counts[row["campaign_id"]][row["zone_set_id"]] = row["n"]

    zone_sets = list(ZoneSet.objects.all())
    for campaign_id, figures in by_id.items():
        campaign = figures.campaign
        counts = status_counts.get(campaign_id, {})
        figures.leads_count = sum(counts.values())
        figures.statuses = [
            StatusCount(status=s, count=counts.get(s.id, 0))
            for s in sorted((s for s in statuses.values() if s.campaign_id == campaign_id),
                            key=lambda s: (s.position, s.id))
        ]
        if None in counts:
            figures.statuses.append(StatusCount(status=None, count=counts[None]))
        if campaign.is_active and campaign_id in zone_counts:
            windows = parse_calling_hours(campaign.calling_hours)
            open_ids = open_zone_set_ids(windows, zone_sets, at)
            default_open = is_open_in_all_zones(windows, [campaign.time_zone], at)
            figures.available_count = sum(
                n for zone_set_id, n in zone_counts[campaign_id].items()
                if (zone_set_id in open_ids if zone_set_id is not None else default_open)
            )
    return by_id


@dataclass
class CampaignGroupRows:
    group: CampaignGroup | None  # None: "Campaigns without a group"
    rows: list[CampaignFigures]

    @property
    def title(self) -> str:
        return self.group.name if self.group else "Campaigns without a group"

    @property
    def leads_count(self) -> int:
        return sum(r.leads_count for r in self.rows)

    @property
    def available_count(self) -> int:
        return sum(r.available_count for r in self.rows)


def campaign_table(*, tenant: Tenant, at: datetime | None = None) -> list[CampaignGroupRows]:
    """The All Campaigns page: every group (empty ones too), then the ungrouped campaigns."""
    campaigns = list(campaigns_for_tenant(tenant))
    figures = campaign_figures(tenant=tenant, campaigns=campaigns, at=at)
    groups = list(CampaignGroup.objects.filter(tenant=tenant).order_by("name"))
    sections = [
        CampaignGroupRows(group=g, rows=[figures[c.id] for c in campaigns if c.group_id == g.id])
        for g in groups
    ]
    sections.append(CampaignGroupRows(
        group=None, rows=[figures[c.id] for c in campaigns if c.group_id is None]
    ))
    return sections
