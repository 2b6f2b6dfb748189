"""Two SQL expressions that make SQLite and PostgreSQL answer like the Python predicate.

* ``AsciiLower``: lower-cases A-Z and nothing else. SQLite's built-in ``lower()`` only
  knows ASCII, PostgreSQL's follows the locale (``É`` → ``é``), so PostgreSQL gets a
  ``TRANSLATE`` of the 26 letters instead, and Python does the same translation.
* ``JSONScalar``: one key of a JSON object column, as a value of one JSON type, NULL
  when the key is missing, holds JSON null or holds another type. Comparing raw JSON
  values would follow each database's own cross-type rules (PostgreSQL orders every
  number after every string; SQLite every string after every number), so each type
  is compared only with its own kind.

Only SQLite and PostgreSQL are supported (the two databases the project runs on).
"""

from __future__ import annotations

import json
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import BooleanField, F, FloatField, Func, TextField
from django.db.models.fields import Field
from django.db.models.sql.compiler import SQLCompiler
from django.db.utils import NotSupportedError

from leadflow.core.conditions.fields import FieldType

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SqlParams = tuple[str, tuple[Any, ...]]


def ascii_lower(text: str) -> str:
    """Python's side of AsciiLower: only A-Z change (str.lower would fold É and ß)."""
    return text.translate(_ASCII_TABLE)


_ASCII_TABLE = str.maketrans(_UPPER, _UPPER.lower())


class AsciiLower(Func):
    output_field = TextField()

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper,
               function: str | None = None, template: str | None = None,
               arg_joiner: str | None = None, **extra_context: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        # Literal letters (no parameters): the pattern lookup around this expression
        # formats its own parameters after ours.
        return f"TRANSLATE({sql}, '{_UPPER}', '{_UPPER.lower()}')", tuple(params)

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper,
                  **extra_context: Any) -> Any:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"LOWER({sql})", tuple(params)


_OUTPUT: dict[FieldType, type[Field[Any, Any]]] = {
    FieldType.STRING: TextField,
    FieldType.NUMBER: FloatField,
    FieldType.BOOLEAN: BooleanField,
}

# json_type() names on SQLite, jsonb_typeof() names on PostgreSQL.
_SQLITE_TEMPLATES = {
    FieldType.STRING: "CASE WHEN json_type({col}, %s) = 'text' THEN json_extract({col}, %s) END",
    FieldType.NUMBER: ("CASE WHEN json_type({col}, %s) IN ('integer', 'real') "
                       "THEN json_extract({col}, %s) END"),
    FieldType.BOOLEAN: "CASE json_type({col}, %s) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END",
}
_POSTGRES_TEMPLATES = {
    FieldType.STRING: "CASE WHEN jsonb_typeof({col} -> %s) = 'string' THEN {col} ->> %s END",
    FieldType.NUMBER: ("CASE WHEN jsonb_typeof({col} -> %s) = 'number' "
                       "THEN ({col} ->> %s)::double precision END"),
    FieldType.BOOLEAN: ("CASE WHEN jsonb_typeof({col} -> %s) = 'boolean' "
                        "THEN ({col} ->> %s)::boolean END"),
}


class JSONScalar(Func):
    """``column -> key`` as a STRING, NUMBER or BOOLEAN value, NULL for anything else."""

    def __init__(self, column: str, key: str, field_type: FieldType) -> None:
        if field_type not in _OUTPUT:
            raise ValueError(f"a JSON key cannot be read as {field_type}")
        super().__init__(F(column), output_field=_OUTPUT[field_type]())
        self.key = key
        self.field_type = field_type

    def _render(self, compiler: SQLCompiler, templates: dict[FieldType, str],
                key_param: str) -> _SqlParams:
        col_sql, col_params = compiler.compile(self.source_expressions[0])
        template = templates[self.field_type]
        sql = template.format(col=col_sql)
        # Every mention of the column is followed by the key's placeholder.
        params = (*col_params, key_param) * template.count("{col}")
        return sql, params

    def as_sqlite(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper,
                  **extra_context: Any) -> Any:
        # A quoted label, so digits and dots in a key stay one object key.
        return self._render(compiler, _SQLITE_TEMPLATES, "$." + json.dumps(self.key))

    def as_postgresql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper,
                      **extra_context: Any) -> Any:
        return self._render(compiler, _POSTGRES_TEMPLATES, self.key)

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper,
               function: str | None = None, template: str | None = None,
               arg_joiner: str | None = None, **extra_context: Any) -> Any:
        raise NotSupportedError(f"custom-field conditions are not supported on {connection.vendor}")
