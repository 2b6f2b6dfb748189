"""Small in-process caches for what ``POST /api/agent/next-lead`` reads on every request
but an admin changes rarely: the API key (and its tenant), the agent acting, whether
the tenant has routing set up, a campaign's status workflow.

Freshness — how long an admin edit can take to reach a claim:
- edits saved through the ORM (``save``/``delete``: every service and admin page) clear
  every cache here at once in the process that made them (signals below);
- other processes (each gunicorn worker of ``leadflow run --workers N`` has its own
  caches; no signal crosses processes) see them within ``TTL`` seconds (3 s): every
  entry expires by itself, never refreshed on use. So a revoked API key, a removed
  member or a deleted desk still works for at most 3 s on other workers; queryset
  ``update()`` calls, which send no signal, also wait out the TTL. The claim's own
  campaign contexts (hours, caps, statuses' dialability) have their own 2 s TTL in
  ``claim.tenant_contexts``.

Values are shared between threads and must be treated as read-only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from django.db.models.signals import m2m_changed, post_delete, post_save

V = TypeVar("V")

TTL = 3.0
_MAX_ENTRIES = 10_000  # a bound against a flood of distinct keys, never reached in use


class TtlCache(Generic[V]):
    """key → value for ``ttl`` seconds. Thread-safe enough under the GIL: two threads
    missing at once both load (same result); nothing is ever half-written."""

    def __init__(self, ttl: float = TTL) -> None:
        self.ttl = ttl
        self._data: dict[Hashable, tuple[float, V]] = {}

    def get(self, key: Hashable, load: Callable[[], V]) -> V:
        now = time.monotonic()
        hit = self._data.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        value = load()
        if len(self._data) >= _MAX_ENTRIES:
            self._data.clear()
        self._data[key] = (now, value)
        return value

    def put(self, key: Hashable, value: V) -> None:
        self._data[key] = (time.monotonic(), value)

    def peek(self, key: Hashable) -> V | None:
        hit = self._data.get(key)
        if hit is not None and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        return None

    def clear(self) -> None:
        self._data.clear()


api_keys: TtlCache[Any] = TtlCache()  # key hash → ApiKey (tenant selected)
agents: TtlCache[Any] = TtlCache()  # (tenant id, user id) → User, or None: not a member
has_desks: TtlCache[bool] = TtlCache()  # tenant id → routing set up
workflows: TtlCache[Any] = TtlCache()  # (tenant id, campaign id) → CampaignWorkflow
sources: TtlCache[Any] = TtlCache()  # (tenant id, agent id) → routing LeadSources
_ALL = (api_keys, agents, has_desks, workflows, sources)


def clear_all() -> None:
    for cache in _ALL:
        cache.clear()


def _on_change(sender: Any, **kwargs: Any) -> None:
    # Coarse on purpose: these models change at admin speed, and one rule ("any edit
    # clears everything") cannot miss a dependency (a tenant's desks, a key's tenant…).
    clear_all()


# The models whose edits the caches above depend on (lazy references: no import order).
WATCHED = ("tenants.Tenant", "tenants.ApiKey", "tenants.Membership", "routing.Desk",
           "routing.AgentProfile", "routing.UserGroup", "routing.FilterGroup",
           "routing.PriorityGroup", "routing.ObjectList", "campaigns.Campaign",
           "statuses.LeadStatus", "statuses.StatusTransition")


def connect_signals() -> None:
    """Called once from ``DialingConfig.ready``."""
    from django.apps import apps
    from django.conf import settings

    for model in (*WATCHED, settings.AUTH_USER_MODEL):
        if not apps.is_installed(f"leadflow.{model.split('.')[0]}") and model != \
                settings.AUTH_USER_MODEL:
            continue  # routing is optional
        post_save.connect(_on_change, sender=model, dispatch_uid=f"dialing.hot.save.{model}",
                          weak=False)
        post_delete.connect(_on_change, sender=model,
                            dispatch_uid=f"dialing.hot.delete.{model}", weak=False)
    if apps.is_installed("leadflow.routing"):
        from leadflow.routing.models import AgentProfile

        # An agent added to or removed from a desk changes their sources.
        m2m_changed.connect(_on_change, sender=AgentProfile.desks.through,
                            dispatch_uid="dialing.hot.desks", weak=False)
