"""REST endpoints for campaigns, campaign groups and the campaign table's figures."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from leadflow.api.auth import request_tenant
from leadflow.campaigns import selectors, services
from leadflow.campaigns.models import Campaign, CampaignGroup
from leadflow.campaigns.schemas import (
    CampaignDeleted,
    CampaignFiguresOut,
    CampaignGroupDeleted,
    CampaignGroupIn,
    CampaignGroupOut,
    CampaignGroupPatch,
    CampaignIn,
    CampaignOut,
    CampaignPatch,
    CampaignTableGroupOut,
    StatusFigure,
    settings_payload,
)
from leadflow.campaigns.selectors import CampaignFigures

router = Router(tags=["campaigns"])


def _group_out(group: CampaignGroup) -> CampaignGroupOut:
    ids = list(Campaign.objects.filter(tenant_id=group.tenant_id, group=group)
               .order_by("id").values_list("id", flat=True))
    return CampaignGroupOut(id=group.id, name=group.name, description=group.description,
                            campaign_ids=ids)


def _figures_out(figures: CampaignFigures) -> CampaignFiguresOut:
    return CampaignFiguresOut(
        campaign_id=figures.campaign.id, name=figures.campaign.name,
        is_active=figures.campaign.is_active, leads_count=figures.leads_count,
        available_count=figures.available_count,
        statuses=[
            StatusFigure(status_id=s.status.id if s.status else None, name=s.name,
                         color=s.color, count=s.count)
            for s in figures.statuses
        ],
    )


@router.get("/campaign-groups", response=list[CampaignGroupOut])
def list_campaign_groups(request: HttpRequest) -> list[CampaignGroupOut]:
    return [_group_out(g) for g in selectors.campaign_groups_for_tenant(request_tenant(request))]


@router.post("/campaign-groups", response={201: CampaignGroupOut})
def create_campaign_group(request: HttpRequest, payload: CampaignGroupIn) -> Status[object]:
    group = services.campaign_group_create(tenant=request_tenant(request), **payload.model_dump())
    return Status(201, _group_out(group))


@router.get("/campaign-groups/{group_id}", response=CampaignGroupOut)
def get_campaign_group(request: HttpRequest, group_id: int) -> CampaignGroupOut:
    return _group_out(selectors.campaign_group_get(tenant=request_tenant(request),
                                                   group_id=group_id))


@router.patch("/campaign-groups/{group_id}", response=CampaignGroupOut)
def update_campaign_group(
    request: HttpRequest, group_id: int, payload: CampaignGroupPatch
) -> CampaignGroupOut:
    group = services.campaign_group_update(
        tenant=request_tenant(request), group_id=group_id,
        **payload.model_dump(exclude_unset=True),
    )
    return _group_out(group)


@router.delete("/campaign-groups/{group_id}", response=CampaignGroupDeleted)
def delete_campaign_group(request: HttpRequest, group_id: int) -> CampaignGroupDeleted:
    moved = services.campaign_group_delete(tenant=request_tenant(request), group_id=group_id)
    return CampaignGroupDeleted(campaigns_ungrouped=moved)


@router.get("/campaigns", response=list[CampaignOut])
def list_campaigns(request: HttpRequest) -> list[Campaign]:
    return list(selectors.campaigns_for_tenant(request_tenant(request)))


@router.post("/campaigns", response={201: CampaignOut})
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status[Campaign]:
    campaign = services.campaign_create(tenant=request_tenant(request),
                                        **settings_payload(payload))
    return Status(201, campaign)


@router.get("/campaigns/{campaign_id}", response=CampaignOut)
def get_campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    return selectors.campaign_get(tenant=request_tenant(request), campaign_id=campaign_id)


@router.patch("/campaigns/{campaign_id}", response=CampaignOut)
def update_campaign(request: HttpRequest, campaign_id: int, payload: CampaignPatch) -> Campaign:
    return services.campaign_update(tenant=request_tenant(request), campaign_id=campaign_id,
                                    **settings_payload(payload))


@router.delete("/campaigns/{campaign_id}", response=CampaignDeleted)
def delete_campaign(request: HttpRequest, campaign_id: int) -> CampaignDeleted:
    deleted = services.campaign_delete(tenant=request_tenant(request), campaign_id=campaign_id)
    return CampaignDeleted(deleted_leads=deleted)


@router.get("/campaigns/{campaign_id}/figures", response=CampaignFiguresOut)
def get_campaign_figures(request: HttpRequest, campaign_id: int) -> CampaignFiguresOut:
    tenant = request_tenant(request)
    campaign = selectors.campaign_get(tenant=tenant, campaign_id=campaign_id)
    figures = selectors.campaign_figures(tenant=tenant, campaigns=[campaign])
    return _figures_out(figures[campaign.id])


@router.get("/campaign-table", response=list[CampaignTableGroupOut])
def get_campaign_table(request: HttpRequest) -> list[CampaignTableGroupOut]:
    """All Campaigns as data: groups, then "Campaigns without a group", with figures."""
    sections = selectors.campaign_table(tenant=request_tenant(request))
    return [
        CampaignTableGroupOut(group_id=s.group.id if s.group else None, title=s.title,
                              campaigns=[_figures_out(r) for r in s.rows])
        for s in sections
    ]
