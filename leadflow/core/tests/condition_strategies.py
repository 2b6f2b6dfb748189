"""Hypothesis strategies for condition trees and records over a few lead fields, and
a typed lead factory for the condition tests.

Tree constants and record values are drawn from the same small pools, so equality,
``in`` and range bounds hit real values often instead of almost never.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from hypothesis import strategies as st

from leadflow.leads.models import Lead
from leadflow.leads.tests.factories import LeadFactory

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)

# ASCII letters in both cases, non-ASCII letters whose case folding differs between
# databases, LIKE wildcards and the escape character, a space.
ALPHABET = "aAbZé É ß%_\\"
STRINGS = st.text(alphabet=ALPHABET, max_size=4)
COUNTRIES = st.text(alphabet="aAuUé%", max_size=2)
SMALL_INTS = st.integers(min_value=-3, max_value=8)
NUMBERS = st.one_of(SMALL_INTS, st.sampled_from([0.5, 1.5, 2.0, -1.25]))

_DATETIME_POOL = [
    NOW,
    NOW - timedelta(days=3),
    NOW - timedelta(days=3, microseconds=1),
    NOW - timedelta(days=10),
    NOW - timedelta(hours=5),
    NOW + timedelta(days=1),
    NOW - timedelta(days=30, seconds=1),
]
DATETIMES = st.one_of(
    st.sampled_from(_DATETIME_POOL),
    st.builds(lambda days, micros: NOW + timedelta(days=days, microseconds=micros),
              st.integers(-40, 5), st.sampled_from([0, 1, 500_000, 999_999])),
)
DAYS = st.one_of(st.sampled_from([0, 1, 3, 10, 30]), st.floats(0, 40, allow_nan=False))
# age_days / hours_since_last_call: whole and fractional, past and future.
ELAPSED = st.one_of(st.sampled_from([0, 3, 10, 5, 72, 240]),
                    st.floats(-5, 300, allow_nan=False).map(lambda f: round(f, 3)))
CUSTOM_VALUES = st.one_of(st.none(), STRINGS, SMALL_INTS, st.sampled_from([1.5, 2.0]),
                          st.booleans(), st.just([1]))


def _iso(value: datetime) -> str:
    return value.isoformat()


def _values(shape: str, scalar: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    if shape == "list":
        return st.lists(scalar, max_size=3)
    if shape == "range":
        return st.lists(scalar, min_size=2, max_size=2)
    return scalar


_SHAPES = {"eq": "one", "ne": "one", "lt": "one", "lte": "one", "gt": "one", "gte": "one",
           "between": "range", "in": "list", "not_in": "list", "contains": "one",
           "starts_with": "one"}


def _leaf(field: str, ops: Sequence[str], scalar: st.SearchStrategy[Any],
          extra: dict[str, st.SearchStrategy[Any]] | None = None) -> st.SearchStrategy[Any]:
    def build(op: str) -> st.SearchStrategy[Any]:
        if op in ("empty", "not_empty"):
            return st.just({"field": field, "op": op})
        if extra and op in extra:
            return extra[op].map(lambda v: {"field": field, "op": op, "value": v})
        return _values(_SHAPES[op], scalar).map(lambda v: {"field": field, "op": op, "value": v})

    return st.sampled_from(list(ops)).flatmap(build)


ORDERED_OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "between", "in", "not_in", "empty",
               "not_empty")
STRING_OPS = ("eq", "ne", "in", "not_in", "contains", "starts_with", "empty", "not_empty")
DATETIME_OPS = ("eq", "ne", "lt", "lte", "gt", "gte", "between", "in", "not_in", "empty",
                "not_empty", "within_last_days", "older_than_days")
ID_OPS = ("eq", "ne", "in", "not_in", "empty", "not_empty")


def lead_leaves(status_ids: Sequence[int]) -> st.SearchStrategy[Any]:
    """Leaves over weight, attempts, country, first_name, frozen_until, created_at,
    last_call_at, status, custom.tier and the computed age_days/hours_since_last_call."""
    ids = st.sampled_from([*status_ids, 0, 999_999]) if status_ids else st.integers(0, 5)
    datetimes = DATETIMES.map(_iso)
    relative = {"within_last_days": DAYS, "older_than_days": DAYS}
    tier_scalar = st.one_of(STRINGS, NUMBERS, st.booleans())
    tier_extra = {
        "lt": NUMBERS, "lte": NUMBERS, "gt": NUMBERS, "gte": NUMBERS,
        "between": st.lists(NUMBERS, min_size=2, max_size=2),
        "contains": STRINGS, "starts_with": STRINGS,
        "in": st.one_of(st.lists(STRINGS, max_size=3), st.lists(NUMBERS, max_size=3)),
        "not_in": st.one_of(st.lists(STRINGS, max_size=3), st.lists(NUMBERS, max_size=3)),
    }
    return st.one_of(
        _leaf("weight", ORDERED_OPS, SMALL_INTS),
        _leaf("attempts", ORDERED_OPS, SMALL_INTS),
        _leaf("country", STRING_OPS, COUNTRIES),
        _leaf("first_name", STRING_OPS, STRINGS),
        _leaf("frozen_until", DATETIME_OPS, datetimes, relative),
        _leaf("created_at", DATETIME_OPS, datetimes, relative),
        _leaf("last_call_at", DATETIME_OPS, datetimes, relative),
        _leaf("status", ID_OPS, ids),
        _leaf("age_days", ORDERED_OPS, ELAPSED),
        _leaf("hours_since_last_call", ORDERED_OPS, ELAPSED),
        _leaf("custom.tier", ("eq", "ne", "lt", "lte", "gt", "gte", "between", "in",
                              "not_in", "contains", "starts_with", "empty", "not_empty"),
              tier_scalar, tier_extra),
    )


def trees(leaves: st.SearchStrategy[Any], depth: int = 3) -> st.SearchStrategy[Any]:
    """Condition trees at most ``depth`` groups deep (a leaf alone is depth 0)."""
    if depth == 0:
        return st.one_of(leaves, st.just({}))
    sub = trees(leaves, depth - 1)
    return st.one_of(
        leaves,
        st.lists(sub, max_size=3).map(lambda xs: {"all": xs}),
        st.lists(sub, max_size=3).map(lambda xs: {"any": xs}),
        sub.map(lambda x: {"not": x}),
    )


def custom_fields() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.just({}),
        CUSTOM_VALUES.map(lambda v: {"tier": v}),
        st.just({"other": "x"}),
    )


def lead_records(status_ids: Sequence[int]) -> st.SearchStrategy[dict[str, Any]]:
    """Field values for one lead (keys as ``lead_values`` returns them, minus the ones
    the trees never read)."""
    return st.fixed_dictionaries({
        "weight": SMALL_INTS,
        "attempts": st.integers(0, 8),
        "country": COUNTRIES,
        "first_name": STRINGS,
        "frozen_until": st.one_of(st.none(), DATETIMES),
        "created_at": DATETIMES,
        "last_call_at": st.one_of(st.none(), DATETIMES),
        "status": st.one_of(st.none(), st.sampled_from(list(status_ids) or [1])),
        "custom_fields": custom_fields(),
    })


def new_lead(**fields: Any) -> Lead:
    """A saved lead (the factory is untyped, so say what it returns)."""
    return cast(Lead, LeadFactory(**fields))
