"""Routing writes: keyword-only, take the tenant, ``full_clean()`` before every save."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from leadflow.core.errors import ConflictError, NotFoundError, validation_error_messages
from leadflow.routing.conditions import condition_check, object_list_ids
from leadflow.routing.models import (
    ONLINE,
    AgentProfile,
    BreakState,
    Desk,
    FilterGroup,
    ObjectList,
    PriorityGroup,
    UserGroup,
)
from leadflow.routing.selectors import agent_profile, desk_get, object_list_get, user_group_get

if TYPE_CHECKING:
    from leadflow.tenants.models import Tenant


# --- agent state and settings ------------------------------------------------------------


def agent_set_state(*, tenant: Tenant, agent: Any, state: str) -> AgentProfile:
    """``"online"`` or the name of one of the tenant's breaks (case-insensitive)."""
    profile = agent_profile(agent, tenant)
    if state.strip().lower() == ONLINE:
        break_state = None
    else:
        break_state = BreakState.objects.filter(tenant=tenant, name__iexact=state.strip()).first()
        if break_state is None:
            names = ", ".join(["online", *BreakState.objects.filter(tenant=tenant)
                               .values_list("name", flat=True)])
            raise ValidationError({"state": f"Unknown state “{state}” (known: {names})."})
    profile.break_state = break_state
    profile.state_changed_at = timezone.now()
    profile.save(update_fields=["break_state", "state_changed_at"])
    return profile


def agent_profile_update(*, tenant: Tenant, user_id: int, desk_ids: Sequence[int],
                         **fields: Any) -> AgentProfile:
    from leadflow.tenants.models import Membership

    membership = Membership.objects.filter(tenant=tenant, user_id=user_id).select_related(
        "user").first()
    if membership is None:
        raise NotFoundError("Agent not found.")
    desks = list(Desk.objects.filter(tenant=tenant, id__in=list(desk_ids)))
    if len(desks) != len(set(desk_ids)):
        raise ValidationError({"desks": "Unknown desk."})
    profile = agent_profile(membership.user, tenant)
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.full_clean()
    with transaction.atomic():
        profile.save()
        profile.desks.set(desks)
    return profile


def break_state_create(*, tenant: Tenant, name: str) -> BreakState:
    state = BreakState(tenant=tenant, name=name.strip())
    state.full_clean()
    state.save()
    return state


def break_state_delete(*, tenant: Tenant, break_state_id: int) -> None:
    state = BreakState.objects.filter(tenant=tenant, id=break_state_id).first()
    if state is None:
        raise NotFoundError("Break not found.")
    if AgentProfile.objects.filter(break_state=state).exists():
        raise ConflictError("Agents are in this break now; it cannot be deleted.")
    state.delete()


# --- desks -----------------------------------------------------------------------------


def desk_save(*, tenant: Tenant, desk_id: int | None, name: str, description: str,
              member_ids: Sequence[int]) -> Desk:
    """Create or update a desk and set its members (the tenant's members only)."""
    from leadflow.tenants.models import Membership

    desk = desk_get(tenant=tenant, desk_id=desk_id) if desk_id else Desk(tenant=tenant)
    desk.name, desk.description = name.strip(), description
    desk.full_clean()
    users = list(Membership.objects.filter(tenant=tenant, user_id__in=list(member_ids))
                 .select_related("user"))
    if len(users) != len(set(member_ids)):
        raise ValidationError({"members": "Unknown agent."})
    with transaction.atomic():
        desk.save()
        profiles = [agent_profile(m.user, tenant) for m in users]
        desk.agents.set(profiles)
    return desk


def desk_delete(*, tenant: Tenant, desk_id: int) -> None:
    desk_get(tenant=tenant, desk_id=desk_id).delete()


# --- user groups with their filter and priority groups --------------------------------


@dataclass
class FilterGroupInput:
    name: str
    condition: dict[str, Any] = field(default_factory=dict)
    weight: int = 1
    is_failover: bool = False
    order: int = 0
    id: int | None = None


@dataclass
class PriorityGroupInput:
    desk_id: int
    priority: int = 1
    id: int | None = None


def _prefixed(error: ValidationError, prefix: str) -> ValidationError:
    return ValidationError({f"{prefix}.{name}" if name != "__all__" else prefix: messages
                            for name, messages in validation_error_messages(error).items()})


def user_group_save(*, tenant: Tenant, user_group_id: int | None, name: str,
                    description: str = "", caller_id_name: str = "",
                    dial_ratio: Decimal | int = 1,
                    filter_groups: Sequence[FilterGroupInput] = (),
                    priority_groups: Sequence[PriorityGroupInput] = ()) -> UserGroup:
    """Create or update a user group and replace its filter and priority groups.

    All or nothing: every row is checked first; an error names its row
    (``filter_groups[1].condition``) and nothing is saved. Rows with an id keep it
    (and their round-robin state); rows left out are deleted.
    """
    group = (user_group_get(tenant=tenant, user_group_id=user_group_id) if user_group_id
             else UserGroup(tenant=tenant))
    group.name, group.description = name.strip(), description
    group.caller_id_name, group.dial_ratio = caller_id_name, Decimal(dial_ratio)
    group.full_clean()
    errors: dict[str, list[str]] = {}
    existing_fg = ({g.id: g for g in group.filter_groups.all()} if group.pk else {})
    existing_pg = ({p.id: p for p in group.priority_groups.all()} if group.pk else {})
    fg_rows: list[FilterGroup] = []
    for index, item in enumerate(filter_groups):
        prefix = f"filter_groups[{index}]"
        if item.id is not None and item.id not in existing_fg:
            errors[prefix] = ["Unknown filter group."]
            continue
        row = existing_fg.get(item.id) if item.id else None
        row = row or FilterGroup(tenant=tenant)
        row.name, row.condition, row.weight = item.name.strip(), item.condition, item.weight
        row.is_failover, row.order = item.is_failover, item.order
        try:
            row.full_clean(exclude=["user_group"])  # clean() checks the condition
        except ValidationError as exc:
            errors.update(validation_error_messages(_prefixed(exc, prefix)))
        fg_rows.append(row)
    if sum(1 for r in fg_rows if r.is_failover) > 1:
        errors["filter_groups"] = ["At most one filter group may be the failover."]
    desks = {d.id: d for d in Desk.objects.filter(
        tenant=tenant, id__in=[p.desk_id for p in priority_groups])}
    pg_rows: list[PriorityGroup] = []
    for index, pitem in enumerate(priority_groups):
        prefix = f"priority_groups[{index}]"
        if pitem.desk_id not in desks or (pitem.id is not None and pitem.id not in existing_pg):
            errors[f"{prefix}.desk"] = ["Unknown desk."]
            continue
        prow = existing_pg.get(pitem.id) if pitem.id else None
        prow = prow or PriorityGroup(tenant=tenant)
        prow.desk, prow.priority = desks[pitem.desk_id], pitem.priority
        try:
            prow.full_clean(exclude=["user_group"], validate_unique=False,
                            validate_constraints=False)
        except ValidationError as exc:
            errors.update(validation_error_messages(_prefixed(exc, prefix)))
        pg_rows.append(prow)
    if len({p.desk_id for p in pg_rows}) != len(pg_rows):
        errors["priority_groups"] = ["Each desk may appear once."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        group.save()
        kept_fg = {r.id for r in fg_rows if r.pk}
        group.filter_groups.exclude(id__in=kept_fg).delete()
        # Clear the failover flag first so swapping it between rows never trips the
        # one-failover index halfway.
        FilterGroup.objects.filter(id__in=kept_fg).update(is_failover=False)
        for row in fg_rows:
            row.user_group = group
            row.save()
        kept_pg = {p.id for p in pg_rows if p.pk}
        group.priority_groups.exclude(id__in=kept_pg).delete()
        PriorityGroup.objects.filter(id__in=kept_pg).delete()
        for prow in pg_rows:
            prow.pk = None
            prow.user_group = group
            prow.save()
    return group


def user_group_delete(*, tenant: Tenant, user_group_id: int) -> None:
    user_group_get(tenant=tenant, user_group_id=user_group_id).delete()


# --- object lists ---------------------------------------------------------------------


def _groups_using(tenant: Tenant, object_list_id: int) -> list[FilterGroup]:
    return [g for g in FilterGroup.objects.filter(tenant=tenant).select_related("user_group")
            if object_list_id in object_list_ids(g.condition)]


def object_list_save(*, tenant: Tenant, object_list_id: int | None, name: str, kind: str,
                     values: list[Any]) -> ObjectList:
    """Create or update a list. An edit that would make a filter using the list invalid
    (say, text values for a status test) is refused and names that filter."""
    obj = (object_list_get(tenant=tenant, object_list_id=object_list_id) if object_list_id
           else ObjectList(tenant=tenant))
    obj.name, obj.kind, obj.values = name.strip(), kind, values
    obj.full_clean()
    with transaction.atomic():
        obj.save()
        if object_list_id:
            for group in _groups_using(tenant, obj.id):
                try:
                    condition_check(tree=group.condition, tenant=tenant)
                except ValidationError as exc:
                    message = validation_error_messages(exc)["condition"][0]
                    raise ValidationError({"values": (
                        f"Filter group “{group.name}” of “{group.user_group.name}” would "
                        f"break: {message}")}) from None
    return obj


def object_list_delete(*, tenant: Tenant, object_list_id: int) -> None:
    obj = object_list_get(tenant=tenant, object_list_id=object_list_id)
    users = _groups_using(tenant, obj.id)
    if users:
        raise ConflictError(f"Filter group “{users[0].name}” uses this list.")
    obj.delete()
