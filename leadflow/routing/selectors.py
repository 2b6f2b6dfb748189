"""Reads for routing, including the interface the next-lead claim consumes.

**Order of a claim's sources.** ``agent_lead_sources``: the agent's desks → the
priority groups of those desks (priority 1 before 2; a user group reached through
several desks counts once, at its best priority) → the user group's filter groups
(their ``order``). ``next_filter_groups`` then orders one pick: for each priority level
in turn, that level's weighted groups in smooth weighted round-robin (SWRR) order,
then the level's failover group(s); weight-0 ("off") groups never appear.

**Rotation scope: per agent.** The SWRR current weights live in ``RoundRobinState``
keyed by (agent, filter group): each agent's own picks follow the 3/2/1 ratio, so the
whole floor does too, and two agents' claims never contend for one row. The rotation
advances only when a lead was actually claimed (``advance_round_robin``); groups the
claim found empty before the chosen one sit that step out (they neither gain nor lose
credit), so an empty group does not build up a burst for when it refills.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q

from leadflow.core.conditions import ConditionError, compile_q
from leadflow.core.errors import NotFoundError
from leadflow.routing.conditions import (
    ROUTING_FIELDS,
    covers_campaign,
    object_list_ids,
    substitute_lists,
)
from leadflow.routing.models import (
    AgentProfile,
    Desk,
    FilterGroup,
    ObjectList,
    PriorityGroup,
    RoundRobinState,
    UserGroup,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from leadflow.tenants.models import Tenant

log = logging.getLogger(__name__)


@dataclass
class LeadSource:
    """One filter group as a claim sees it.

    ``q`` selects the group's leads (tenant AND the compiled condition, object lists
    resolved; a condition without a campaign test covers all the tenant's campaigns).
    ``level`` is (filter group id, weight) of the weighted groups sharing this source's
    priority, in source order: what ``advance_round_robin`` rotates.
    """

    q: Q
    priority: int
    weight: int
    is_failover: bool
    filter_group_id: int
    user_group_id: int
    name: str
    tenant_id: int = 0
    level: tuple[tuple[int, int], ...] = ()

    @property
    def is_weighted(self) -> bool:
        return self.weight > 0 and not self.is_failover


def agent_profile(agent: Any, tenant: Tenant) -> AgentProfile:
    """The agent's profile in the tenant, created with the tenant's defaults if missing."""
    profile, _ = AgentProfile.objects.select_related("break_state").get_or_create(
        tenant=tenant, user=agent, defaults={"time_zone": tenant.time_zone})
    return profile


def agent_is_online(agent: Any, tenant: Tenant) -> bool:
    """Online unless a break is set (an agent without a profile yet is Online)."""
    states = list(AgentProfile.objects.filter(tenant=tenant, user=agent)
                  .values_list("break_state_id", flat=True)[:1])
    return not states or states[0] is None


def agent_desk_ids(agent: Any, tenant: Tenant) -> list[int]:
    return sorted(AgentProfile.desks.through.objects.filter(
        agentprofile__tenant=tenant, agentprofile__user=agent).values_list("desk_id", flat=True))


def _user_group_priorities(tenant: Tenant, agent: Any) -> dict[int, int]:
    """{user group id: best priority} over the agent's desks, in one query."""
    best: dict[int, int] = {}
    rows = PriorityGroup.objects.filter(
        tenant=tenant, desk__agents__tenant=tenant, desk__agents__user=agent,
    ).values_list("user_group_id", "priority")
    for user_group_id, priority in rows:
        best[user_group_id] = min(priority, best.get(user_group_id, priority))
    return best


def agent_lead_sources(*, tenant: Tenant, agent: Any, at: datetime) -> list[LeadSource]:
    """Every filter group the agent may take leads from, in priority order (module doc).

    A stored condition that no longer compiles (say, it names a deleted object list)
    is skipped and logged rather than failing the claim.
    """
    priorities = _user_group_priorities(tenant, agent)
    if not priorities:
        return []
    groups = list(FilterGroup.objects.filter(tenant=tenant, user_group_id__in=priorities)
                  .order_by("order", "id"))
    list_ids = set().union(*(object_list_ids(g.condition) for g in groups))
    lists = dict(ObjectList.objects.filter(tenant=tenant, id__in=list_ids)
                 .values_list("id", "values")) if list_ids else {}
    sources: list[LeadSource] = []
    for group in sorted(groups, key=lambda g: (priorities[g.user_group_id], g.user_group_id,
                                               g.order, g.id)):
        try:
            if not object_list_ids(group.condition) <= lists.keys():
                raise ConditionError("an object list it uses was deleted")
            q = compile_q(substitute_lists(group.condition, lists), ROUTING_FIELDS, at)
        except ConditionError as exc:
            log.warning("filter group %s skipped: %s", group.id, exc)
            continue
        sources.append(LeadSource(
            q=Q(tenant_id=tenant.id) & q, priority=priorities[group.user_group_id],
            weight=group.weight, is_failover=group.is_failover, filter_group_id=group.id,
            user_group_id=group.user_group_id, name=group.name, tenant_id=tenant.id))
    for source in sources:
        source.level = tuple((s.filter_group_id, s.weight) for s in sources
                             if s.priority == source.priority and s.is_weighted)
    return sources


def _currents(agent: Any, ids: Iterable[int]) -> dict[int, int]:
    return dict(RoundRobinState.objects.filter(agent=agent, filter_group_id__in=list(ids))
                .values_list("filter_group_id", "current"))


def _swrr_order(level: Iterable[tuple[int, int]], currents: dict[int, int]) -> list[int]:
    """Filter group ids by ``current + weight`` descending, ties in source order."""
    ranked = [(-(currents.get(fg, 0) + weight), position, fg)
              for position, (fg, weight) in enumerate(level)]
    return [fg for _, _, fg in sorted(ranked)]


def next_filter_groups(*, agent: Any, sources: list[LeadSource]) -> list[LeadSource]:
    """The order one pick tries the sources in (module doc): per priority level, the
    weighted groups in SWRR order, then the failover; off groups dropped."""
    currents = _currents(agent, [s.filter_group_id for s in sources if s.is_weighted])
    result: list[LeadSource] = []
    priorities = sorted({s.priority for s in sources})
    for priority in priorities:
        level = [s for s in sources if s.priority == priority]
        weighted = {s.filter_group_id: s for s in level if s.is_weighted}
        order = _swrr_order(((s.filter_group_id, s.weight) for s in level if s.is_weighted),
                            currents)
        result += [weighted[fg] for fg in order]
        result += [s for s in level if s.is_failover and s.weight > 0]
    return result


def advance_round_robin(*, agent: Any, chosen: LeadSource) -> None:
    """Record that a lead was claimed from ``chosen``: one SWRR step for its level.

    Atomic: the level's rows are locked (created first if missing). Groups ranked
    before ``chosen`` were tried and empty: they sit the step out. Failover and off
    groups are outside the rotation and change nothing.
    """
    if not chosen.is_weighted or not chosen.level:
        return
    weights = dict(chosen.level)
    if chosen.filter_group_id not in weights:
        return
    def locked() -> dict[int, RoundRobinState]:
        return {row.filter_group_id: row for row in RoundRobinState.objects.select_for_update()
                .filter(agent=agent, filter_group_id__in=list(weights)).order_by("id")}

    with transaction.atomic():
        rows = locked()
        if len(rows) < len(weights):  # first picks of this agent from these groups
            RoundRobinState.objects.bulk_create(
                [RoundRobinState(tenant_id=chosen.tenant_id, agent=agent, filter_group_id=fg)
                 for fg in weights if fg not in rows], ignore_conflicts=True)
            rows = locked()
        order = _swrr_order(chosen.level, {fg: row.current for fg, row in rows.items()})
        stepping = order[order.index(chosen.filter_group_id):]
        total = sum(weights[fg] for fg in stepping)
        bound = 4 * sum(weights.values())
        for fg in stepping:
            row = rows[fg]
            row.current += weights[fg] - (total if fg == chosen.filter_group_id else 0)
            row.current = max(-bound, min(bound, row.current))
        RoundRobinState.objects.bulk_update([rows[fg] for fg in stepping], ["current"])


# --- pages ------------------------------------------------------------------------------


def user_group_get(*, tenant: Tenant, user_group_id: int) -> UserGroup:
    group = UserGroup.objects.filter(tenant=tenant, id=user_group_id).first()
    if group is None:
        raise NotFoundError("User group not found.")
    return group


def desk_get(*, tenant: Tenant, desk_id: int) -> Desk:
    desk = Desk.objects.filter(tenant=tenant, id=desk_id).first()
    if desk is None:
        raise NotFoundError("Desk not found.")
    return desk


def object_list_get(*, tenant: Tenant, object_list_id: int) -> ObjectList:
    obj = ObjectList.objects.filter(tenant=tenant, id=object_list_id).first()
    if obj is None:
        raise NotFoundError("Object list not found.")
    return obj


def resolved_conditions(*, tenant: Tenant, groups: Iterable[FilterGroup]
                        ) -> dict[int, Any]:
    """Each filter group's condition with object lists substituted (None if broken)."""
    groups = list(groups)
    list_ids = set().union(*(object_list_ids(g.condition) for g in groups))
    lists = dict(ObjectList.objects.filter(tenant=tenant, id__in=list_ids)
                 .values_list("id", "values")) if list_ids else {}
    return {g.id: (substitute_lists(g.condition, lists)
                   if object_list_ids(g.condition) <= lists.keys() else None) for g in groups}


@dataclass(frozen=True)
class CampaignUserRow:
    user: User
    role: str
    user_group: UserGroup
    desk: Desk
    priority: int
    filter_groups: list[str]
    state: str
    is_online: bool


def campaign_users(*, tenant: Tenant, campaign_id: int) -> list[CampaignUserRow]:
    """The Users List: who can get the campaign's leads, through which user group, desk
    and priority. A user group counts when one of its filter groups that is not off
    covers the campaign (``routing.conditions`` explains coverage)."""
    from leadflow.tenants.models import Membership

    groups = list(FilterGroup.objects.filter(tenant=tenant, weight__gt=0))
    resolved = resolved_conditions(tenant=tenant, groups=groups)
    covering: dict[int, list[str]] = {}
    for group in groups:
        tree = resolved[group.id]
        if tree is not None and covers_campaign(tree, campaign_id):
            covering.setdefault(group.user_group_id, []).append(group.name)
    links = list(PriorityGroup.objects.filter(tenant=tenant, user_group_id__in=covering)
                 .select_related("user_group", "desk"))
    roles = dict(Membership.objects.filter(tenant=tenant).values_list("user_id", "role"))
    profiles = (AgentProfile.objects.filter(tenant=tenant, user_id__in=roles,
                                            desks__in=[link.desk_id for link in links])
                .select_related("user", "break_state").prefetch_related("desks").distinct())
    rows: list[CampaignUserRow] = []
    for profile in profiles:
        desk_ids = {d.id for d in profile.desks.all()}
        for link in links:
            if link.desk_id in desk_ids:
                rows.append(CampaignUserRow(
                    user=profile.user, role=roles[profile.user_id], user_group=link.user_group,
                    desk=link.desk, priority=link.priority,
                    filter_groups=covering[link.user_group_id], state=profile.state,
                    is_online=profile.is_online))
    rows.sort(key=lambda r: (r.user.username.lower(), r.priority, r.user_group.name))
    return rows
