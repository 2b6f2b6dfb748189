"""API schemas for campaigns, campaign groups and the campaign table."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

DayWindow = dict[str, str] | None
WeekHours = dict[str, DayWindow]


class StrictSchema(Schema):
    # Unknown keys are refused by name, never silently dropped.
    model_config = ConfigDict(extra="forbid")


class CampaignGroupIn(StrictSchema):
    name: str = Field(min_length=1, max_length=120)
    description: str = ""
    campaign_ids: list[int] = Field(default_factory=list)


class CampaignGroupPatch(StrictSchema):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = None
    campaign_ids: list[int] | None = None


class CampaignGroupOut(Schema):
    id: int
    name: str
    description: str
    campaign_ids: list[int]


class CampaignGroupDeleted(Schema):
    campaigns_ungrouped: int


class CampaignSettings(StrictSchema):
    description: str | None = None
    is_active: bool | None = None
    group_id: int | None = None
    feedback_timeout_seconds: int | None = None
    lead_lease_seconds: int | None = None
    time_zone: str | None = None
    calling_hours: WeekHours | None = Field(
        default=None, examples=[{"mon": {"start": "09:00", "end": "20:00"}, "sun": None}]
    )
    assigned_limit: int | None = None
    max_attempts_per_day: int | None = None
    max_attempts_total: int | None = None
    min_minutes_between_calls: int | None = None
    caller_id_mode: Literal["fixed", "random_pool"] | None = None
    caller_id_number: str | None = None
    caller_id_pool: dict[str, list[str]] | None = None
    mask_phones: bool | None = None
    mask_show: Literal["first", "last"] | None = None
    mask_digits: int | None = None


class CampaignIn(CampaignSettings):
    name: str = Field(min_length=1, max_length=120)


class CampaignPatch(CampaignSettings):
    name: str | None = Field(default=None, min_length=1, max_length=120)


class CampaignOut(Schema):
    id: int
    name: str
    description: str
    is_active: bool
    group_id: int | None
    feedback_timeout_seconds: int
    lead_lease_seconds: int
    time_zone: str
    calling_hours: dict[str, Any]
    assigned_limit: int
    max_attempts_per_day: int
    max_attempts_total: int
    min_minutes_between_calls: int
    caller_id_mode: str
    caller_id_number: str
    caller_id_pool: dict[str, list[str]]
    mask_phones: bool
    mask_show: str
    mask_digits: int
    created_at: datetime
    updated_at: datetime


class CampaignDeleted(Schema):
    deleted_leads: int


class StatusFigure(Schema):
    status_id: int | None
    name: str
    color: str
    count: int


class CampaignFiguresOut(Schema):
    campaign_id: int
    name: str
    is_active: bool
    leads_count: int
    available_count: int
    statuses: list[StatusFigure]


class CampaignTableGroupOut(Schema):
    group_id: int | None
    title: str
    campaigns: list[CampaignFiguresOut]


def settings_payload(payload: Schema) -> dict[str, Any]:
    """Only the fields the caller sent; ``null`` for group_id means "no group"."""
    data = payload.model_dump(exclude_unset=True)
    return {k: v for k, v in data.items() if v is not None or k == "group_id"}
