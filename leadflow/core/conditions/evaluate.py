"""Reading a field from a record and testing one leaf in Python.

NULL semantics (the database compilers produce exactly the same answers):

* A missing key, None, or a value of the wrong type (a number where a string is
  expected, "" where a date is) is NULL. A custom field's JSON value counts only as
  its own JSON type: ``3`` is NULL seen as a string, ``"3"`` is NULL seen as a number.
* ``empty`` holds for NULL, and also for ``""`` (strings) and ``[]`` (id lists).
* ``ne`` and ``not_in`` are the exact negations of ``eq`` and ``in``, so they hold
  for NULL ("the status is not Busy" includes leads without a status).
* Every other operator is false for NULL. ``not`` is plain negation: each leaf is
  true or false, never unknown, so ``not (x eq 1)`` is ``x ne 1``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from leadflow.core.conditions.fields import (
    Column,
    Computed,
    FieldSpec,
    FieldType,
    JSONKey,
)
from leadflow.core.conditions.sql import ascii_lower

T = FieldType


def read_value(spec: FieldSpec, values: Mapping[str, Any], now: datetime) -> Any:
    """The value of ``spec`` in ``values`` as its type, or None for NULL."""
    source = spec.source
    if isinstance(source, JSONKey):
        container = values.get(source.mapping_key)
        raw = container.get(source.key) if isinstance(container, Mapping) else None
        return json_value(spec.type, raw)
    if isinstance(source, Column):
        return coerce(spec.type, values.get(source.key))
    if isinstance(source, Computed):
        return coerce(spec.type, source.getter(values, now))
    # Elapsed-time fields never reach here: parse rewrote them onto their source.
    raise TypeError(f"{spec.name}: {type(source).__name__} has no value of its own")


def json_value(field_type: FieldType, raw: Any) -> Any:
    """A JSON scalar seen as ``field_type``: itself if it is of that JSON type, else None."""
    if field_type is T.STRING:
        return raw if isinstance(raw, str) else None
    if field_type is T.BOOLEAN:
        return raw if isinstance(raw, bool) else None
    if field_type is T.NUMBER:
        return raw if isinstance(raw, int | float) and not isinstance(raw, bool) else None
    return None


def _as_id(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.isascii() and raw.isdigit():
        return int(raw)  # a form's select posts ids as text
    pk = getattr(raw, "pk", None)  # a model instance (status, user)
    return pk if isinstance(pk, int) else None


def coerce(field_type: FieldType, raw: Any) -> Any:
    """A plain value (a model column, a form field) as ``field_type``, or None.

    Lenient where forms are: ISO strings for dates and datetimes, naive datetimes in
    the project's zone, model instances and digit strings for ids.
    """
    if raw is None:
        return None
    if field_type is T.STRING:
        return raw if isinstance(raw, str) else None
    if field_type is T.BOOLEAN:
        return raw if isinstance(raw, bool) else None
    if field_type is T.INTEGER:
        return raw if isinstance(raw, int) and not isinstance(raw, bool) else None
    if field_type is T.NUMBER:
        ok = isinstance(raw, int | float | Decimal) and not isinstance(raw, bool)
        return raw if ok else None
    if field_type is T.ID:
        return _as_id(raw)
    if field_type is T.ID_LIST:
        if not isinstance(raw, list | tuple | set | frozenset):
            return None
        return tuple(i for i in (_as_id(item) for item in raw) if i is not None)
    if field_type is T.DATETIME:
        if isinstance(raw, str):
            try:
                raw = datetime.fromisoformat(raw)
            except ValueError:
                return None
        if not isinstance(raw, datetime):
            return None
        if timezone.is_naive(raw):
            return timezone.make_aware(raw, timezone.get_default_timezone())
        return raw
    if field_type is T.DATE:
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, str):
            try:
                return date.fromisoformat(raw)
            except ValueError:
                return None
        return raw if isinstance(raw, date) else None
    return None


def is_empty(field_type: FieldType, value: Any) -> bool:
    if value is None:
        return True
    if field_type is T.STRING:
        return value == ""
    if field_type is T.ID_LIST:
        return len(value) == 0
    return False


def _positive(op: str, field_type: FieldType, value: Any, expected: Any) -> bool:
    """The operators that are false for NULL, on a non-NULL value."""
    if field_type is T.ID_LIST:
        if op == "contains":
            return expected in value
        if op == "in":
            return any(item in expected for item in value)
        raise ValueError(f"operator {op} on an id list")
    if op == "eq":
        return bool(value == expected)
    if op == "lt":
        return bool(value < expected)
    if op == "lte":
        return bool(value <= expected)
    if op == "gt":
        return bool(value > expected)
    if op == "gte":
        return bool(value >= expected)
    if op == "between":
        low, high = expected
        return bool(low <= value <= high)
    if op == "in":
        return value in expected
    if op == "contains":
        return ascii_lower(expected) in ascii_lower(value)
    if op == "starts_with":
        return ascii_lower(value).startswith(ascii_lower(expected))
    raise ValueError(f"unknown operator {op}")


def leaf_holds(op: str, field_type: FieldType, value: Any, expected: Any) -> bool:
    """Whether ``value`` (already read, None = NULL) passes ``op expected``."""
    if op == "empty":
        return is_empty(field_type, value)
    if op == "not_empty":
        return not is_empty(field_type, value)
    if op == "ne":
        return value is None or not _positive("eq", field_type, value, expected)
    if op == "not_in":
        return value is None or not _positive("in", field_type, value, expected)
    if value is None:
        return False
    return _positive(op, field_type, value, expected)
