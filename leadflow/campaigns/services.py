"""Writes for campaigns and campaign groups. Every write validates fully before saving."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from leadflow.campaigns.models import Campaign, CampaignGroup
from leadflow.campaigns.selectors import campaign_get, campaign_group_get
from leadflow.core.errors import save_unique
from leadflow.leads.services import leads_delete_for_campaign
from leadflow.rules.defaults import rules_create_defaults
from leadflow.statuses.services import statuses_create_defaults
from leadflow.tenants.models import Tenant

CAMPAIGN_FIELDS: frozenset[str] = frozenset({
    "name", "description", "is_active", "group_id",
    "feedback_timeout_seconds", "lead_lease_seconds",
    "time_zone", "calling_hours",
    "assigned_limit", "max_attempts_per_day", "max_attempts_total",
    "min_minutes_between_calls", "caller_id_mode", "caller_id_number", "caller_id_pool",
    "callback_escalation_minutes",
    "mask_phones", "mask_show", "mask_digits",
})


_MAX_ID = 2**63 - 1  # BigAutoField


def _reject_unknown_fields(fields: Iterable[str]) -> None:
    unknown = sorted(set(fields) - CAMPAIGN_FIELDS)
    if unknown:
        raise ValidationError({name: "Unknown campaign field." for name in unknown})


def _resolve_group(tenant: Tenant, group_id: int | None) -> CampaignGroup | None:
    if group_id is None:
        return None
    group = CampaignGroup.objects.filter(tenant=tenant, id=group_id).first()
    if group is None:
        raise ValidationError({"group_id": f"Campaign group {group_id} not found."})
    return group


def _save_unique(instance: Campaign | CampaignGroup) -> None:
    save_unique(instance, message=f"“{instance.name}” already exists.", field="name")


@transaction.atomic
def campaign_create(*, tenant: Tenant, **fields: Any) -> Campaign:
    """1. Reject unknown fields. 2. Start from the tenant's masking defaults.
    3. Validate everything. 4. Save with the default statuses and template rules, all or
    nothing."""
    _reject_unknown_fields(fields)
    group = _resolve_group(tenant, fields.pop("group_id", None))
    campaign = Campaign(
        tenant=tenant, group=group, time_zone=tenant.time_zone, mask_phones=tenant.mask_phones,
        mask_show=tenant.mask_show, mask_digits=tenant.mask_digits,
    )
    for field, value in fields.items():
        setattr(campaign, field, value)
    campaign.full_clean()
    _save_unique(campaign)
    statuses_create_defaults(campaign=campaign)
    rules_create_defaults(campaign=campaign)
    return campaign


@transaction.atomic
def campaign_update(*, tenant: Tenant, campaign_id: int, **fields: Any) -> Campaign:
    _reject_unknown_fields(fields)
    campaign = campaign_get(tenant=tenant, campaign_id=campaign_id, for_update=True)
    if "group_id" in fields:
        campaign.group = _resolve_group(tenant, fields.pop("group_id"))
    for field, value in fields.items():
        setattr(campaign, field, value)
    campaign.full_clean()
    _save_unique(campaign)
    return campaign


def campaign_set_active(*, tenant: Tenant, campaign_id: int, is_active: bool) -> Campaign:
    return campaign_update(tenant=tenant, campaign_id=campaign_id, is_active=is_active)


@transaction.atomic
def campaign_delete(*, tenant: Tenant, campaign_id: int) -> int:
    """Delete a campaign with its leads and statuses; return how many leads went with it."""
    campaign = campaign_get(tenant=tenant, campaign_id=campaign_id, for_update=True)
    # Leads reference statuses with PROTECT, so they go first, set-based.
    deleted = leads_delete_for_campaign(tenant=tenant, campaign_id=campaign.id)
    campaign.delete()
    return deleted


def _set_group_members(*, tenant: Tenant, group: CampaignGroup, campaign_ids: list[int]) -> None:
    """Make exactly ``campaign_ids`` the group's campaigns; a campaign moves from its old group."""
    wanted = set(campaign_ids)
    # An id outside the column's range cannot exist; SQLite would overflow on it in IN (…).
    searchable = {i for i in wanted if 0 < i <= _MAX_ID}
    found = set(
        Campaign.objects.filter(tenant=tenant, id__in=searchable).values_list("id", flat=True)
    )
    missing = sorted(wanted - found)
    if missing:
        raise ValidationError(
            {"campaign_ids": f"Campaign(s) not found: {', '.join(map(str, missing))}."}
        )
    Campaign.objects.filter(tenant=tenant, group=group).exclude(id__in=wanted).update(group=None)
    Campaign.objects.filter(tenant=tenant, id__in=wanted).update(group=group)


@transaction.atomic
def campaign_group_create(
    *, tenant: Tenant, name: str, description: str = "", campaign_ids: list[int] | None = None
) -> CampaignGroup:
    group = CampaignGroup(tenant=tenant, name=name, description=description)
    group.full_clean()
    _save_unique(group)
    if campaign_ids:
        _set_group_members(tenant=tenant, group=group, campaign_ids=campaign_ids)
    return group


@transaction.atomic
def campaign_group_update(
    *, tenant: Tenant, group_id: int, name: str | None = None, description: str | None = None,
    campaign_ids: list[int] | None = None,
) -> CampaignGroup:
    group = campaign_group_get(tenant=tenant, group_id=group_id)
    if name is not None:
        group.name = name
    if description is not None:
        group.description = description
    group.full_clean()
    _save_unique(group)
    if campaign_ids is not None:
        _set_group_members(tenant=tenant, group=group, campaign_ids=campaign_ids)
    return group


@transaction.atomic
def campaign_group_delete(*, tenant: Tenant, group_id: int) -> int:
    """Delete a group; its campaigns fall back to "without a group". Returns how many."""
    group = campaign_group_get(tenant=tenant, group_id=group_id)
    moved = Campaign.objects.filter(tenant=tenant, group=group).update(group=None)
    group.delete()
    return moved
