"""The fixed operator table and the shape of each operator's value.

Which types accept which operators (``ANY`` is an undeclared custom field: the
value of the leaf picks the type, see ``infer_any_type``):

============================  ==========================================  =========
operator                      field types                                 value
============================  ==========================================  =========
eq, ne                        string integer number boolean datetime     one value
                              date id
lt, lte, gt, gte              integer number datetime date                one value
between                       integer number datetime date                [low, high]
in, not_in                    string integer number datetime date id      a list
                              id_list
empty, not_empty              every type                                  no value
contains                      string (substring), id_list (has the id)    one value
starts_with                   string                                      one value
within_last_days,             datetime                                    days >= 0
older_than_days
============================  ==========================================  =========

Strings have no lt/gt: SQLite compares bytes while PostgreSQL follows the database
collation, so an ordering could not mean the same thing on both. For an ``id_list``
``in`` means "shares at least one id with the list" and ``not_in`` "shares none".

Value shapes: "one value" is a JSON value of the field's type (datetimes as ISO 8601
strings, naive ones taken in the project's default time zone; dates as YYYY-MM-DD;
ids as integers); a list holds at most ``MAX_LIST`` such values; ``between`` takes
exactly two, both ends inclusive, and ``[5, 3]`` is valid but matches nothing;
``empty``/``not_empty`` take no ``value`` key (or ``null``); the relative forms take a
number of days between 0 and ``MAX_DAYS``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from django.utils import timezone

from leadflow.core.conditions.fields import FieldType

# SQLite stores 64-bit integers; PostgreSQL compares a float column with an integer
# parameter as doubles, so numbers beyond 2**53 could compare differently in Python.
MAX_INT = 2**63 - 1
MAX_EXACT_INT = 2**53
MAX_DAYS = 36_500  # a century: keeps ``now - days`` inside what datetime can hold
MAX_LIST = 1_000  # well under SQLite's bound-parameter limit


class Shape(Enum):
    NONE = "none"
    ONE = "one"
    LIST = "list"
    RANGE = "range"
    DAYS = "days"


@dataclass(frozen=True)
class Operator:
    name: str
    shape: Shape
    types: frozenset[FieldType]
    meaning: str


T = FieldType
_EQUATABLE = frozenset({T.STRING, T.INTEGER, T.NUMBER, T.BOOLEAN, T.DATETIME, T.DATE, T.ID,
                        T.ANY})
_ORDERED = frozenset({T.INTEGER, T.NUMBER, T.DATETIME, T.DATE, T.ANY})
_LISTABLE = frozenset({T.STRING, T.INTEGER, T.NUMBER, T.DATETIME, T.DATE, T.ID, T.ID_LIST,
                       T.ANY})
_EVERY = frozenset(FieldType)

OPERATORS: Mapping[str, Operator] = {op.name: op for op in (
    Operator("eq", Shape.ONE, _EQUATABLE, "equals (strings: case-sensitive)"),
    Operator("ne", Shape.ONE, _EQUATABLE, "does not equal; true when the field is empty"),
    Operator("lt", Shape.ONE, _ORDERED, "less than"),
    Operator("lte", Shape.ONE, _ORDERED, "less than or equal"),
    Operator("gt", Shape.ONE, _ORDERED, "greater than"),
    Operator("gte", Shape.ONE, _ORDERED, "greater than or equal"),
    Operator("between", Shape.RANGE, _ORDERED, "between low and high, both inclusive"),
    Operator("in", Shape.LIST, _LISTABLE, "is one of the values"),
    Operator("not_in", Shape.LIST, _LISTABLE, "is none of the values; true when empty"),
    Operator("empty", Shape.NONE, _EVERY, "has no value (strings: or is '')"),
    Operator("not_empty", Shape.NONE, _EVERY, "has a value"),
    Operator("contains", Shape.ONE, frozenset({T.STRING, T.ID_LIST, T.ANY}),
             "contains the text (ASCII letters case-insensitive) / the id"),
    Operator("starts_with", Shape.ONE, frozenset({T.STRING, T.ANY}),
             "starts with the text (ASCII letters case-insensitive)"),
    Operator("within_last_days", Shape.DAYS, frozenset({T.DATETIME}),
             "between now minus N days and now, both inclusive"),
    Operator("older_than_days", Shape.DAYS, frozenset({T.DATETIME}),
             "earlier than now minus N days"),
)}

# Operators whose value an elapsed-time field (age_days, …) can be rewritten for.
ELAPSED_OPS = frozenset({"eq", "ne", "lt", "lte", "gt", "gte", "between", "in", "not_in",
                         "empty", "not_empty"})


def operators_for(field_type: FieldType) -> list[str]:
    """The operator names a field of this type accepts, in table order (for pages)."""
    return [op.name for op in OPERATORS.values() if field_type in op.types]


class ValueProblem(ValueError):
    """A value that does not fit its operator; validate adds the node's path."""


_DESCRIPTIONS = {
    T.STRING: "a string",
    T.INTEGER: "an integer",
    T.NUMBER: "a number",
    T.BOOLEAN: "true or false",
    T.DATETIME: "an ISO 8601 date-time (e.g. 2025-01-31T09:30:00+00:00)",
    T.DATE: "an ISO date (YYYY-MM-DD)",
    T.ID: "an id (a non-negative integer)",
}


def element_type(field_type: FieldType) -> FieldType:
    """The type of one value compared with the field (an id for an id list)."""
    return T.ID if field_type is T.ID_LIST else field_type


def describe(field_type: FieldType) -> str:
    return _DESCRIPTIONS.get(element_type(field_type), "a value")


def infer_any_type(op: Operator, raw: Any) -> FieldType:
    """The type an undeclared custom field is compared as, for this operator and value.

    1. Text operators (contains, starts_with) compare strings.
    2. Orderings (lt … between) compare numbers: strings have no portable order.
    3. eq/ne take the JSON type of the value; in/not_in that of the first element
       (an empty list matches nothing whatever its type, so string is as good as any).
    4. empty/not_empty keep ``ANY``: validate expands them over every type.
    """
    if op.shape is Shape.NONE:
        return T.ANY
    if op.name in ("contains", "starts_with"):
        return T.STRING
    if op.name in ("lt", "lte", "gt", "gte", "between"):
        return T.NUMBER
    sample = raw[0] if op.shape is Shape.LIST and isinstance(raw, list) and raw else raw
    if isinstance(sample, bool):
        return T.BOOLEAN
    if isinstance(sample, int | float):
        return T.NUMBER
    return T.STRING


def _aware(value: datetime) -> datetime:
    # Naive values are read in the project's zone, the way Django reads form input.
    if timezone.is_naive(value):
        return timezone.make_aware(value, timezone.get_default_timezone())
    return value


def parse_scalar(field_type: FieldType, raw: Any) -> Any:
    """One value of ``field_type`` from its JSON form, or ValueProblem."""
    ftype = element_type(field_type)
    problem = ValueProblem(f"must be {describe(ftype)}, got {raw!r}")
    if ftype is T.STRING:
        if not isinstance(raw, str):
            raise problem
        if "\x00" in raw:  # PostgreSQL text cannot hold NUL, so it could never match
            raise ValueProblem("must not contain NUL characters")
        return raw
    if ftype is T.BOOLEAN:
        if not isinstance(raw, bool):
            raise problem
        return raw
    if ftype in (T.INTEGER, T.ID):
        low = 0 if ftype is T.ID else -MAX_INT - 1
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise problem
        if not low <= raw <= MAX_INT:
            raise ValueProblem(f"{raw} is out of range ({low} to {MAX_INT})")
        return raw
    if ftype is T.NUMBER:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise problem
        if isinstance(raw, float) and not math.isfinite(raw):
            raise ValueProblem("must be a finite number")
        if isinstance(raw, int) and abs(raw) > MAX_EXACT_INT:
            raise ValueProblem(f"{raw} is out of range (±{MAX_EXACT_INT})")
        return raw
    if ftype is T.DATETIME:
        if isinstance(raw, datetime):
            return _aware(raw)
        if isinstance(raw, str):
            try:
                return _aware(datetime.fromisoformat(raw))
            except ValueError:
                pass
        raise problem
    if ftype is T.DATE:
        if isinstance(raw, date) and not isinstance(raw, datetime):
            return raw
        if isinstance(raw, str):
            try:
                return date.fromisoformat(raw)
            except ValueError:
                pass
        raise problem
    raise ValueProblem(f"no value of type {ftype} is possible")  # ANY never gets here


def parse_days(raw: Any) -> float | int:
    """A number of days for the relative operators."""
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        raise ValueProblem(f"must be a number of days, got {raw!r}")
    if not 0 <= raw <= MAX_DAYS:
        raise ValueProblem(f"must be between 0 and {MAX_DAYS} days, got {raw}")
    return raw


def parse_value(op: Operator, field_type: FieldType, raw: Any) -> Any:
    """The typed value of a leaf: None, a scalar, or a tuple for lists and ranges.

    1. NONE: the value must be absent (the caller passes None) or null.
    2. DAYS: a number of days in range.
    3. ONE: one scalar of the field's (element) type.
    4. LIST: a JSON list of at most MAX_LIST scalars; duplicates are dropped.
    5. RANGE: a JSON list of exactly two scalars, kept in the order given.
    """
    if op.shape is Shape.NONE:
        if raw is not None:
            raise ValueProblem(f"'{op.name}' takes no value, got {raw!r}")
        return None
    if raw is None:
        raise ValueProblem(f"'{op.name}' needs a value")
    if op.shape is Shape.DAYS:
        return parse_days(raw)
    if op.shape is Shape.ONE:
        return parse_scalar(field_type, raw)
    if not isinstance(raw, list | tuple):
        expected = "[low, high]" if op.shape is Shape.RANGE else "a list"
        raise ValueProblem(f"'{op.name}' needs {expected}, got {raw!r}")
    if op.shape is Shape.RANGE and len(raw) != 2:
        raise ValueProblem(f"'between' needs exactly two values [low, high], got {len(raw)}")
    if len(raw) > MAX_LIST:
        raise ValueProblem(f"'{op.name}' takes at most {MAX_LIST} values, got {len(raw)}")
    parsed = []
    for index, item in enumerate(raw):
        try:
            parsed.append(parse_scalar(field_type, item))
        except ValueProblem as exc:
            raise ValueProblem(f"value[{index}] {exc}") from None
    if op.shape is Shape.LIST:
        return tuple(dict.fromkeys(parsed))
    return tuple(parsed)
