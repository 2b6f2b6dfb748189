"""Validation: every bad tree is refused with the path of the bad node and the problem."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from leadflow.core.conditions import (
    FEEDBACK_FIELDS,
    LEAD_FIELDS,
    ConditionError,
    CustomFields,
    FieldRegistry,
    FieldType,
    column,
    compile_predicate,
    compile_q,
    validate,
)
from leadflow.core.errors import DomainError
from leadflow.core.tests.condition_strategies import NOW

W = {"field": "weight", "op": "eq", "value": 1}


def _nested_not(depth: int) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for _ in range(depth):
        tree = {"not": tree}
    return tree


BAD: list[tuple[str, Any, str]] = [
    # (tree, message: path and problem)
    ("not an object", [], "root: a condition must be an object, got a list"),
    ("null", None, "root: a condition must be an object, got null"),
    ("child not an object", {"all": [W, "weight > 1"]},
     "all[1]: a condition must be an object, got a string"),
    ("unknown field", {"all": [{"field": "x", "op": "eq", "value": 1}]},
     "all[0]: unknown field 'x' (known: phone, first_name"),
    ("unknown field, nested",
     {"all": [{}, {"any": [W, {"field": "nope", "op": "eq", "value": 1}]}]},
     "all[1].any[1]: unknown field 'nope'"),
    ("under not", {"not": {"any": [{"field": "nope", "op": "empty"}]}},
     "not.any[0]: unknown field 'nope'"),
    ("unknown operator", {"field": "weight", "op": "like", "value": 1},
     "root: unknown operator 'like' for field 'weight' (known: eq, ne,"),
    ("operator not a string", {"field": "weight", "op": 3, "value": 1},
     "root: unknown operator 3 for field 'weight'"),
    ("operator not for strings", {"field": "first_name", "op": "gt", "value": "a"},
     "root: operator 'gt' is not allowed for string field 'first_name' (allowed: eq, ne, in,"),
    ("relative op not for integers", {"field": "weight", "op": "within_last_days", "value": 1},
     "operator 'within_last_days' is not allowed for integer field 'weight'"),
    ("contains not for elapsed", {"field": "age_days", "op": "within_last_days", "value": 1},
     "operator 'within_last_days' is not allowed for number field 'age_days'"),
    ("string for integer", {"field": "weight", "op": "eq", "value": "5"},
     "root: bad value for 'weight' eq: must be an integer, got '5'"),
    ("bool is no integer", {"field": "weight", "op": "eq", "value": True},
     "must be an integer, got True"),
    ("float for integer", {"field": "attempts", "op": "gt", "value": 1.5},
     "must be an integer, got 1.5"),
    ("integer out of range", {"field": "weight", "op": "gt", "value": 2**64},
     "is out of range"),
    ("negative id", {"field": "status", "op": "eq", "value": -1}, "is out of range (0 to"),
    ("in needs a list", {"field": "weight", "op": "in", "value": 5}, "'in' needs a list, got 5"),
    ("between needs two", {"field": "weight", "op": "between", "value": [1]},
     "'between' needs exactly two values [low, high], got 1"),
    ("between item", {"field": "weight", "op": "between", "value": [1, "x"]},
     "bad value for 'weight' between: value[1] must be an integer, got 'x'"),
    ("between not a list", {"field": "weight", "op": "between", "value": 1},
     "'between' needs [low, high], got 1"),
    ("empty takes no value", {"field": "weight", "op": "empty", "value": 1},
     "'empty' takes no value, got 1"),
    ("missing value", {"field": "weight", "op": "eq"}, "'eq' needs a value"),
    ("missing op", {"field": "weight", "value": 1}, "root: 'op' is missing for field 'weight'"),
    ("field not a string", {"field": 3, "op": "eq", "value": 1},
     "'field' must be a field name, got a number"),
    ("all and field", {"all": [], "field": "weight", "op": "eq", "value": 1},
     "root: a condition must be exactly one of 'all', 'any', 'not' or a field test; "
     "found 'all' and 'field'"),
    ("all and any", {"all": [], "any": []}, "found 'all' and 'any'"),
    ("no known key", {"foo": 1}, "a condition needs one of 'all', 'any', 'not' or 'field'; "
                                 "found 'foo'"),
    ("all not a list", {"all": W}, "root: 'all' must be a list of conditions, got dict"),
    ("not holds a list", {"not": [W]}, "not: a condition must be an object, got a list"),
    ("extra key in a leaf", {**W, "negate": True},
     "unexpected key 'negate' in a field test (allowed: field, op, value)"),
    ("extra key next to all", {"all": [], "label": "x"}, "unexpected key 'label' next to 'all'"),
    ("bad datetime", {"field": "frozen_until", "op": "eq", "value": "yesterday"},
     "must be an ISO 8601 date-time"),
    ("negative days", {"field": "frozen_until", "op": "within_last_days", "value": -1},
     "must be between 0 and 36500 days, got -1"),
    ("days not a number", {"field": "frozen_until", "op": "older_than_days", "value": "3"},
     "must be a number of days, got '3'"),
    ("elapsed too far", {"field": "age_days", "op": "gt", "value": 10**7},
     "bad value for 'age_days' gt: 10000000 is beyond 36500 days"),
    ("NUL character", {"field": "first_name", "op": "eq", "value": "a\x00"},
     "must not contain NUL characters"),
    ("NaN", {"field": "custom.score", "op": "gt", "value": float("nan")},
     "must be a finite number"),
    ("custom ordering needs a number", {"field": "custom.tier", "op": "lt", "value": "a"},
     "bad value for 'custom.tier' lt: must be a number, got 'a'"),
    ("custom list of mixed types", {"field": "custom.tier", "op": "in", "value": [1, "a"]},
     "value[1] must be a number, got 'a'"),
    ("custom key with a quote", {"field": 'custom.a"b', "op": "empty"},
     "unknown field 'custom.a\"b'"),
    ("custom without key", {"field": "custom.", "op": "empty"}, "unknown field 'custom.'"),
    ("too deep", _nested_not(18), "conditions nest deeper than 16 levels"),
]


@pytest.mark.parametrize(("tree", "message"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_validate_names_the_bad_node(tree: Any, message: str) -> None:
    with pytest.raises(ConditionError) as caught:
        validate(tree, LEAD_FIELDS)
    assert message in str(caught.value)


def test_error_carries_path_and_problem() -> None:
    with pytest.raises(ConditionError) as caught:
        validate({"any": [W, {"all": [{"field": "nope", "op": "empty"}]}]}, LEAD_FIELDS)
    error = caught.value
    assert error.path == "any[1].all[0]"
    assert error.problem.startswith("unknown field 'nope'")
    assert str(error) == f"any[1].all[0]: {error.problem}"
    assert isinstance(error, DomainError) and error.status_code == 400


GOOD: list[Any] = [
    {},
    {"all": []},
    {"any": []},
    {"not": {}},
    {"all": [{}, W]},
    {"field": "first_name", "op": "contains", "value": ""},
    {"field": "weight", "op": "in", "value": []},
    {"field": "weight", "op": "between", "value": [5, 3]},  # valid, just never true
    {"field": "frozen_until", "op": "empty", "value": None},
    {"field": "frozen_until", "op": "gt", "value": "2025-01-01"},
    {"field": "frozen_until", "op": "eq", "value": datetime(2025, 1, 1)},  # noqa: DTZ001
    {"field": "custom.Company Name-2", "op": "starts_with", "value": "Ac"},
    {"field": "custom.tier", "op": "eq", "value": True},
    {"field": "custom.tier", "op": "not_empty"},
    {"field": "age_days", "op": "between", "value": [-1, 2.5]},
    {"field": "hours_since_last_call", "op": "not_in", "value": [1, 2]},
]


@pytest.mark.parametrize("tree", GOOD, ids=[str(t) for t in GOOD])
def test_valid_trees_pass(tree: Any) -> None:
    validate(tree, LEAD_FIELDS)


def test_declared_custom_fields_only() -> None:
    registry = FieldRegistry([column("x", FieldType.INTEGER)],
                             custom=CustomFields(types={"tier": FieldType.NUMBER}))
    validate({"field": "custom.tier", "op": "gt", "value": 2}, registry)
    with pytest.raises(ConditionError, match="must be a number"):
        validate({"field": "custom.tier", "op": "eq", "value": "gold"}, registry)
    with pytest.raises(ConditionError, match=r"unknown field 'custom.other' \(known: x, "
                                             r"custom.tier or custom.<key>\)"):
        validate({"field": "custom.other", "op": "empty"}, registry)


def test_registry_without_custom_fields_refuses_them() -> None:
    with pytest.raises(ConditionError, match=r"unknown field 'custom.tier' \(known: call_after, "
                                             r"date, comment, status\)"):
        validate({"field": "custom.tier", "op": "empty"}, FEEDBACK_FIELDS)


def test_feedback_fields_cannot_become_sql() -> None:
    tree = {"all": [{"field": "call_after", "op": "not_empty"}]}
    validate(tree, FEEDBACK_FIELDS)
    with pytest.raises(ConditionError,
                       match=r"all\[0\]: field 'call_after' cannot be used in a database query"):
        compile_q(tree, FEEDBACK_FIELDS, NOW)


def test_id_lists_are_python_only() -> None:
    registry = FieldRegistry([column("tags", FieldType.ID_LIST, orm_path="tags")])
    tree = {"field": "tags", "op": "contains", "value": 3}
    assert compile_predicate(tree, registry, NOW)({"tags": [1, 3]})
    with pytest.raises(ConditionError, match="can only be tested in Python"):
        compile_q(tree, registry, NOW)


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        compile_q({}, LEAD_FIELDS, datetime(2025, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone-aware"):
        compile_predicate({}, LEAD_FIELDS, datetime(2025, 1, 1))  # noqa: DTZ001


def test_registry_construction_checks() -> None:
    with pytest.raises(ValueError, match="duplicated or reserved"):
        FieldRegistry([column("a", FieldType.STRING), column("a", FieldType.STRING)])
    with pytest.raises(ValueError, match="duplicated or reserved"):
        FieldRegistry([column("custom.a", FieldType.STRING)])
    with pytest.raises(ValueError, match="bad key or type"):
        CustomFields(types={"when": FieldType.DATETIME})
