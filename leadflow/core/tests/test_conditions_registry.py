"""The shipped registries: lead fields match the Lead model, feedback fields read forms."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import models
from django.db.models.functions import Length

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.core.conditions import (
    FEEDBACK_FIELDS,
    LEAD_FIELDS,
    Column,
    Computed,
    FieldRegistry,
    FieldSpec,
    FieldType,
    column,
    compile_predicate,
    compile_q,
    lead_values,
    operators_for,
)
from leadflow.core.tests.condition_strategies import NOW, new_lead
from leadflow.leads.models import Lead

_MODEL_TYPES: list[tuple[type[models.Field[Any, Any]], FieldType]] = [
    (models.ForeignKey, FieldType.ID),
    (models.BooleanField, FieldType.BOOLEAN),
    (models.DateTimeField, FieldType.DATETIME),
    (models.IntegerField, FieldType.INTEGER),  # PositiveIntegerField too
    (models.CharField, FieldType.STRING),
]


def _model_type(field: Any) -> FieldType:
    return next(t for cls, t in _MODEL_TYPES if isinstance(field, cls))


@pytest.mark.parametrize("spec", [s for s in LEAD_FIELDS if isinstance(s.source, Column)],
                         ids=lambda s: s.name)
def test_lead_columns_match_the_model(spec: FieldSpec) -> None:
    assert isinstance(spec.source, Column) and spec.source.orm_path
    field = Lead._meta.get_field(spec.source.orm_path)
    assert _model_type(field) is spec.type
    assert getattr(field, "null", False) is spec.nullable


@pytest.mark.django_db
def test_lead_values_has_every_lead_field(tenant: Any) -> None:
    lead = new_lead(campaign=make_campaign(tenant), custom_fields={"tier": "gold"})
    values = lead_values(lead)
    keys = {s.source.key for s in LEAD_FIELDS if isinstance(s.source, Column)}
    assert keys | {"custom_fields"} == set(values)
    assert values["status"] == lead.status_id
    assert values["custom_fields"] == {"tier": "gold"}


def test_lead_registry_lists_computed_and_custom() -> None:
    assert {"age_days", "hours_since_last_call"} <= set(LEAD_FIELDS.names())
    assert "custom.anything" in LEAD_FIELDS
    assert LEAD_FIELDS["custom.tier"].type is FieldType.ANY
    assert "custom.x" not in FEEDBACK_FIELDS


def test_operator_table_by_type() -> None:
    assert operators_for(FieldType.STRING) == ["eq", "ne", "in", "not_in", "empty",
                                               "not_empty", "contains", "starts_with"]
    assert "within_last_days" in operators_for(FieldType.DATETIME)
    assert "lt" not in operators_for(FieldType.BOOLEAN)


@pytest.mark.parametrize(("tree", "values", "expected"), [
    ({"field": "call_after", "op": "not_empty"}, {"call_after": NOW}, True),
    ({"field": "call_after", "op": "not_empty"}, {"call_after": None}, False),
    ({"field": "call_after", "op": "not_empty"}, {"call_after": ""}, False),
    ({"field": "call_after", "op": "not_empty"}, {}, False),
    ({"field": "call_after", "op": "gt", "value": "2025-06-01T00:00:00Z"},
     {"call_after": "2025-06-02T09:00"}, True),  # ISO text, naive = project zone
    ({"field": "call_after", "op": "gt", "value": "2025-06-01T00:00:00Z"},
     {"call_after": datetime(2025, 5, 31, 23)}, False),  # noqa: DTZ001 - naive on purpose
    ({"field": "date", "op": "eq", "value": "2025-06-02"}, {"date": date(2025, 6, 2)}, True),
    ({"field": "date", "op": "eq", "value": "2025-06-02"},
     {"date": datetime(2025, 6, 2, 15, tzinfo=NOW.tzinfo)}, True),
    ({"field": "date", "op": "lt", "value": "2025-06-02"}, {"date": "2025-06-01"}, True),
    ({"field": "comment", "op": "empty"}, {"comment": "  "}, False),
    ({"field": "comment", "op": "empty"}, {"comment": ""}, True),
    ({"field": "comment", "op": "contains", "value": "CALL"}, {"comment": "call me"}, True),
    ({"field": "status", "op": "eq", "value": 7}, {"status": "7"}, True),
    ({"field": "status", "op": "in", "value": [7]}, {"status": True}, False),
    ({"all": [{"field": "call_after", "op": "not_empty"},
              {"field": "comment", "op": "not_empty"}]},
     {"call_after": NOW, "comment": "ok"}, True),
])
def test_feedback_predicate(tree: Any, values: dict[str, Any], expected: bool) -> None:
    assert compile_predicate(tree, FEEDBACK_FIELDS, NOW)(values) is expected


def test_feedback_status_may_be_a_model_instance() -> None:
    class Status:
        pk = 7

    predicate = compile_predicate({"field": "status", "op": "eq", "value": 7}, FEEDBACK_FIELDS,
                                  NOW)
    assert predicate({"status": Status()})


# A registry with a generic computed field: its SQL expression and Python getter are
# written to agree, and both compilers use them.
NAME_LENGTH = FieldRegistry([
    FieldSpec("name_length", FieldType.INTEGER,
              Computed(getter=lambda values, now: len(values["first_name"]),
                       expression=lambda now: Length("first_name")),
              nullable=False),
    column("first_name", FieldType.STRING, orm_path="first_name", nullable=False),
])


@pytest.mark.django_db
def test_generic_computed_field_in_both_compilers(tenant: Any) -> None:
    campaign = make_campaign(tenant)
    for name in ("Al", "Pat", "Patricia"):
        new_lead(campaign=campaign, first_name=name)
    tree = {"any": [{"field": "name_length", "op": "between", "value": [3, 4]},
                    {"field": "name_length", "op": "gt", "value": 7}]}
    leads = Lead.objects.filter(campaign=campaign)
    in_sql = set(leads.filter(compile_q(tree, NAME_LENGTH, NOW))
                 .values_list("first_name", flat=True))
    predicate = compile_predicate(tree, NAME_LENGTH, NOW)
    in_python = {lead.first_name for lead in leads if predicate(lead_values(lead))}
    assert in_sql == in_python == {"Pat", "Patricia"}


def test_elapsed_fields_use_now() -> None:
    tree = {"field": "age_days", "op": "gte", "value": 1}
    record = {"created_at": NOW - timedelta(hours=30)}
    assert compile_predicate(tree, LEAD_FIELDS, NOW)(record)
    assert not compile_predicate(tree, LEAD_FIELDS, NOW - timedelta(hours=7))(record)
