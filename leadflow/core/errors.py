"""Errors raised by services; views and the API turn them into form errors or 4xx JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model


class DomainError(Exception):
    """A request that cannot be carried out as asked (HTTP 400 / 409 in the API)."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ConflictError(DomainError):
    status_code = 409


class NotFoundError(DomainError):
    """An object that does not exist *in this tenant*: never tell the two cases apart."""

    status_code = 404


def validation_error_messages(error: ValidationError) -> dict[str, list[str]]:
    """Flatten a Django ValidationError into {field: [messages]} ("__all__" for non-field)."""
    if hasattr(error, "error_dict"):
        return {field: [str(m) for m in ValidationError(errs).messages]
                for field, errs in error.error_dict.items()}
    return {"__all__": [str(m) for m in error.messages]}


def field_errors(errors: Mapping[str, Sequence[str]]) -> ValidationError:
    return ValidationError({field: list(messages) for field, messages in errors.items()})


def save_unique(instance: Model, *, message: str, field: str) -> None:
    """Save ``instance``; a lost race on a unique index (validation passed, a concurrent
    writer got there first) becomes a 409 naming ``field`` instead of a 500.

    The save runs in a savepoint, so the caller's transaction survives the failed
    INSERT/UPDATE.
    """
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise ConflictError(message, field=field) from exc
