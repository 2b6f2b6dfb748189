"""Running the PostgreSQL claim statement as a real prepared statement, cheaply.

The claim statement is ~20 KB with ~250 parameters, the same text for a whole minute
(``claim._plan``). Three costs used to be paid on every claim:

1. **Planning, ~5 ms.** Django opens its psycopg connections with
   ``prepare_threshold=None``, and psycopg then prepares *nothing*, ``prepare=True``
   included: every claim was planned from scratch. ``prepare_connection`` sets a
   threshold no query reaches, so only explicit ``prepare=True`` executions (ours)
   prepare; Django's own cursors are client-side-binding and never prepare anyway.
2. **Placeholder conversion, ~0.6 ms of CPU (under the GIL).** psycopg caches the
   ``%s`` → ``$n`` conversion only for statements under 4 KB / 50 parameters;
   ``_ClaimQuery`` keeps it for ours (a handful of statements per tenant per minute).
3. **A second round trip for the lead**: the statement returns the whole row;
   ``lead_from_row`` builds the model instance from it.

The execution goes through Django's cursor wrapper, so ``execute_wrapper`` hooks,
``CaptureQueriesContext`` and the query-count test see it like any other query.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import psycopg
from django.db import connection

from leadflow.leads.models import Lead

try:  # psycopg internals: without them we only lose the conversion cache (cost 2).
    from psycopg._queries import PostgresQuery, _query2pg_nocache
except ImportError:  # pragma: no cover - a psycopg that moved them
    PostgresQuery = None  # type: ignore[assignment,misc]
    _query2pg_nocache = None  # type: ignore[assignment]

# A threshold no statement reaches by repetition: explicit prepare=True only.
_NEVER_BY_COUNT = 2**31 - 1
_prepared: weakref.WeakSet[Any] = weakref.WeakSet()
_converted: dict[tuple[bytes, str], Any] = {}


def prepare_connection(raw: Any) -> None:
    """Once per connection: allow prepared statements and plan them generically.

    The claim's parameters never change which indexes apply (every partial-index
    predicate is parameter-free), so the generic plan is as good as a custom one and
    it is made once per connection instead of once per claim."""
    if raw in _prepared:
        return
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _NEVER_BY_COUNT
    raw.execute("SET plan_cache_mode = force_generic_plan")
    _prepared.add(raw)


if PostgresQuery is not None and _query2pg_nocache is not None:
    _convert = _query2pg_nocache

    class _ClaimQuery(PostgresQuery):
        """psycopg's query conversion, cached for long statements as well."""

        __slots__ = ()

        def convert(self, query: Any, vars: Any) -> None:
            if not isinstance(query, (str, bytes)) or vars is None:
                super().convert(query, vars)
                return
            data = query.encode(self._tx.encoding) if isinstance(query, str) else query
            key = (data, self._tx.encoding)
            hit = _converted.get(key)
            if hit is None:
                if len(_converted) > 256:  # a few statements per tenant and minute
                    _converted.clear()
                hit = _converted[key] = _convert(data, self._tx.encoding)
            self.query, self._want_formats, self._order, self._parts = hit
            self.dump(vars)

    class ClaimCursor(psycopg.Cursor[Any]):
        """A server-side-binding cursor with the cached conversion."""

        _query_cls = _ClaimQuery
else:  # pragma: no cover
    ClaimCursor = psycopg.Cursor  # type: ignore[misc,assignment]


class _Prepare:
    """Adapts a psycopg cursor so Django's wrapper executes it with ``prepare=True``."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor
        self._query: Any = None  # what Django's debug wrapper logs (its ``.query``)

    def execute(self, sql: str, params: Sequence[Any]) -> Any:
        self._query = SimpleNamespace(query=sql.encode())
        return self._cursor.execute(sql, params, prepare=True)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


def execute_prepared(sql: str, params: list[Any]) -> tuple[Any, ...] | None:
    """Run ``sql`` as a prepared statement on Django's own connection (its
    transaction, if one is open; otherwise autocommit: the statement is atomic)."""
    connection.ensure_connection()
    raw = connection.connection
    prepare_connection(raw)
    with ClaimCursor(raw) as cursor:
        adapted: Any = _Prepare(cursor)
        wrapped = (connection.make_debug_cursor(adapted) if connection.queries_logged
                   else connection.make_cursor(adapted))
        wrapped.execute(sql, params)
        return cursor.fetchone()


# --- the lead row the claim statement returns ------------------------------------------
LEAD_FIELDS = tuple(Lead._meta.concrete_fields)
LEAD_COLUMNS = ", ".join(connection.ops.quote_name(f.column) for f in LEAD_FIELDS)


def lead_from_row(values: Sequence[Any]) -> Lead:
    """A Lead from its columns in ``LEAD_COLUMNS`` order, through each field's own
    converters (JSON fields arrive as text), as a query would build it."""
    converted: list[Any] = []
    for field, value in zip(LEAD_FIELDS, values, strict=True):
        for converter in field.get_db_converters(connection):  # type: ignore[attr-defined]
            value = converter(value, field.cached_col, connection)
        converted.append(value)
    return Lead.from_db(connection.alias, [f.attname for f in LEAD_FIELDS], converted)
