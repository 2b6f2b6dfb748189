"""Reads for campaigns, campaign groups and the All Campaigns table."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import Count, Q, QuerySet

from leadflow.campaigns.models import Campaign, CampaignGroup
from leadflow.core import clock
from leadflow.core.errors import NotFoundError
from leadflow.leads.models import Lead
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
    status: LeadStatus | None  # None: leads without a status
    count: int
    name: str
    color: str

    @classmethod
    def of(cls, status: LeadStatus | None, count: int) -> StatusCount:
        if status is None:
            return cls(status=None, count=count, name="(no status)", color="#9e9e9e")
        return cls(status=status, count=count, name=status.name, color=status.color)


@dataclass
class CampaignFigures:
    campaign: Campaign
    leads_count: int = 0
    available_count: int = 0
    statuses: list[StatusCount] = field(default_factory=list)


def campaign_figures(
    *, tenant: Tenant, campaigns: list[Campaign], at: datetime | None = None
) -> dict[int, CampaignFigures]:
    """Leads count, currently available leads and per-status counts for ``campaigns``.

    1. One grouped count per (campaign, status, zone set): all leads, and those neither
       blacklisted nor frozen now. On PostgreSQL this is one index-only scan of
       ``lead_table_figures`` whatever the number of campaigns.
    2. In Python, fold it into per-status counts, and for each active campaign sum the
       dialable-status leads of the zone sets inside its calling window now (leads
       without a zone use the campaign's default zone). The open zone sets are computed
       once per campaign, never per row.
    3. Subtract what the dialing eligibility excludes besides (held leads, caps, the
       calling rules and holidays of the leads' countries): ``dialing.available``, one
       or two queries over few rows. The count is then the eligibility's.
    """
    # Imported here: the dialing app builds on campaigns (models, selectors).
    from leadflow.dialing.available import pool_exclusions, pool_scopes

    at = at or clock.now()
    by_id = {c.id: CampaignFigures(campaign=c) for c in campaigns}
    if not by_id:
        return by_id
    ids = list(by_id)

    statuses_by_campaign: dict[int, list[LeadStatus]] = defaultdict(list)
    # Only what the table shows: the full rows carry JSON conditions we'd parse for nothing.
    for status in LeadStatus.objects.filter(tenant=tenant, campaign_id__in=ids).only(
        "id", "campaign_id", "name", "color", "position", "is_dialable"
    ).order_by("campaign_id", "position", "id"):
        statuses_by_campaign[status.campaign_id].append(status)

    status_counts: dict[int, dict[int | None, int]] = defaultdict(lambda: defaultdict(int))
    zone_counts: dict[int, dict[int | None, int]] = defaultdict(lambda: defaultdict(int))
    not_frozen = Q(frozen_until__isnull=True) | Q(frozen_until__lte=at)
    # values_list: tuples, not dicts; with ~100 campaigns × 11 statuses × 15 zone sets
    # the row count reaches tens of thousands and dict building would dominate.
    rows = (
        Lead.objects.filter(tenant=tenant, campaign_id__in=ids)
        .values("campaign_id", "status_id", "zone_set_id")
        .annotate(n=Count("*"),
                  free=Count("campaign_id", filter=Q(is_blacklisted=False) & not_frozen))
        .order_by()
        .values_list("campaign_id", "status_id", "zone_set_id", "n", "free")
    )
    # Leads in a non-dialable status (final outcomes, Do Not Call) are never available.
    undialable = {s.id for statuses in statuses_by_campaign.values() for s in statuses
                  if not s.is_dialable}
    # Executed on a raw cursor: Django's per-row converters cost ~20 ms for ~16,000 rows
    # of plain integers.
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    for campaign_id, status_id, zone_set_id, n, free in fetched:
        status_counts[campaign_id][status_id] += n
        if free and status_id not in undialable:
            zone_counts[campaign_id][zone_set_id] += free

    scopes = pool_scopes(tenant_id=tenant.id, at=at,
                         campaigns=[c for c in campaigns if c.id in zone_counts])
    excluded = pool_exclusions(tenant_id=tenant.id, scopes=list(scopes.values()), at=at)
    for campaign_id, figures in by_id.items():
        counts = status_counts.get(campaign_id, {})
        figures.leads_count = sum(counts.values())
        figures.statuses = [StatusCount.of(s, counts.get(s.id, 0))
                            for s in statuses_by_campaign.get(campaign_id, [])]
        if None in counts:
            figures.statuses.append(StatusCount.of(None, counts[None]))
        if campaign_id in scopes:
            open_ids, default_open = scopes[campaign_id].window_open
            coarse = sum(
                n for zone_set_id, n in zone_counts[campaign_id].items()
                if (zone_set_id in open_ids if zone_set_id is not None else default_open)
            )
            figures.available_count = coarse - excluded[campaign_id]
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
