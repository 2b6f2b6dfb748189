"""Glue between services' ValidationErrors and Django forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from leadflow.core.errors import DomainError, validation_error_messages


def add_service_errors(form: forms.BaseForm, error: ValidationError | DomainError,
                       field_aliases: dict[str, str] | None = None) -> None:
    """Show a service's error on the form field it names (or on top of the form)."""
    aliases = field_aliases or {}
    if isinstance(error, DomainError):
        messages = {error.field or NON_FIELD_ERRORS: [error.message]}
    else:
        messages = validation_error_messages(error)
    for field, field_messages in messages.items():
        target = aliases.get(field, field)
        if target not in form.fields:
            target = NON_FIELD_ERRORS
            field_messages = [f"{field}: {m}" if field != NON_FIELD_ERRORS and field != "__all__"
                              else m for m in field_messages]
        for message in field_messages:
            form.add_error(None if target == NON_FIELD_ERRORS else target, message)
