"""Checking a JSON condition tree and turning it into nodes (``parse``).

Every problem is a ``ConditionError`` naming the node by its path from the root:
``all[1].any[0]`` is the first child of the ``any`` that is the second child of the
root ``all``; ``not`` steps into a negation; the root itself is ``root``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from leadflow.core.conditions.errors import ConditionError
from leadflow.core.conditions.fields import ElapsedSince, FieldRegistry, FieldSpec, FieldType
from leadflow.core.conditions.nodes import All, AnyOf, Leaf, Node, Not
from leadflow.core.conditions.operators import (
    ELAPSED_OPS,
    MAX_DAYS,
    OPERATORS,
    Operator,
    Shape,
    ValueProblem,
    infer_any_type,
    operators_for,
    parse_value,
)

GROUP_KEYS = ("all", "any", "not")
LEAF_KEYS = ("field", "op", "value")
MAX_DEPTH = 16  # deeper trees are a mistake or an attack, never a real filter
_MAX_RANGE = timedelta(days=MAX_DAYS)
# Elapsed time grows as the source datetime moves back: "age > 5" is "source < now - 5".
_FLIP = {"lt": "gt", "lte": "gte", "gt": "lt", "gte": "lte"}


def _kind(raw: Any) -> str:
    """How a JSON value is called in messages."""
    if raw is None:
        return "null"
    if isinstance(raw, bool):
        return "true/false"
    if isinstance(raw, int | float):
        return "a number"
    if isinstance(raw, str):
        return "a string"
    if isinstance(raw, list | tuple):
        return "a list"
    return type(raw).__name__


def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path else part


def validate(tree: Any, registry: FieldRegistry) -> None:
    """Raise ConditionError for the first bad node of ``tree``; return None if it is fine."""
    parse(tree, registry)


def parse(tree: Any, registry: FieldRegistry) -> Node:
    """The nodes of a valid tree; ConditionError (with the node's path) otherwise."""
    return _parse_node(tree, registry, "", 0)


def _parse_node(raw: Any, registry: FieldRegistry, path: str, depth: int) -> Node:
    """Parse one node.

    1. It must be a JSON object, no deeper than MAX_DEPTH.
    2. ``{}`` is "always true".
    3. It must hold exactly one of ``all``/``any``/``not``/``field``, nothing else
       beside a group key, and only field/op/value in a leaf.
    4. ``all``/``any`` hold a list of nodes; ``not`` holds one node.
    """
    if not isinstance(raw, Mapping):
        raise ConditionError(f"a condition must be an object, got {_kind(raw)}", path)
    if depth > MAX_DEPTH:
        raise ConditionError(f"conditions nest deeper than {MAX_DEPTH} levels", path)
    if not raw:
        return All((), path)
    present = [key for key in (*GROUP_KEYS, "field") if key in raw]
    if not present:
        keys = ", ".join(repr(str(key)) for key in raw)
        raise ConditionError(
            f"a condition needs one of 'all', 'any', 'not' or 'field'; found {keys}", path)
    if len(present) > 1:
        found = " and ".join(f"'{key}'" for key in present)
        raise ConditionError(
            f"a condition must be exactly one of 'all', 'any', 'not' or a field test; "
            f"found {found}", path)
    kind = present[0]
    if kind == "field":
        return _parse_leaf(raw, registry, path)
    extra = [str(key) for key in raw if key != kind]
    if extra:
        raise ConditionError(f"unexpected key '{extra[0]}' next to '{kind}'", path)
    body = raw[kind]
    if kind == "not":
        return Not(_parse_node(body, registry, _join(path, "not"), depth + 1), path)
    if not isinstance(body, list | tuple):
        raise ConditionError(f"'{kind}' must be a list of conditions, got {_kind(body)}", path)
    children = tuple(_parse_node(child, registry, _join(path, f"{kind}[{index}]"), depth + 1)
                     for index, child in enumerate(body))
    return All(children, path) if kind == "all" else AnyOf(children, path)


def _parse_leaf(raw: Mapping[str, Any], registry: FieldRegistry, path: str) -> Node:
    """Parse ``{"field", "op", "value"}``.

    1. Only the three keys; ``field`` and ``op`` are strings.
    2. The field is in the registry and the operator in the table.
    3. An undeclared custom field takes its type from the value (infer_any_type).
    4. The operator is allowed for the type; the value has the operator's shape.
    5. Rewrites: elapsed-time fields and relative operators become comparisons
       against ``now`` plus an offset; empty/not_empty on an undeclared custom field
       test every type it may hold.
    """
    extra = [str(key) for key in raw if key not in LEAF_KEYS]
    if extra:
        raise ConditionError(
            f"unexpected key '{extra[0]}' in a field test (allowed: field, op, value)", path)
    name = raw.get("field")
    if not isinstance(name, str) or not name:
        raise ConditionError(f"'field' must be a field name, got {_kind(name)}", path)
    spec = registry.get(name)
    if spec is None:
        known = ", ".join(registry.names())
        hint = " or custom.<key>" if registry.custom is not None else ""
        raise ConditionError(f"unknown field '{name}' (known: {known}{hint})", path)
    if "op" not in raw:
        raise ConditionError(f"'op' is missing for field '{name}'", path)
    op_name = raw["op"]
    op = OPERATORS.get(op_name) if isinstance(op_name, str) else None
    if op is None:
        raise ConditionError(
            f"unknown operator {op_name!r} for field '{name}' (known: {', '.join(OPERATORS)})",
            path)
    field_type = spec.type
    if field_type is FieldType.ANY:
        field_type = infer_any_type(op, raw.get("value"))
    allowed = [o for o in operators_for(field_type)
               if not isinstance(spec.source, ElapsedSince) or o in ELAPSED_OPS]
    if op.name not in allowed:
        raise ConditionError(
            f"operator '{op.name}' is not allowed for {field_type} field '{name}' "
            f"(allowed: {', '.join(allowed)})", path)
    try:
        value = parse_value(op, field_type, raw.get("value"))
    except ValueProblem as exc:
        raise ConditionError(f"bad value for '{name}' {op.name}: {exc}", path) from None
    if field_type is not spec.type:
        spec = dataclasses.replace(spec, type=field_type)
    if isinstance(spec.source, ElapsedSince):
        return _rewrite_elapsed(spec, spec.source, op, value, registry, path)
    if op.shape is Shape.DAYS:
        window = timedelta(days=value)
        if op.name == "within_last_days":
            return Leaf(spec, "between", (-window, timedelta(0)), path, relative=True)
        return Leaf(spec, "lt", -window, path, relative=True)
    if field_type is FieldType.ANY:
        return _any_type_empty(spec, op, path)
    return Leaf(spec, op.name, value, path)


def _any_type_empty(spec: FieldSpec, op: Operator, path: str) -> Node:
    """empty/not_empty on an undeclared custom field.

    A JSON value of one type is NULL seen as any other type, so "empty" is "empty as
    a string (NULL or '') and NULL as a number and as a boolean": missing keys, JSON
    null, "" and values that are no scalar (lists, objects).
    """
    views = tuple(Leaf(dataclasses.replace(spec, type=t), "empty", None, path)
                  for t in (FieldType.STRING, FieldType.NUMBER, FieldType.BOOLEAN))
    empty = All(views, path)
    return empty if op.name == "empty" else Not(empty, path)


def _rewrite_elapsed(spec: FieldSpec, source: ElapsedSince, op: Operator, value: Any,
                     registry: FieldRegistry, path: str) -> Leaf:
    """Turn ``<elapsed> op v`` into ``<source> op' (now - v * unit)``.

    1. empty/not_empty carry over: the elapsed time is NULL exactly when its source is.
    2. Each number becomes the offset ``-(v * unit)``, at most MAX_DAYS either way.
    3. Orderings flip (more elapsed time = an earlier source); between [a, b] becomes
       between [now - b, now - a]; eq/ne/in/not_in keep their operator.
    """
    target = registry[source.source]
    if op.shape is Shape.NONE:
        return Leaf(target, op.name, None, path)

    def offset(number: float) -> timedelta:
        try:
            delta = source.unit * number
        except OverflowError:
            delta = _MAX_RANGE * 2
        if abs(delta) > _MAX_RANGE:
            raise ConditionError(
                f"bad value for '{spec.name}' {op.name}: {number} is beyond {MAX_DAYS} days",
                path)
        return -delta

    if op.name == "between":
        low, high = value
        return Leaf(target, "between", (offset(high), offset(low)), path, relative=True)
    if isinstance(value, tuple):
        return Leaf(target, op.name, tuple(offset(v) for v in value), path, relative=True)
    return Leaf(target, _FLIP.get(op.name, op.name), offset(value), path, relative=True)
