"""The condition language shared by lead filters, rules, statuses and exclusions.

A condition is a JSON tree::

    {"all": [node, …]}   every node holds (empty: true)
    {"any": [node, …]}   some node holds (empty: false)
    {"not": node}
    {"field": "weight", "op": "gt", "value": 5}
    {}                   no condition: always true

Fields come from a ``FieldRegistry`` (``LEAD_FIELDS``, ``FEEDBACK_FIELDS``), operators
from the table in ``operators``. One tree compiles to a Django ``Q`` and to a Python
predicate that agree on every record, NULLs included (see ``evaluate``), on SQLite
and PostgreSQL.
"""

from leadflow.core.conditions.compile_q import compile_q, q_false, q_true
from leadflow.core.conditions.errors import ConditionError
from leadflow.core.conditions.fields import (
    Column,
    Computed,
    CustomFields,
    ElapsedSince,
    FieldRegistry,
    FieldSpec,
    FieldType,
    JSONKey,
    column,
)
from leadflow.core.conditions.operators import OPERATORS, Operator, Shape, operators_for
from leadflow.core.conditions.predicate import Predicate, compile_predicate
from leadflow.core.conditions.registries import FEEDBACK_FIELDS, LEAD_FIELDS, lead_values
from leadflow.core.conditions.satisfiable import is_satisfiable
from leadflow.core.conditions.validate import parse, validate

__all__ = [
    "FEEDBACK_FIELDS",
    "LEAD_FIELDS",
    "OPERATORS",
    "Column",
    "Computed",
    "ConditionError",
    "CustomFields",
    "ElapsedSince",
    "FieldRegistry",
    "FieldSpec",
    "FieldType",
    "JSONKey",
    "Operator",
    "Predicate",
    "Shape",
    "column",
    "compile_predicate",
    "compile_q",
    "is_satisfiable",
    "lead_values",
    "operators_for",
    "parse",
    "q_false",
    "q_true",
    "validate",
]
