"""``custom_fields`` with one key set, as an UPDATE expression on both databases."""

from __future__ import annotations

import json
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Func, JSONField
from django.db.models.sql.compiler import SQLCompiler


class JSONSetKey(Func):
    """``column`` with ``key`` set to the JSON scalar ``value`` (other keys kept)."""

    output_field = JSONField()

    def __init__(self, column: str, key: str, value: Any) -> None:
        super().__init__()
        self.column, self.key, self.value = column, key, value

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper,
               function: str | None = None, template: str | None = None,
               arg_joiner: str | None = None, **extra_context: Any) -> Any:
        column = connection.ops.quote_name(self.column)
        if connection.vendor == "postgresql":
            return (f"COALESCE({column}, '{{}}'::jsonb) || jsonb_build_object(%s, %s::jsonb)",
                    [self.key, json.dumps(self.value)])
        # SQLite's JSON1: a quoted path segment takes any key the registry allows.
        return (f"json_set(COALESCE({column}, '{{}}'), %s, json(%s))",
                [f'$."{self.key}"', json.dumps(self.value)])
