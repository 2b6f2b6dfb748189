"""Compiling a condition to a Python predicate over one record (a mapping of values)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from leadflow.core.conditions.evaluate import leaf_holds, read_value
from leadflow.core.conditions.fields import FieldRegistry
from leadflow.core.conditions.nodes import All, AnyOf, Leaf, Node, Not, absolute_value, check_now
from leadflow.core.conditions.validate import parse

Predicate = Callable[[Mapping[str, Any]], bool]


def compile_predicate(tree: Any, registry: FieldRegistry, now: datetime) -> Predicate:
    """A function ``values -> bool`` that holds exactly where ``compile_q`` matches.

    1. Parse (raises ConditionError for a bad tree) and check ``now`` is aware.
    2. Build one closure per node, resolving relative offsets against ``now`` once.
    3. The record is a mapping of field values (``lead_values(lead)`` for a lead, the
       cleaned form data for feedback); missing keys are NULL.
    """
    check_now(now)
    return build_predicate(parse(tree, registry), now)


def build_predicate(node: Node, now: datetime) -> Predicate:
    if isinstance(node, Leaf):
        return _leaf_predicate(node, now)
    if isinstance(node, Not):
        inner = build_predicate(node.child, now)
        return lambda values: not inner(values)
    parts = [build_predicate(child, now) for child in node.children]
    if isinstance(node, All):
        return lambda values: all(part(values) for part in parts)
    assert isinstance(node, AnyOf)
    return lambda values: any(part(values) for part in parts)


def _leaf_predicate(leaf: Leaf, now: datetime) -> Predicate:
    spec, op, field_type = leaf.field, leaf.op, leaf.field.type
    expected = absolute_value(leaf, now)
    if op in ("in", "not_in"):
        expected = frozenset(expected)  # values are hashable scalars; sets test faster

    def holds(values: Mapping[str, Any]) -> bool:
        return leaf_holds(op, field_type, read_value(spec, values, now), expected)

    return holds
