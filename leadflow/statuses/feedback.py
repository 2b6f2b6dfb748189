"""Checking an agent's feedback (status, required fields, call-after time) before it is saved.

The dialing code calls ``feedback_validate`` with the submitted form and saves nothing
when it returns errors. Every problem is reported, each once, with the form field it
concerns, so a feedback page can show them next to the fields.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from leadflow.core.conditions import FEEDBACK_FIELDS, ConditionError, compile_predicate
from leadflow.leads.models import Lead
from leadflow.statuses.models import LeadStatus
from leadflow.statuses.selectors import statuses_allowed


@dataclass(frozen=True)
class FeedbackError:
    field: str  # the form field: status_id, call_after, date, or required_fields
    code: str  # stable, for programs: not_allowed reasons, call_after_in_past, …
    message: str


def feedback_errors_as_validation_error(errors: list[FeedbackError]) -> ValidationError:
    """The same problems as one Django ValidationError, per field."""
    by_field: dict[str, list[str]] = {}
    for error in errors:
        by_field.setdefault(error.field, []).append(error.message)
    return ValidationError(by_field)


class _Unparseable:
    """A value given but not of the field's type (reported once, treated as absent)."""


_BAD = _Unparseable()


def _parse_datetime(raw: Any) -> datetime | _Unparseable | None:
    """Aware datetime from a datetime or ISO 8601 text; naive values are read in the
    project's time zone, as the condition language reads them."""
    if raw is None or raw == "":
        return None
    value: datetime | None = None
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, str):
        try:
            value = datetime.fromisoformat(raw.strip())
        except ValueError:
            return _BAD
    if value is None:
        return _BAD
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    return value


def _parse_date(raw: Any) -> date | _Unparseable | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            return _BAD
    return _BAD


def _referenced_fields(tree: Any) -> Iterator[str]:
    """Field names a (valid) condition tree mentions, for the error message only."""
    if isinstance(tree, Mapping):
        if "field" in tree:
            yield str(tree["field"])
        for key in ("all", "any"):
            for child in tree.get(key) or []:
                yield from _referenced_fields(child)
        if "not" in tree:
            yield from _referenced_fields(tree["not"])


def _call_after_errors(status: LeadStatus, call_after: datetime,
                       at: datetime) -> list[FeedbackError]:
    if not status.allow_call_after:
        return [FeedbackError("call_after", "call_after_not_allowed",
                              f"“{status.name}” does not allow choosing a call-after time.")]
    if call_after < at:
        return [FeedbackError("call_after", "call_after_in_past",
                              "The call-after time is in the past.")]
    days = status.max_call_after_days
    limit = at + timedelta(days=days)
    if days and call_after > limit:
        until = f"{timezone.localtime(limit):%Y-%m-%d %H:%M}"
        return [FeedbackError("call_after", "call_after_too_far", (
            f"“{status.name}” allows a call-after time at most {days} "
            f"day{'s' if days != 1 else ''} ahead (until {until})."))]
    return []


def feedback_validate(*, lead: Lead, agent: Any, status_id: int, form: Mapping[str, Any],
                      at: datetime) -> list[FeedbackError]:
    """Every problem with choosing ``status_id`` for ``lead`` with this ``form`` at ``at``.

    1. The status must be one of the lead's campaign, and allowed now
       (``statuses_allowed``: workflow, time exclusion, system status, Assigned Limit);
       each reason it is not becomes one error.
    2. ``call_after`` and ``date``, when given, must be a date-time / a date.
    3. A ``call_after`` needs a status that allows one, must not be in the past, and must
       be at most Max Call After Days after ``at`` (0 = unlimited; exactly at the limit
       is fine).
    4. The form must satisfy the status's required-fields condition (skipped for a
       system status, whose condition can never hold and is already reported).
    An empty list means the feedback may be saved.
    """
    choices = statuses_allowed(lead=lead, agent=agent, at=at)
    status = choices.status(status_id)
    if status is None:
        return [FeedbackError("status_id", "unknown_status",
                              f"Status {status_id} is not a status of this lead's campaign.")]
    errors = [FeedbackError("status_id", reason.code.value, reason.message)
              for reason in choices.reasons_for(status_id)]

    call_after = _parse_datetime(form.get("call_after"))
    if isinstance(call_after, _Unparseable):
        errors.append(FeedbackError("call_after", "call_after_invalid",
                                    "The call-after time is not a date and time."))
    elif call_after is not None:
        errors.extend(_call_after_errors(status, call_after, at))
    feedback_date = _parse_date(form.get("date"))
    if isinstance(feedback_date, _Unparseable):
        errors.append(FeedbackError("date", "date_invalid", "The date is not a date."))

    if status.required_fields and not status.is_system:
        values = {
            "call_after": call_after if isinstance(call_after, datetime) else None,
            "date": feedback_date if isinstance(feedback_date, date) else None,
            "comment": str(form.get("comment") or ""),
            "status": status.id,
        }
        try:
            holds = compile_predicate(status.required_fields, FEEDBACK_FIELDS, at)(values)
        except ConditionError:
            holds = False
        if not holds:
            fields = ", ".join(dict.fromkeys(_referenced_fields(status.required_fields)))
            errors.append(FeedbackError("required_fields", "required_fields", (
                f"The feedback does not meet the required fields of “{status.name}”"
                f"{f' ({fields})' if fields else ''}.")))
    return errors
