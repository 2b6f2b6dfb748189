"""API schemas for statuses, CRM status mappings, the status mapping read and the workflow."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field

ExcludeModeName = Literal["ignore", "when_permanent", "when_non_permanent"]


class StrictSchema(Schema):
    # Unknown keys are refused by name, never silently dropped.
    model_config = ConfigDict(extra="forbid")


# --- CRM status mappings ----------------------------------------------------------------

class ApiMappingIn(StrictSchema):
    code: str = Field(min_length=1, max_length=64)
    description: str = Field(default="", max_length=255)


class ApiMappingPatch(StrictSchema):
    code: str | None = Field(default=None, min_length=1, max_length=64)
    description: str | None = Field(default=None, max_length=255)


class ApiMappingOut(Schema):
    id: int
    code: str
    description: str


class ApiMappingDeleted(Schema):
    statuses_unmapped: int


class MappingRef(Schema):
    id: int
    code: str
    description: str


class StatusMappingOut(Schema):
    status_id: int
    name: str
    color: str
    mapping: MappingRef | None


class CampaignStatusMappingOut(Schema):
    campaign_id: int
    campaign_name: str
    statuses: list[StatusMappingOut]


# --- statuses ---------------------------------------------------------------------------

class StatusSettings(StrictSchema):
    description: str | None = None
    position: int | None = None
    color: str | None = Field(default=None, examples=["#8e24aa"])
    max_call_after_days: int | None = None
    api_mapping_id: int | None = Field(
        default=None, description="A CRM status mapping id; null = “[Without Mapping]”.")
    required_fields: dict[str, Any] | None = Field(
        default=None, examples=[{"all": [{"field": "call_after", "op": "not_empty"}]}],
        description="A condition over the feedback form (call_after, date, comment, status).")
    affects_permanent_assignment: bool | None = None
    allow_call_after: bool | None = None
    is_dialable: bool | None = None
    is_do_not_call: bool | None = None
    is_final: bool | None = None
    is_default_for_new_leads: bool | None = None


class StatusIn(StatusSettings):
    name: str = Field(min_length=1, max_length=80)


class StatusPatch(StatusSettings):
    name: str | None = Field(default=None, min_length=1, max_length=80)


class StatusOut(Schema):
    id: int
    campaign_id: int
    name: str
    description: str
    position: int
    color: str
    max_call_after_days: int
    api_mapping_id: int | None
    required_fields: dict[str, Any]
    affects_permanent_assignment: bool
    allow_call_after: bool
    is_dialable: bool
    is_do_not_call: bool
    is_final: bool
    is_default_for_new_leads: bool
    is_system: bool = Field(description="Derived: the required fields can never be met.")


class StatusDeleted(Schema):
    moved_leads: int


def status_payload(payload: Schema) -> dict[str, Any]:
    """Only the fields the caller sent; ``null`` for api_mapping_id means "no mapping"."""
    data = payload.model_dump(exclude_unset=True)
    return {k: v for k, v in data.items() if v is not None or k == "api_mapping_id"}


# --- the workflow -----------------------------------------------------------------------

class TransitionIn(StrictSchema):
    from_status_id: int
    to_status_id: int
    exclude_from_day: int | None = None
    exclude_to_day: int | None = None
    exclude_mode: ExcludeModeName = "ignore"


class TransitionOut(Schema):
    from_status_id: int
    to_status_id: int
    exclude_from_day: int | None
    exclude_to_day: int | None
    exclude_mode: str
