"""Running the PostgreSQL claim statement as a real prepared statement, cheaply.

The claim statement is ~20 KB with ~250 parameter uses, the same text for a whole minute
(``claim._plan``). Four costs used to be paid on every claim:

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
4. **Encoding ~250 parameters, ~1 ms of CPU (under the GIL)**, 52 of them id arrays:
   every step repeats the eligibility conditions. ``shared_parameters`` sends each
   distinct value once (~25), as one ``$n`` referenced by every step (``ClaimPlan``).

The execution goes through Django's cursor wrapper, so ``execute_wrapper`` hooks,
``CaptureQueriesContext`` and the query-count test see it like any other query.
"""

from __future__ import annotations

import re
import uuid
import weakref
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
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
    # No JIT: a generic plan's estimates (no constants to judge by) cross
    # jit_above_cost on a large table, and compiling the 20 KB statement then took
    # 400-600 ms per claim at 10 million leads, against 2 ms for running it.
    raw.execute("SET jit = off")
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

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any]) -> Any:
        self._query = SimpleNamespace(query=sql.encode())
        return self._cursor.execute(sql, params, prepare=True)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


def execute_prepared(sql: str, params: Sequence[Any] | Mapping[str, Any]
                     ) -> tuple[Any, ...] | None:
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


# --- parameters shared across the statement's steps ------------------------------------
_PARAM = re.compile(r"%%|%s")  # Django's placeholders, and its escaped literal percent


@dataclass(frozen=True)
class ClaimPlan:
    """The claim statement of one minute, its parameters shared across its steps.

    Every step repeats the eligibility conditions, so the compiled statement has ~250
    parameters (52 of them id arrays) but ~25 distinct values; encoding all of them on
    every claim cost ~1 ms of client CPU under the GIL. Here each distinct value is
    one named placeholder (``%(p3)s``) that psycopg turns into a single ``$n`` used
    wherever it appears: the server sees the same statement and plan, the client
    encodes ~25 values."""

    sql: str
    values: tuple[Any, ...]  # compiled at the minute's start, for the placeholders
    origins: list[str]  # step index → origin
    names: tuple[str, ...]
    shifted: tuple[int, ...]  # the datetimes: ``at`` + a constant, moved with ``at``
    token_at: int | None
    agent_at: int | None

    def bind(self, shift: timedelta, token: uuid.UUID, agent_id: int | None
             ) -> dict[str, Any]:
        """The parameters for a claim ``shift`` into the minute, by ``agent_id``."""
        values = list(self.values)
        for index in self.shifted:
            values[index] += shift
        if self.token_at is not None:
            values[self.token_at] = token
        if self.agent_at is not None:
            values[self.agent_at] = agent_id
        return dict(zip(self.names, values, strict=True))


def _share_key(value: Any) -> Hashable | None:
    """Equal values with this key may share one placeholder; None: never share.

    Only values psycopg sends with a definite type (ints, datetimes, uuids, int
    arrays…): a text or NULL parameter is typed by where it appears, and one ``$n``
    typed two ways by two steps would be refused ("inconsistent types deduced")."""
    if isinstance(value, bool | int | float | Decimal | datetime | date | uuid.UUID):
        return (type(value), value)
    if (isinstance(value, list) and value
            and all(type(item) is int for item in value)):
        return (list, tuple(value))
    return None


def shared_parameters(sql: str, params: Sequence[Any], origins: list[str], *,
                      token: uuid.UUID, agent_id: int) -> ClaimPlan:
    """``sql`` with positional ``%s`` → named placeholders, equal values merged;
    ``token`` and ``agent_id`` are the placeholder values ``ClaimPlan.bind`` replaces."""
    values: list[Any] = []
    slots: dict[Hashable, int] = {}
    pending = iter(params)

    def placeholder(match: re.Match[str]) -> str:
        if match.group() == "%%":
            return "%%"
        value = next(pending)
        key = _share_key(value)
        slot = slots.get(key) if key is not None else None
        if slot is None:
            slot = len(values)
            values.append(value)
            if key is not None:
                slots[key] = slot
        return f"%(p{slot})s"

    named = _PARAM.sub(placeholder, sql)
    if next(pending, _PARAM) is not _PARAM:
        raise AssertionError("more parameters than placeholders in the claim statement")

    def find(wanted: Any) -> int | None:
        # The placeholders are shared too: one slot each (exact type: -7… is no bool).
        return next((i for i, v in enumerate(values)
                     if type(v) is type(wanted) and v == wanted), None)

    return ClaimPlan(
        sql=named, values=tuple(values), origins=origins,
        names=tuple(f"p{i}" for i in range(len(values))),
        shifted=tuple(i for i, v in enumerate(values) if isinstance(v, datetime)),
        token_at=find(token), agent_at=find(agent_id))


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
