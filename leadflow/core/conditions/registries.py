"""The field whitelists the project ships: lead fields and feedback-form fields."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from leadflow.core.conditions.fields import (
    CustomFields,
    ElapsedSince,
    FieldRegistry,
    FieldSpec,
    FieldType,
    column,
)

T = FieldType

# Lead columns. Nullability mirrors the model (a test keeps them in step): it decides
# whether a query needs an IS NULL guard.
LEAD_FIELDS = FieldRegistry(
    [
        column("phone", T.STRING, orm_path="phone", nullable=False),
        column("first_name", T.STRING, orm_path="first_name", nullable=False),
        column("last_name", T.STRING, orm_path="last_name", nullable=False),
        column("country", T.STRING, orm_path="country", nullable=False),
        column("weight", T.INTEGER, orm_path="weight", nullable=False),
        column("attempts", T.INTEGER, orm_path="attempts", nullable=False),
        column("status", T.ID, orm_path="status_id"),
        column("is_blacklisted", T.BOOLEAN, orm_path="is_blacklisted", nullable=False,
               label="blacklisted"),
        column("frozen_until", T.DATETIME, orm_path="frozen_until"),
        column("callback_at", T.DATETIME, orm_path="callback_at", label="callback time"),
        column("last_call_at", T.DATETIME, orm_path="last_call_at", label="last call"),
        column("created_at", T.DATETIME, orm_path="created_at", nullable=False,
               label="created"),
        column("assigned_agent", T.ID, orm_path="assigned_agent_id"),
        FieldSpec("age_days", T.NUMBER, ElapsedSince("created_at", timedelta(days=1)),
                  nullable=False, label="age (days)"),
        FieldSpec("hours_since_last_call", T.NUMBER,
                  ElapsedSince("last_call_at", timedelta(hours=1)),
                  label="hours since last call"),
    ],
    custom=CustomFields(allow_any=True),
    name="lead",
)

# The feedback form an agent submits after a call (a status's required fields).
# Python only: these values are never queried.
FEEDBACK_FIELDS = FieldRegistry(
    [
        column("call_after", T.DATETIME, label="call after"),
        column("date", T.DATE),
        column("comment", T.STRING),
        column("status", T.ID),
    ],
    name="feedback",
)


class LeadLike(Protocol):
    """The attributes of ``leads.models.Lead`` that ``lead_values`` reads.

    A protocol rather than the model: the statuses and leads apps import this
    package, and importing their models back (even for type checking only) makes an
    import cycle the Django type-checking plugin cannot resolve. Read-only
    properties, so model fields (typed by django-stubs) match them.
    """

    @property
    def phone(self) -> str: ...

    @property
    def first_name(self) -> str: ...

    @property
    def last_name(self) -> str: ...

    @property
    def country(self) -> str: ...

    @property
    def weight(self) -> int: ...

    @property
    def attempts(self) -> int: ...

    @property
    def status_id(self) -> int | None: ...

    @property
    def is_blacklisted(self) -> bool: ...

    @property
    def frozen_until(self) -> datetime | None: ...

    @property
    def callback_at(self) -> datetime | None: ...

    @property
    def last_call_at(self) -> datetime | None: ...

    @property
    def created_at(self) -> datetime: ...

    @property
    def assigned_agent_id(self) -> int | None: ...

    @property
    def custom_fields(self) -> Mapping[str, Any]: ...


def lead_values(lead: LeadLike) -> dict[str, Any]:
    """The record ``compile_predicate(…, LEAD_FIELDS, …)`` reads for one lead.

    Foreign keys are their ids (``status`` is ``lead.status_id``) so no query runs.
    """
    return {
        "phone": lead.phone,
        "first_name": lead.first_name,
        "last_name": lead.last_name,
        "country": lead.country,
        "weight": lead.weight,
        "attempts": lead.attempts,
        "status": lead.status_id,
        "is_blacklisted": lead.is_blacklisted,
        "frozen_until": lead.frozen_until,
        "callback_at": lead.callback_at,
        "last_call_at": lead.last_call_at,
        "created_at": lead.created_at,
        "assigned_agent": lead.assigned_agent_id,
        "custom_fields": lead.custom_fields,
    }
