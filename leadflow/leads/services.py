"""Writes for leads."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, connection, models, transaction

from leadflow.core.errors import ConflictError
from leadflow.leads.models import Lead, ZoneSet
from leadflow.tenants.models import Tenant

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


def leads_delete_for_campaign(*, tenant: Tenant, campaign_id: int) -> int:
    """Delete a campaign's leads set-based and return how many went.

    1. Rows that reference leads (events, calls…) go first, each with one
       ``DELETE … WHERE lead_id IN (SELECT …)`` (or are unlinked for SET_NULL).
    2. The leads go in one raw DELETE.
    Django's cascade collector would instead load every lead into memory to find its
    dependents: gigabytes for a campaign of a million leads.
    """
    leads = Lead.objects.filter(tenant=tenant, campaign_id=campaign_id)
    for relation in Lead._meta.related_objects:
        field = relation.field
        related_model = relation.related_model
        assert not isinstance(related_model, str)  # resolved once apps are ready
        dependents = related_model._base_manager.filter(
            **{f"{field.name}__in": leads.values("id")})
        if relation.on_delete is models.CASCADE:
            dependents.delete()
        elif relation.on_delete is models.SET_NULL:
            dependents.update(**{field.name: None})
        elif dependents.exists():
            raise ConflictError(f"{related_model._meta.verbose_name_plural} still "
                                "refer to this campaign's leads.")
    return leads._raw_delete(leads.db)
