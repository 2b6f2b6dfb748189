"""Each operator on each kind of field, checked in Python and in SQL on one lead.

Every case runs both compilers on the same saved lead, so each is also a small
agreement test on the database under test (SQLite or PostgreSQL).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.core.conditions import LEAD_FIELDS, compile_predicate, compile_q, lead_values
from leadflow.core.tests.condition_strategies import NOW, new_lead
from leadflow.leads.models import Lead

pytestmark = pytest.mark.django_db

FROZEN = NOW - timedelta(days=2, microseconds=-123_456)  # 2025-06-13 12:00:00.123456


@pytest.fixture
def campaign(tenant: Any) -> Campaign:
    return make_campaign(tenant)


def leaf(field: str, op: str, value: Any = None) -> dict[str, Any]:
    node = {"field": field, "op": op}
    if value is not None:
        node["value"] = value
    return node


def outcome(campaign: Campaign, attrs: dict[str, Any], tree: Any) -> tuple[bool, bool]:
    """(predicate, SQL) for one freshly saved lead."""
    lead = Lead.objects.get(pk=new_lead(campaign=campaign, **attrs).pk)
    in_python = compile_predicate(tree, LEAD_FIELDS, NOW)(lead_values(lead))
    in_sql = Lead.objects.filter(pk=lead.pk).filter(compile_q(tree, LEAD_FIELDS, NOW)).exists()
    return in_python, in_sql


CASES: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    # Strings: eq/ne/in are exact and case-sensitive.
    ("eq", {"first_name": "Pat"}, leaf("first_name", "eq", "Pat"), True),
    ("eq is case-sensitive", {"first_name": "Pat"}, leaf("first_name", "eq", "pat"), False),
    ("ne", {"first_name": "Pat"}, leaf("first_name", "ne", "pat"), True),
    ("ne same", {"first_name": "Pat"}, leaf("first_name", "ne", "Pat"), False),
    ("in", {"first_name": "Pat"}, leaf("first_name", "in", ["Sam", "Pat"]), True),
    ("in []", {"first_name": "Pat"}, {"field": "first_name", "op": "in", "value": []}, False),
    ("not_in []", {"first_name": "Pat"},
     {"field": "first_name", "op": "not_in", "value": []}, True),
    ("not_in", {"first_name": "Pat"}, leaf("first_name", "not_in", ["Pat"]), False),
    # contains/starts_with fold ASCII letters only, and treat % _ \ literally.
    ("contains ci", {"first_name": "Patricia"}, leaf("first_name", "contains", "TRI"), True),
    ("contains miss", {"first_name": "Pat"}, leaf("first_name", "contains", "x"), False),
    ("contains ''", {"first_name": "Pat"}, leaf("first_name", "contains", ""), True),
    ("starts_with ci", {"first_name": "Pat"}, leaf("first_name", "starts_with", "pA"), True),
    ("starts_with miss", {"first_name": "Pat"}, leaf("first_name", "starts_with", "at"), False),
    ("non-ASCII exact", {"first_name": "Émile"}, leaf("first_name", "contains", "Émi"), True),
    ("non-ASCII not folded", {"first_name": "Émile"}, leaf("first_name", "contains", "émi"),
     False),
    ("ASCII folded next to non-ASCII", {"first_name": "Émile"},
     leaf("first_name", "contains", "MILE"), True),
    ("% literal", {"first_name": "50%_off"}, leaf("first_name", "contains", "%_"), True),
    ("% is no wildcard", {"first_name": "abc"}, leaf("first_name", "contains", "%"), False),
    ("_ is no wildcard", {"first_name": "abc"}, leaf("first_name", "starts_with", "_b"), False),
    ("backslash", {"first_name": "a\\b"}, leaf("first_name", "contains", "\\"), True),
    ("empty ''", {"first_name": ""}, leaf("first_name", "empty"), True),
    ("empty set", {"first_name": "Pat"}, leaf("first_name", "empty"), False),
    ("not_empty", {"first_name": "Pat"}, leaf("first_name", "not_empty"), True),
    # Integers.
    ("int eq", {"weight": 5}, leaf("weight", "eq", 5), True),
    ("int ne", {"weight": 5}, leaf("weight", "ne", 5), False),
    ("int lt", {"weight": 5}, leaf("weight", "lt", 6), True),
    ("int lt edge", {"weight": 5}, leaf("weight", "lt", 5), False),
    ("int lte", {"weight": 5}, leaf("weight", "lte", 5), True),
    ("int gt", {"weight": 5}, leaf("weight", "gt", 5), False),
    ("int gte", {"weight": 5}, leaf("weight", "gte", 5), True),
    ("between inclusive", {"weight": 5}, leaf("weight", "between", [5, 5]), True),
    ("between reversed", {"weight": 5}, leaf("weight", "between", [6, 4]), False),
    ("int in", {"weight": 5}, leaf("weight", "in", [1, 5]), True),
    ("int not_in", {"weight": 5}, leaf("weight", "not_in", [5]), False),
    ("int empty", {"weight": 0}, leaf("weight", "empty"), False),
    ("int not_empty", {"weight": 0}, leaf("weight", "not_empty"), True),
    # Booleans.
    ("bool eq true", {"is_blacklisted": True}, leaf("is_blacklisted", "eq", True), True),
    ("bool eq false", {"is_blacklisted": True}, {"field": "is_blacklisted", "op": "eq",
                                                 "value": False}, False),
    ("bool ne", {"is_blacklisted": False}, leaf("is_blacklisted", "ne", True), True),
    # Datetimes, to the microsecond; value offsets and naive values are understood.
    ("dt eq", {"frozen_until": FROZEN}, leaf("frozen_until", "eq", FROZEN.isoformat()), True),
    ("dt eq other zone", {"frozen_until": FROZEN},
     leaf("frozen_until", "eq", "2025-06-13T14:00:00.123456+02:00"), True),
    ("dt eq naive = default zone (UTC)", {"frozen_until": FROZEN},
     leaf("frozen_until", "eq", "2025-06-13T12:00:00.123456"), True),
    ("dt eq 1µs off", {"frozen_until": FROZEN},
     leaf("frozen_until", "eq", "2025-06-13T12:00:00.123457+00:00"), False),
    ("dt gt 1µs before", {"frozen_until": FROZEN},
     leaf("frozen_until", "gt", "2025-06-13T12:00:00.123455Z"), True),
    ("dt between", {"frozen_until": FROZEN},
     leaf("frozen_until", "between", ["2025-06-13", "2025-06-14"]), True),
    ("within_last_days", {"frozen_until": FROZEN}, leaf("frozen_until", "within_last_days", 3),
     True),
    ("within_last_days too few", {"frozen_until": FROZEN},
     leaf("frozen_until", "within_last_days", 1), False),
    ("within_last_days future", {"frozen_until": NOW + timedelta(days=1)},
     leaf("frozen_until", "within_last_days", 3), False),
    ("within_last_days edge", {"frozen_until": NOW - timedelta(days=3)},
     leaf("frozen_until", "within_last_days", 3), True),
    ("older_than_days", {"frozen_until": FROZEN}, leaf("frozen_until", "older_than_days", 1),
     True),
    ("older_than_days edge", {"frozen_until": NOW - timedelta(days=3)},
     leaf("frozen_until", "older_than_days", 3), False),
    ("older_than_days too many", {"frozen_until": FROZEN},
     leaf("frozen_until", "older_than_days", 3), False),
    # NULL: false for tests, true for ne/not_in/empty and under not.
    ("NULL within", {"frozen_until": None}, leaf("frozen_until", "within_last_days", 3), False),
    ("NULL older", {"frozen_until": None}, leaf("frozen_until", "older_than_days", 0), False),
    ("NULL lt", {"frozen_until": None}, leaf("frozen_until", "lt", NOW.isoformat()), False),
    ("NULL ne", {"frozen_until": None}, leaf("frozen_until", "ne", NOW.isoformat()), True),
    ("NULL not_in", {"frozen_until": None}, leaf("frozen_until", "not_in", [NOW.isoformat()]),
     True),
    ("NULL empty", {"frozen_until": None}, leaf("frozen_until", "empty"), True),
    ("NULL not within", {"frozen_until": None},
     {"not": leaf("frozen_until", "within_last_days", 3)}, True),
    ("NULL not not_empty", {"frozen_until": None}, {"not": leaf("frozen_until", "not_empty")},
     True),
    # Computed: age_days from created_at, hours_since_last_call from last_call_at.
    ("age gt", {"created_at": NOW - timedelta(days=10)}, leaf("age_days", "gt", 9), True),
    ("age gt edge", {"created_at": NOW - timedelta(days=10)}, leaf("age_days", "gt", 10),
     False),
    ("age gte edge", {"created_at": NOW - timedelta(days=10)}, leaf("age_days", "gte", 10),
     True),
    ("age eq", {"created_at": NOW - timedelta(days=10)}, leaf("age_days", "eq", 10), True),
    ("age lt", {"created_at": NOW - timedelta(days=10)}, leaf("age_days", "lt", 10), False),
    ("age between", {"created_at": NOW - timedelta(days=10)},
     leaf("age_days", "between", [9.5, 10.5]), True),
    ("age in", {"created_at": NOW - timedelta(days=10)}, leaf("age_days", "in", [1, 10]), True),
    ("age negative (future)", {"created_at": NOW + timedelta(days=1)},
     leaf("age_days", "lt", 0), True),
    ("hours lt", {"last_call_at": NOW - timedelta(hours=3)},
     leaf("hours_since_last_call", "lt", 4), True),
    ("hours gt edge", {"last_call_at": NOW - timedelta(hours=3)},
     leaf("hours_since_last_call", "gt", 3), False),
    ("hours gte fraction", {"last_call_at": NOW - timedelta(hours=3)},
     leaf("hours_since_last_call", "gte", 2.5), True),
    ("hours NULL lt", {"last_call_at": None}, leaf("hours_since_last_call", "lt", 4), False),
    ("hours NULL empty", {"last_call_at": None}, leaf("hours_since_last_call", "empty"), True),
    ("hours NULL ne", {"last_call_at": None}, leaf("hours_since_last_call", "ne", 3), True),
    # Logic.
    ("{} is true", {}, {}, True),
    ("all [] is true", {}, {"all": []}, True),
    ("any [] is false", {}, {"any": []}, False),
    ("not {} is false", {}, {"not": {}}, False),
    ("not any [] is true", {}, {"not": {"any": []}}, True),
    ("any with a true branch", {"weight": 5},
     {"any": [leaf("weight", "eq", 1), leaf("weight", "eq", 5)]}, True),
    ("all with a false branch", {"weight": 5},
     {"all": [leaf("weight", "gt", 1), leaf("weight", "lt", 5)]}, False),
]

CUSTOM = {"tier": "Gold", "score": 7, "vip": True, "none": None, "list": [1], "blank": "",
          "1": "one", "a.b": 2}
CUSTOM_CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("string eq", leaf("custom.tier", "eq", "Gold"), True),
    ("string eq case", leaf("custom.tier", "eq", "gold"), False),
    ("string contains", leaf("custom.tier", "contains", "OL"), True),
    ("string starts_with", leaf("custom.tier", "starts_with", "go"), True),
    ("string in", leaf("custom.tier", "in", ["x", "Gold"]), True),
    ("string is NULL as a number", leaf("custom.tier", "gt", 1), False),
    ("string ne number", leaf("custom.tier", "ne", 3), True),
    ("number gt", leaf("custom.score", "gt", 6), True),
    ("number eq float", leaf("custom.score", "eq", 7.0), True),
    ("number between", leaf("custom.score", "between", [7, 7]), True),
    ("number in", leaf("custom.score", "in", [7, 8]), True),
    ("number is NULL as a string", leaf("custom.score", "eq", "7"), False),
    ("number contains", leaf("custom.score", "contains", "7"), False),
    ("bool eq", leaf("custom.vip", "eq", True), True),
    ("bool is no number", leaf("custom.vip", "eq", 1), False),
    ("bool ne false", {"field": "custom.vip", "op": "ne", "value": False}, True),
    ("JSON null empty", leaf("custom.none", "empty"), True),
    ("missing empty", leaf("custom.missing", "empty"), True),
    ("missing ne", leaf("custom.missing", "ne", "x"), True),
    ("missing lt", leaf("custom.missing", "lt", 1), False),
    ("list counts as empty", leaf("custom.list", "empty"), True),
    ("'' empty", leaf("custom.blank", "empty"), True),
    ("string not_empty", leaf("custom.tier", "not_empty"), True),
    ("number not empty", leaf("custom.score", "empty"), False),
    ("bool not empty", leaf("custom.vip", "not_empty"), True),
    ("digit key is an object key", leaf("custom.1", "eq", "one"), True),
    ("dotted key is one key", leaf("custom.a.b", "eq", 2), True),
]


@pytest.mark.parametrize(("attrs", "tree", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_operator(campaign: Campaign, attrs: dict[str, Any], tree: Any, expected: bool) -> None:
    assert outcome(campaign, attrs, tree) == (expected, expected)


@pytest.mark.parametrize(("tree", "expected"), [c[1:] for c in CUSTOM_CASES],
                         ids=[c[0] for c in CUSTOM_CASES])
def test_custom_field_operator(campaign: Campaign, tree: Any, expected: bool) -> None:
    assert outcome(campaign, {"custom_fields": CUSTOM}, tree) == (expected, expected)


def test_status_id_operators(campaign: Campaign) -> None:
    status = campaign.statuses.order_by("pk").first()
    assert status is not None
    lead = {"status": status}
    no_status = {"status": None}
    assert outcome(campaign, lead, leaf("status", "eq", status.pk)) == (True, True)
    assert outcome(campaign, lead, leaf("status", "ne", status.pk)) == (False, False)
    assert outcome(campaign, lead, leaf("status", "in", [0, status.pk])) == (True, True)
    assert outcome(campaign, lead, leaf("status", "not_in", [status.pk])) == (False, False)
    assert outcome(campaign, no_status, leaf("status", "eq", status.pk)) == (False, False)
    assert outcome(campaign, no_status, leaf("status", "ne", status.pk)) == (True, True)
    assert outcome(campaign, no_status, leaf("status", "not_in", [status.pk])) == (True, True)
    assert outcome(campaign, no_status, leaf("status", "empty")) == (True, True)
    assert outcome(campaign, no_status, {"not": leaf("status", "eq", status.pk)}) == (True, True)
