"""Satisfiability: contradictions are recognised, and nothing satisfiable is refused."""

from __future__ import annotations

from itertools import chain, combinations
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.core.conditions import (
    FEEDBACK_FIELDS,
    LEAD_FIELDS,
    FieldRegistry,
    FieldType,
    column,
    compile_predicate,
    is_satisfiable,
)
from leadflow.core.tests.condition_strategies import NOW, lead_leaves, lead_records, trees


def leaf(field: str, op: str, value: Any = None) -> dict[str, Any]:
    node = {"field": field, "op": op}
    if value is not None:
        node["value"] = value
    return node


def both(*nodes: dict[str, Any]) -> dict[str, Any]:
    return {"all": list(nodes)}


UNSATISFIABLE: list[tuple[str, Any]] = [
    ("comment empty and not empty",
     both(leaf("comment", "empty"), leaf("comment", "not_empty"))),
    ("x > 5 and x < 3", both(leaf("weight", "gt", 5), leaf("weight", "lt", 3))),
    ("x in []", {"field": "weight", "op": "in", "value": []}),
    ("x eq 1 and x eq 2", both(leaf("weight", "eq", 1), leaf("weight", "eq", 2))),
    ("x eq 1 and x ne 1", both(leaf("weight", "eq", 1), leaf("weight", "ne", 1))),
    ("between low > high", leaf("weight", "between", [5, 3])),
    ("nested in all", both(leaf("first_name", "eq", "a"),
                           {"all": [{"any": [leaf("weight", "eq", 1), leaf("weight", "eq", 2)]},
                                    both(leaf("weight", "gte", 5), leaf("weight", "lte", 3))]})),
    ("every any branch fails", {"any": [leaf("weight", "in", []),
                                        both(leaf("status", "eq", 1), leaf("status", "eq", 2))]}),
    ("any []", {"any": []}),
    ("not {}", {"not": {}}),
    ("x and not x", both(leaf("weight", "eq", 1), {"not": leaf("weight", "eq", 1)})),
    ("not (a or b) and a", both({"not": {"any": [leaf("weight", "eq", 1),
                                                 leaf("weight", "eq", 2)]}},
                                leaf("weight", "eq", 2))),
    ("no integer between 5 and 6", both(leaf("weight", "gt", 5), leaf("weight", "lt", 6))),
    ("in-set excluded", both(leaf("weight", "in", [1, 2]), leaf("weight", "not_in", [2, 1]))),
    ("in and range", both(leaf("weight", "in", [1, 2]), leaf("weight", "gt", 2))),
    ("NULL and a value", both(leaf("status", "empty"), leaf("status", "in", [1, 2]))),
    ("prefixes disagree", both(leaf("first_name", "starts_with", "ab"),
                               leaf("first_name", "starts_with", "ac"))),
    ("eq without the text", both(leaf("first_name", "eq", "abc"),
                                 leaf("first_name", "contains", "x"))),
    ("'' is empty", both(leaf("first_name", "eq", ""), leaf("first_name", "not_empty"))),
    ("empty cannot contain", both(leaf("first_name", "empty"),
                                  leaf("first_name", "contains", "a"))),
    ("contains and not contains", both(leaf("first_name", "contains", "a"),
                                       {"not": leaf("first_name", "contains", "a")})),
    ("bool both ways", both(leaf("is_blacklisted", "eq", True),
                            {"field": "is_blacklisted", "op": "eq", "value": False})),
    ("dt eq and later", both(leaf("frozen_until", "eq", "2025-01-01T00:00:00Z"),
                             leaf("frozen_until", "gt", "2025-01-01T00:00:00Z"))),
    ("recent and old", both(leaf("frozen_until", "within_last_days", 3),
                            leaf("frozen_until", "older_than_days", 5))),
    ("age both ways", both(leaf("age_days", "gt", 10), leaf("age_days", "lt", 5))),
    ("age and created_at relative", both(leaf("age_days", "gt", 10),
                                         leaf("created_at", "within_last_days", 3))),
    ("hours NULL and a value", both(leaf("hours_since_last_call", "gt", 1),
                                    leaf("last_call_at", "empty"))),
    ("custom value of two types", both(leaf("custom.tier", "eq", "a"),
                                       leaf("custom.tier", "eq", 1))),
    ("custom empty and a value", both(leaf("custom.tier", "empty"),
                                      leaf("custom.tier", "gt", 1))),
    ("custom empty both ways", both(leaf("custom.tier", "empty"),
                                    leaf("custom.tier", "not_empty"))),
]

SATISFIABLE: list[tuple[str, Any]] = [
    ("{}", {}),
    ("all []", {"all": []}),
    ("one leaf", leaf("weight", "gt", 5)),
    ("range with room", both(leaf("weight", "gt", 5), leaf("weight", "lt", 7))),
    ("between equal bounds", leaf("weight", "between", [3, 3])),
    ("any with one good branch", {"any": [leaf("weight", "in", []), leaf("weight", "eq", 3)]}),
    ("not of a contradiction", {"not": both(leaf("weight", "gt", 5), leaf("weight", "lt", 3))}),
    ("ne everywhere", both(leaf("weight", "ne", 1), leaf("weight", "ne", 2),
                           leaf("weight", "not_in", [3, 4]))),
    ("two fields", both(leaf("weight", "eq", 1), leaf("attempts", "eq", 2))),
    ("ne holds for NULL", both(leaf("status", "ne", 1), leaf("status", "empty"))),
    ("prefixes agree, ASCII case aside", both(leaf("first_name", "starts_with", "AB"),
                                              leaf("first_name", "starts_with", "a"))),
    ("prefix and contains", both(leaf("first_name", "starts_with", "ab"),
                                 leaf("first_name", "contains", "zz"),
                                 leaf("first_name", "not_in", ["abzz", "abzz#"]))),
    ("empty contains ''", both(leaf("first_name", "empty"), leaf("first_name", "contains", ""))),
    ("number between integers", both(leaf("custom.score", "gt", 5),
                                     leaf("custom.score", "lt", 6))),
    ("custom of one type at a time", {"any": [leaf("custom.tier", "eq", "a"),
                                              leaf("custom.tier", "eq", 1)]}),
    ("custom string and NULL as number", both(leaf("custom.tier", "eq", "a"),
                                              leaf("custom.tier", "ne", 1))),
    ("recent", leaf("frozen_until", "within_last_days", 3)),
    ("age window", both(leaf("age_days", "gte", 5), leaf("age_days", "lte", 5))),
    ("call after required", leaf("call_after", "not_empty")),
]


def _registry(tree: Any) -> FieldRegistry:
    return FEEDBACK_FIELDS if any(f in str(tree) for f in ("'comment'", "'call_after'")) \
        else LEAD_FIELDS


@pytest.mark.parametrize("tree", [c[1] for c in UNSATISFIABLE], ids=[c[0] for c in UNSATISFIABLE])
def test_contradictions_are_recognised(tree: Any) -> None:
    assert is_satisfiable(tree, _registry(tree)) is False


@pytest.mark.parametrize("tree", [c[1] for c in SATISFIABLE], ids=[c[0] for c in SATISFIABLE])
def test_satisfiable_trees_are_accepted(tree: Any) -> None:
    assert is_satisfiable(tree, _registry(tree)) is True


def test_plain_tests_are_checked_before_branching() -> None:
    # 2**40 combinations of independent choices, but the contradiction is a plain
    # test of the same conjunction: found before any choice is tried.
    choices = [{"any": [leaf(f"custom.k{i}", "eq", 1), leaf(f"custom.k{i}", "eq", 2)]}
               for i in range(40)]
    tree = {"all": [*choices, leaf("status", "in", [])]}
    assert is_satisfiable(tree, LEAD_FIELDS) is False


def test_huge_searches_give_up_as_satisfiable() -> None:
    # The contradiction sits in the last of 41 choices: 2**40 branches reach it, so
    # the search stops at its step budget and answers "satisfiable" (unsure = yes).
    choices = [{"any": [leaf(f"custom.k{i}", "eq", 1), leaf(f"custom.k{i}", "eq", 2)]}
               for i in range(40)]
    last = {"any": [leaf("weight", "in", []), leaf("status", "in", [])]}
    assert is_satisfiable({"all": [*choices, last]}, LEAD_FIELDS) is True


STATUS_IDS = [1, 2, 3]


@settings(max_examples=400, deadline=None)
@given(tree=trees(lead_leaves(STATUS_IDS)),
       records=st.lists(lead_records(STATUS_IDS), min_size=1, max_size=10))
def test_never_unsatisfiable_when_a_record_satisfies(tree: Any, records: list[Any]) -> None:
    predicate = compile_predicate(tree, LEAD_FIELDS, NOW)
    if any(predicate(record) for record in records):
        assert is_satisfiable(tree, LEAD_FIELDS), tree


# For integers, booleans and id lists the candidate values are complete, so the
# answer is exact: compare it with a brute-force search over every value that matters.
X = FieldRegistry([column("x", FieldType.INTEGER), column("b", FieldType.BOOLEAN),
                   column("tags", FieldType.ID_LIST)])
SMALL = st.integers(-3, 3)
ID = st.integers(0, 3)


def _x_leaves() -> st.SearchStrategy[Any]:
    def with_value(op: str, values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return values.map(lambda v: {"field": "x", "op": op, "value": v})

    return st.one_of(
        *[with_value(op, SMALL) for op in ("eq", "ne", "lt", "lte", "gt", "gte")],
        with_value("between", st.lists(SMALL, min_size=2, max_size=2)),
        with_value("in", st.lists(SMALL, max_size=3)),
        with_value("not_in", st.lists(SMALL, max_size=3)),
        st.sampled_from(["empty", "not_empty"]).map(lambda op: {"field": "x", "op": op}),
        st.booleans().map(lambda v: {"field": "b", "op": "eq", "value": v}),
        st.sampled_from(["empty", "not_empty"]).map(lambda op: {"field": "b", "op": op}),
        ID.map(lambda v: {"field": "tags", "op": "contains", "value": v}),
        st.sampled_from(["in", "not_in"]).flatmap(
            lambda op: st.lists(ID, max_size=3).map(
                lambda v: {"field": "tags", "op": op, "value": v})),
        st.sampled_from(["empty", "not_empty"]).map(lambda op: {"field": "tags", "op": op}),
    )


_TAG_SETS = [None, *chain.from_iterable(combinations(range(5), n) for n in range(6))]
_RECORDS = [{"x": x, "b": b, "tags": t} for x in [None, *range(-6, 7)]
            for b in (None, True, False) for t in _TAG_SETS]


@settings(max_examples=300, deadline=None)
@given(tree=trees(_x_leaves()))
def test_exact_for_integers_booleans_and_id_lists(tree: Any) -> None:
    predicate = compile_predicate(tree, X, NOW)
    assert is_satisfiable(tree, X) == any(predicate(r) for r in _RECORDS), tree
