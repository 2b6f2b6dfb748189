"""Writes for leads."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction

from leadflow.leads.models import ZoneSet

_zone_set_ids: dict[str, int] = {}


def zone_set_key(zone_names: Iterable[str]) -> str:
    return "|".join(sorted(set(zone_names)))


def zone_set_id_for(zone_names: Iterable[str]) -> int:
    """The id of the ZoneSet holding exactly ``zone_names``, created on first use.

    Zone sets are global and immutable, so the mapping is cached per process, but only
    once the row is known to be committed: an id remembered from a transaction that then
    rolls back would point every later lead at a row that does not exist (a foreign-key
    error on each insert until the process restarts). Inside a transaction the id is
    remembered on commit; callers resolving many leads keep their own per-batch memo.
    """
    key = zone_set_key(zone_names)
    cached = _zone_set_ids.get(key)
    if cached is not None:
        return cached
    try:
        with transaction.atomic():
            zone_set, _ = ZoneSet.objects.get_or_create(key=key)
    except IntegrityError:
        # Another process created it between our read and insert.
        zone_set = ZoneSet.objects.get(key=key)
    zone_set_id = zone_set.id
    if connection.in_atomic_block:
        transaction.on_commit(lambda: _zone_set_ids.__setitem__(key, zone_set_id))
    else:
        _zone_set_ids[key] = zone_set_id
    return zone_set_id


def zone_set_cache_clear() -> None:
    """Tests roll back the table between cases; the cache must follow."""
    _zone_set_ids.clear()
