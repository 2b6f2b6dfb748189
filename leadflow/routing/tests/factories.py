"""Routing test helpers: agents in desks, user groups with filter groups, through services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from leadflow.routing.models import Desk, PriorityGroup, UserGroup
from leadflow.routing.services import (
    FilterGroupInput,
    PriorityGroupInput,
    agent_profile_update,
    desk_save,
    user_group_save,
)
from leadflow.tenants.models import Role, Tenant
from leadflow.tenants.services import user_create


def make_agent(tenant: Tenant, username: str, *, desks: Sequence[Desk] = (),
               role: Role = Role.AGENT) -> Any:
    membership = user_create(tenant=tenant, username=username, password="pw", role=role)
    agent_profile_update(tenant=tenant, user_id=membership.user_id,
                         desk_ids=[d.id for d in desks])
    return membership.user


def make_desk(tenant: Tenant, name: str) -> Desk:
    return desk_save(tenant=tenant, desk_id=None, name=name, description="", member_ids=[])


def make_user_group(tenant: Tenant, name: str, *, filters: list[FilterGroupInput],
                    desks: dict[Desk, int] | None = None) -> UserGroup:
    return user_group_save(
        tenant=tenant, user_group_id=None, name=name, filter_groups=filters,
        priority_groups=[PriorityGroupInput(desk_id=d.id, priority=p)
                         for d, p in (desks or {}).items()])


def link(tenant: Tenant, group: UserGroup, desk: Desk, priority: int) -> PriorityGroup:
    return PriorityGroup.objects.create(tenant=tenant, user_group=group, desk=desk,
                                        priority=priority)
