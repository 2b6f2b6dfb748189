"""A lead's recent history (last 20 events, last 20 calls) in one round trip.

next-lead returns it with every lead; two ORM queries cost two round trips and two
compilations per request. PostgreSQL only (the caller keeps the ORM form elsewhere):
both halves walk their own index (``lead_event_lead``, the call's lead index).
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from leadflow.dialing.models import Call
from leadflow.leads.models import LeadEvent

_LIMIT = 20
_EVENTS = LeadEvent._meta.db_table
_CALLS = Call._meta.db_table
_SQL = (
    f"SELECT 'e', e.id, e.created_at, e.kind, e.new, e.rule_name, e.actor_id, "
    f"NULL::varchar, NULL::bigint, NULL::text FROM (SELECT * FROM {_EVENTS} "
    f"WHERE lead_id = %s ORDER BY created_at DESC, id DESC LIMIT {_LIMIT}) AS e "
    f"UNION ALL "
    f"SELECT 'c', c.id, c.started_at, NULL, NULL, NULL, NULL, c.dial_result, c.status_id, "
    f"c.comment FROM (SELECT * FROM {_CALLS} "
    f"WHERE lead_id = %s ORDER BY started_at DESC, id DESC LIMIT {_LIMIT}) AS c"
)
_NEW = LeadEvent._meta.get_field("new")


def history_one_query(lead_id: int) -> dict[str, list[dict[str, Any]]]:
    """The same dicts, in the same order, as the two-query ORM form in ``api``."""
    with connection.cursor() as cursor:
        cursor.execute(_SQL, [lead_id, lead_id])
        rows = cursor.fetchall()
    events: list[tuple[Any, ...]] = []
    calls: list[tuple[Any, ...]] = []
    for row in rows:
        (events if row[0] == "e" else calls).append(row)
    # UNION ALL promises no order: restore each half's own.
    events.sort(key=lambda r: (r[2], r[1]), reverse=True)
    calls.sort(key=lambda r: (r[2], r[1]), reverse=True)
    new = _NEW.get_db_converters(connection)  # type: ignore[attr-defined]

    def converted(value: Any) -> Any:
        for converter in new:
            value = converter(value, _NEW.cached_col, connection)
        return value

    return {
        "events": [{"kind": r[3], "at": r[2], "new": converted(r[4]), "rule": r[5],
                    "actor_id": r[6]} for r in events],
        "calls": [{"id": r[1], "started_at": r[2], "dial_result": r[7], "status_id": r[8],
                   "comment": r[9]} for r in calls],
    }
