"""API schemas for leads (the CRM intake) and the do-not-call list.

Inputs forbid unknown keys. Text is checked for what cannot be stored (unpaired
surrogates here; NUL characters and lengths by the intake normaliser, which names the
field). Bulk items are validated one by one: a malformed item becomes a rejected result
of its own instead of failing the whole request.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import pydantic
from ninja import Schema
from pydantic import AwareDatetime, ConfigDict, Field, PlainValidator, field_validator

MAX_BULK_ITEMS = 10_000
MAX_ALT_PHONES = 10
MAX_CUSTOM_FIELDS = 100
LIST_LIMIT_MAX = 500

_SURROGATE = re.compile("[\ud800-\udfff]")


def _storable_text(value: str) -> str:
    # json.loads turns "\ud800" into a lone surrogate, which no database can encode.
    if _SURROGATE.search(value):
        raise ValueError("contains an unpaired surrogate (not valid Unicode text)")
    return value


def _storable_moment(value: datetime) -> datetime:
    # Stored in UTC: 9999-12-31T23:00-05:00 would overflow there (a 500 unchecked).
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("date is out of range") from exc


Text = Annotated[str, pydantic.AfterValidator(_storable_text)]
# A row id: positive and within BIGINT, so a huge number is a 422, not an overflow.
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]
Moment = Annotated[AwareDatetime, pydantic.AfterValidator(_storable_moment)]
# Custom field values: the campaign's definition gives the type they are read as.
CustomValue = bool | int | float | Text | None
DedupeScope = Literal["campaign", "tenant"]
OnDuplicate = Literal["skip", "update"]
DncPolicy = Literal["skip", "blacklist"]
LeadOutcome = Literal["imported", "updated", "duplicate", "dnc_skipped", "rejected"]
DncOutcome = Literal["added", "updated", "duplicate", "rejected"]


# Bulk results are plain pydantic models too: 10,000 of them go out per request.

class ItemErrorOut(pydantic.BaseModel):
    """One refused value: the field (dotted path, e.g. custom_fields.plan), the value as
    sent (cut to 80 characters) and why."""

    field: str
    value: str
    reason: str


# --- lead input -----------------------------------------------------------------------------

class StrictIn(pydantic.BaseModel):
    """An input: unknown keys refused by name; JSON numbers accepted where text is
    expected (CRMs send postal codes and phones as numbers).

    A plain pydantic model, not ninja's Schema like the other apps' inputs: Schema's
    root validator (there to read Django objects) runs twice per model when extra is
    forbidden, four times per bulk item, and cost 40 % of a 10,000-lead request.
    """

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)


class LeadFieldsIn(StrictIn):
    """A lead's own fields. ``null`` means "not given" (left as is on updates)."""

    first_name: Text | None = None
    last_name: Text | None = None
    email: Text | None = None
    country: Text | None = Field(default=None, description="ISO 3166 code, e.g. US")
    region: Text | None = Field(default=None, description="State / province, e.g. NY or US-NY")
    postal_code: Text | None = None
    language: Text | None = None
    time_zone: Text | None = Field(default=None, description="IANA zone, e.g. America/Chicago")
    source: Text | None = Field(default=None, description="Affiliate / source")
    weight: int | None = None
    alt_phones: list[Text] | None = Field(default=None, max_length=MAX_ALT_PHONES)
    custom_fields: dict[Text, CustomValue] | None = Field(
        default=None, max_length=MAX_CUSTOM_FIELDS,
        description="Keys a–z, 0–9, _; values read as the campaign's field type (unknown "
                    "keys as text). On PATCH, null removes a key.",
    )


class LeadItemIn(LeadFieldsIn):
    """One lead of a bulk request."""

    phone: Text = Field(description="E.164, or national with default_region")
    external_id: Text | None = Field(default=None, description="The CRM's id")


class WriteOptionsIn(StrictIn):
    default_region: Text | None = Field(
        default=None, description="Country national numbers are read in, e.g. US")
    dedupe_scope: DedupeScope = "campaign"
    on_duplicate: OnDuplicate = "skip"
    dnc_policy: DncPolicy = "skip"


class LeadCreateIn(LeadItemIn, WriteOptionsIn):
    campaign_id: RowId


class ItemRejection(pydantic.BaseModel):
    """A bulk item that failed schema validation (kept so its result keeps its index)."""

    errors: list[ItemErrorOut]


def _item_validator(model: type[StrictIn]) -> PlainValidator:
    def validate(value: Any) -> StrictIn | ItemRejection:
        try:
            return model.model_validate(value)
        except pydantic.ValidationError as exc:
            return ItemRejection(errors=pydantic_item_errors(exc))

    return PlainValidator(validate, json_schema_input_type=model)


def pydantic_item_errors(exc: pydantic.ValidationError) -> list[ItemErrorOut]:
    out: list[ItemErrorOut] = []
    for error in exc.errors(include_url=False):
        field = ".".join(str(part) for part in error["loc"])
        value = error.get("input")
        shown = "" if isinstance(value, dict | list) or value is None else str(value)[:80]
        if error["type"] == "missing":
            shown = ""
        out.append(ItemErrorOut(field=field, value=_SURROGATE.sub("?", shown),
                                reason=error["msg"]))
    return out


def _at_most(limit: int, noun: str) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, list) and len(value) > limit:
            raise ValueError(f"at most {limit:,} {noun} per request, this one has "
                             f"{len(value):,}: split it into several requests")
        return value

    return check


class LeadBulkIn(WriteOptionsIn):
    campaign_id: RowId
    leads: list[Annotated[LeadItemIn | ItemRejection, _item_validator(LeadItemIn)]] = Field(
        description=f"At most {MAX_BULK_ITEMS:,} leads; results come back in this order.")

    _limit = field_validator("leads", mode="before")(_at_most(MAX_BULK_ITEMS, "leads"))


class LeadUpsertIn(LeadFieldsIn):
    """PUT by external id: the lead's fields (phone required only to create it)."""

    phone: Text | None = None
    default_region: Text | None = None
    dedupe_scope: DedupeScope = "campaign"
    dnc_policy: DncPolicy = "skip"


class LeadPatchIn(LeadFieldsIn):
    phone: Text | None = Field(default=None, description="Re-normalised; zones re-derived")
    external_id: Text | None = None
    default_region: Text | None = Field(
        default=None, description="Country a national phone number is read in")


# --- lead output ----------------------------------------------------------------------------

class LeadWriteOut(Schema):
    id: int
    outcome: LeadOutcome


class DncSkippedOut(Schema):
    outcome: Literal["dnc_skipped"]
    detail: str


class RowErrorDetail(Schema):
    loc: list[str | int]
    msg: str
    type: str
    value: str


class RowErrorsOut(Schema):
    detail: list[RowErrorDetail]


class LeadBulkItemOut(pydantic.BaseModel):
    index: int
    outcome: LeadOutcome
    id: int | None = None
    duplicate_of: int | None = Field(
        default=None, description="An earlier item of this request with the same dedupe key")
    errors: list[ItemErrorOut] | None = None


class LeadBulkCounts(pydantic.BaseModel):
    total: int
    imported: int
    updated: int
    duplicate: int
    dnc_skipped: int
    rejected: int
    blacklisted: int = Field(description="Of the imported, how many are on the do-not-call "
                                         "list (dnc_policy=blacklist)")


class LeadBulkOut(pydantic.BaseModel):
    results: list[LeadBulkItemOut]
    counts: LeadBulkCounts


class LeadOut(Schema):
    id: int
    campaign_id: RowId
    phone: str = Field(description="Full E.164: API clients are integrations with full rights")
    phone_extension: str
    alt_phones: list[str]
    first_name: str
    last_name: str
    email: str
    country: str
    region: str
    postal_code: str
    language: str
    time_zones: list[str] = Field(description="Calling hours apply in all of them at once")
    tz_source: str
    external_id: str
    source: str
    status_id: int | None
    status: str | None
    weight: int
    is_blacklisted: bool
    frozen_until: datetime | None
    attempts: int
    last_call_at: datetime | None
    callback_at: datetime | None
    custom_fields: dict[str, Any]
    created_at: datetime


class LeadPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[LeadOut]


# --- do-not-call ----------------------------------------------------------------------------

class DncIn(StrictIn):
    phone: Text
    campaign_id: RowId | None = Field(default=None, description="Empty: tenant-wide")
    expires_at: Moment | None = Field(default=None, description="With a UTC offset")
    reason: Text = ""
    default_region: Text | None = None


class DncBulkIn(StrictIn):
    entries: list[Annotated[DncIn | ItemRejection, _item_validator(DncIn)]] = Field(
        description=f"At most {MAX_BULK_ITEMS:,} entries; results come back in this order.")

    _limit = field_validator("entries", mode="before")(_at_most(MAX_BULK_ITEMS, "entries"))


class DncOut(Schema):
    id: int
    phone: str
    campaign_id: RowId | None
    expires_at: datetime | None
    is_active: bool
    reason: str
    added_by: str | None
    added_via: str
    created_at: datetime


class DncPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[DncOut]


class DncDeleted(Schema):
    id: int
    phone: str
    campaign_id: RowId | None


class DncBulkItemOut(pydantic.BaseModel):
    index: int
    outcome: DncOutcome
    id: int | None = None
    duplicate_of: int | None = None
    errors: list[ItemErrorOut] | None = None


class DncBulkCounts(pydantic.BaseModel):
    total: int
    added: int
    updated: int
    duplicate: int
    rejected: int


class DncBulkOut(pydantic.BaseModel):
    results: list[DncBulkItemOut]
    counts: DncBulkCounts
