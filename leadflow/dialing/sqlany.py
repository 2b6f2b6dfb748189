"""``column = ANY(%s)``: one array parameter instead of one parameter per id.

The claim statement repeats its id lists (open zone sets, undialable statuses,
campaigns) in every step; as ``IN (%s, …)`` they made 1,300 parameters whose binding
cost more than running the statement. SQLite has no arrays: there it is ``IN (…)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import BooleanField, Expression, F


class AnyOf(Expression):
    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str, ids: Iterable[int]) -> None:
        super().__init__()
        self.column = column
        self.ids = sorted(set(ids))
        self.col: Any = F(column)

    def resolve_expression(self, query: Any = None, allow_joins: bool = True,
                           reuse: Any = None, summarize: bool = False,
                           for_save: bool = False) -> AnyOf:
        copy = self.copy()
        copy.col = F(self.column).resolve_expression(query, allow_joins, reuse, summarize,
                                                      for_save)
        return copy

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.col)
        if not self.ids:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            return f"{sql} = ANY(%s)", [*params, self.ids]
        return f"{sql} IN ({', '.join(['%s'] * len(self.ids))})", [*params, *self.ids]
