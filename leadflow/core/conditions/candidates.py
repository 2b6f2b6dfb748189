"""Finite sets of witness values: can one field meet a set of leaf tests?

For a conjunction of tests on one field, ``view_status`` says whether the field can
be NULL and whether it can hold a value. It tries a finite list of candidate values
chosen so that, when some value passes every test, a candidate does too:

* ordered types (integers, numbers, ids, dates, datetimes): every test compares with
  constants, so the values passing all of them form intervals whose ends are
  constants; each constant and its two nearest neighbours (``c - step``, ``c``,
  ``c + step``) hit every such interval. Negated tests are intervals too.
* booleans: both values.
* strings: the constants themselves (``eq``/``in`` pin the value to one of them) and
  ``longest prefix + every contained text + padding``, padded so that it differs from
  every excluded constant. A negated ``contains``/``starts_with`` breaks that
  argument, so then a failed search proves nothing (``complete`` is False).
* id lists: the required ids plus every allowed id of each ``in`` list (and one new
  id when the list must not be empty).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from leadflow.core.conditions.evaluate import leaf_holds
from leadflow.core.conditions.fields import FieldType
from leadflow.core.conditions.nodes import Leaf

T = FieldType
_ORDERED = frozenset({T.INTEGER, T.NUMBER, T.ID, T.DATE, T.DATETIME})
_DEFAULTS: dict[FieldType, Any] = {
    T.INTEGER: 0, T.NUMBER: 0, T.ID: 1, T.DATE: date(2000, 1, 1),
    T.DATETIME: datetime(2000, 1, 1, tzinfo=UTC),
}


@dataclass(frozen=True)
class Constraint:
    """One leaf test with its value resolved (relative leaves against a fixed now)."""

    leaf: Leaf
    value: Any
    negated: bool

    def holds(self, candidate: Any) -> bool:
        return leaf_holds(self.leaf.op, self.leaf.field.type, candidate, self.value) \
            != self.negated


def _constants(constraints: Iterable[Constraint]) -> Iterator[Any]:
    for constraint in constraints:
        if isinstance(constraint.value, tuple):
            yield from constraint.value
        elif constraint.value is not None:
            yield constraint.value


def _neighbours(field_type: FieldType, value: Any) -> list[Any]:
    """``value`` and the nearest representable values on either side."""
    if field_type is T.NUMBER:
        as_float = float(value)
        return [value, math.nextafter(as_float, -math.inf), math.nextafter(as_float, math.inf)]
    step: Any = 1
    if field_type is T.DATE:
        step = timedelta(days=1)
    elif field_type is T.DATETIME:
        step = timedelta(microseconds=1)
    result = [value]
    for move in (-step, step):
        # Nothing lies beyond date.max / before date.min: no neighbour to try there.
        with contextlib.suppress(OverflowError):
            result.append(value + move)
    return result


def _ordered(field_type: FieldType, constraints: Sequence[Constraint]) -> list[Any]:
    constants = list(_constants(constraints)) or [_DEFAULTS[field_type]]
    return [near for value in constants for near in _neighbours(field_type, value)]


def _strings(constraints: Sequence[Constraint]) -> tuple[list[Any], bool]:
    positive = [c for c in constraints if not c.negated]
    prefixes = [c.value for c in positive if c.leaf.op == "starts_with"]
    contained = [c.value for c in positive if c.leaf.op == "contains"]
    constants = [v for c in constraints if c.leaf.op in ("eq", "ne", "in", "not_in")
                 for v in (c.value if isinstance(c.value, tuple) else (c.value,))]
    stem = max(prefixes, key=len, default="") + "".join(contained)
    padded = [stem + "#" * count for count in range(len(constants) + 2)]
    complete = not any(c.negated and c.leaf.op in ("contains", "starts_with")
                       for c in constraints)
    return ["", *constants, *padded], complete


def _id_lists(constraints: Sequence[Constraint]) -> list[Any]:
    required: set[int] = set()
    forbidden: set[int] = set()
    overlaps: list[set[int]] = []
    for c in constraints:
        op, negated = c.leaf.op, c.negated
        if op == "contains":
            (forbidden if negated else required).add(c.value)
        elif op in ("in", "not_in") and (op == "in") != negated:  # in, or not not_in
            overlaps.append(set(c.value))
        elif op in ("in", "not_in"):  # not_in, or not in
            forbidden.update(c.value)
        # empty / not_empty: the () and the non-empty candidates cover both.
    chosen = required | (set().union(*overlaps) - forbidden)
    fresh = max([0, *required, *forbidden, *set().union(*overlaps)]) + 1
    return [(), tuple(sorted(chosen)), (*sorted(chosen), fresh)]


def view_status(field_type: FieldType, constraints: Sequence[Constraint]) -> tuple[bool, bool]:
    """(can the field be NULL, can it hold a value) under all ``constraints`` at once.

    The second answer is True when unsure (an incomplete candidate set): the checker
    may miss a contradiction but must never invent one.
    """
    # A test next to its own negation fails for every value, NULL included; this also
    # catches the pairs the candidate lists below cannot decide (negated contains).
    tests = {(c.leaf.op, c.value, c.negated) for c in constraints}
    if any((op, value, not negated) in tests for op, value, negated in tests):
        return False, False
    null_ok = all(c.holds(None) for c in constraints)
    complete = True
    if field_type in _ORDERED:
        candidates = _ordered(field_type, constraints)
    elif field_type is T.BOOLEAN:
        candidates = [True, False]
    elif field_type is T.STRING:
        candidates, complete = _strings(constraints)
    elif field_type is T.ID_LIST:
        candidates = _id_lists(constraints)
    else:
        return null_ok, True
    value_ok = any(all(c.holds(v) for c in constraints) for v in candidates)
    return null_ok, value_ok or not complete
