"""Compiling a condition to a Django ``Q`` that agrees with the Python predicate.

SQL has three-valued logic: ``status_id = 3`` is NULL, not false, for a lead without
a status, and ``NOT NULL`` is still NULL, so a bare ``~Q(...)`` would drop rows the
predicate keeps. Every leaf is therefore made two-valued before anything combines it:
a test that is false for NULL is ANDed with ``IS NOT NULL`` (``x = 3 AND x IS NOT
NULL`` is FALSE, not NULL, when x is NULL), ``ne``/``not_in``/``not_empty`` are the
negations of such tests, and ``not`` is a plain ``~``. Django's own NULL handling for
negated filters does not reach expression lookups and JSON keys, which is why the
guards are written out here.
"""

from __future__ import annotations

from datetime import datetime
from functools import reduce
from typing import Any

from django.db.models import Expression, F, Q
from django.db.models.lookups import (
    Contains,
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    In,
    IsNull,
    LessThan,
    LessThanOrEqual,
    StartsWith,
)

from leadflow.core.conditions.errors import ConditionError
from leadflow.core.conditions.fields import Column, Computed, FieldRegistry, FieldType, JSONKey
from leadflow.core.conditions.nodes import All, AnyOf, Leaf, Node, Not, absolute_value, check_now
from leadflow.core.conditions.sql import AsciiLower, JSONScalar, ascii_lower
from leadflow.core.conditions.validate import parse

_COMPARISONS: dict[str, type[Any]] = {
    "eq": Exact,
    "lt": LessThan,
    "lte": LessThanOrEqual,
    "gt": GreaterThan,
    "gte": GreaterThanOrEqual,
}


def q_true() -> Q:
    """A Q matching every row, even inside ``|`` (an empty ``Q()`` vanishes there)."""
    return ~Q(pk__in=[])


def q_false() -> Q:
    """A Q matching no row; Django drops it from ORs and empties ANDs without SQL."""
    return Q(pk__in=[])


def compile_q(tree: Any, registry: FieldRegistry, now: datetime) -> Q:
    """A ``Q`` selecting exactly the rows ``compile_predicate`` accepts.

    1. Parse (raises ConditionError for a bad tree) and check ``now`` is aware.
    2. Compile each leaf to a two-valued Q (see the module docstring).
    3. Combine: ``all`` with ``&`` (empty: every row), ``any`` with ``|`` (empty: no
       row), ``not`` with ``~``.
    A field without a database source (a feedback form field) raises ConditionError.
    """
    check_now(now)
    return build_q(parse(tree, registry), now)


def build_q(node: Node, now: datetime) -> Q:
    if isinstance(node, Leaf):
        return _leaf_q(node, now)
    if isinstance(node, Not):
        return ~build_q(node.child, now)
    parts = [build_q(child, now) for child in node.children]
    if isinstance(node, All):
        return reduce(lambda a, b: a & b, parts) if parts else q_true()
    assert isinstance(node, AnyOf)
    return reduce(lambda a, b: a | b, parts) if parts else q_false()


def _lhs(leaf: Leaf, now: datetime) -> Expression | F:
    """The SQL side of the leaf's field."""
    spec, source = leaf.field, leaf.field.source
    if isinstance(source, Column) and source.orm_path:
        return F(source.orm_path)
    if isinstance(source, JSONKey):
        return JSONScalar(source.column, source.key, spec.type)
    if isinstance(source, Computed) and source.expression is not None:
        return source.expression(now)
    raise ConditionError(f"field '{spec.name}' cannot be used in a database query", leaf.path)


def _leaf_q(leaf: Leaf, now: datetime) -> Q:
    spec, op = leaf.field, leaf.op
    if spec.type is FieldType.ID_LIST:
        raise ConditionError(
            f"list field '{spec.name}' can only be tested in Python, not in a query", leaf.path)
    value = absolute_value(leaf, now)
    if op == "empty":
        return _empty(leaf, now)
    if op == "not_empty":
        return ~_empty(leaf, now)
    if op == "ne":
        return ~_positive(leaf, "eq", value, now)
    if op == "not_in":
        return ~_positive(leaf, "in", value, now)
    return _positive(leaf, op, value, now)


def _empty(leaf: Leaf, now: datetime) -> Q:
    """NULL (when the field can be NULL), or '' for strings."""
    tests = []
    if leaf.field.nullable:
        tests.append(Q(IsNull(_lhs(leaf, now), True)))
    if leaf.field.type is FieldType.STRING:
        tests.append(Q(Exact(_lhs(leaf, now), "")))
    return reduce(lambda a, b: a | b, tests) if tests else q_false()


def _positive(leaf: Leaf, op: str, value: Any, now: datetime) -> Q:
    """A test that is false for NULL, made two-valued with ``IS NOT NULL``."""
    lhs = _lhs(leaf, now)
    if op in _COMPARISONS:
        q = Q(_COMPARISONS[op](lhs, value))
    elif op == "between":
        low, high = value
        q = Q(GreaterThanOrEqual(lhs, low)) & Q(LessThanOrEqual(_lhs(leaf, now), high))
    elif op == "in":
        if not value:
            return q_false()
        q = Q(In(lhs, list(value)))
    elif op == "contains":
        q = Q(Contains(AsciiLower(lhs), ascii_lower(value)))
    elif op == "starts_with":
        q = Q(StartsWith(AsciiLower(lhs), ascii_lower(value)))
    else:
        raise ConditionError(f"operator '{op}' cannot be compiled", leaf.path)
    if leaf.field.nullable:
        q &= ~Q(IsNull(_lhs(leaf, now), True))
    return q
