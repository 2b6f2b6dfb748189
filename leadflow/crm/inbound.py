"""Inbound routing: leads a CRM or a lead source pushes without naming a campaign are
sent to one by an ordered list of routes (the vendor's "decision tree"), then stored
exactly like any API lead (normalisation, dedupe, do-not-call).

A route's condition reads the incoming lead's own fields (``INBOUND_FIELDS``), with
``country`` taken from the phone number when the lead does not say it: "US leads to
campaign A, German speakers to B, everything else to C" is three routes, the last with
an empty condition.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from leadflow.campaigns.models import Campaign
from leadflow.core import clock
from leadflow.core.conditions import (
    ConditionError,
    CustomFields,
    FieldRegistry,
    FieldType,
    column,
    compile_predicate,
    validate,
)
from leadflow.core.errors import DomainError, NotFoundError, save_unique
from leadflow.crm.models import InboundRoute
from leadflow.leads.intake.phones import PhoneError, parse_phone
from leadflow.leads.intake.writer import WriteOptions
from leadflow.leads.services_api import ItemResult, leads_write
from leadflow.tenants.models import Tenant

_TEXT_FIELDS = ("phone", "first_name", "last_name", "email", "country", "region",
                "postal_code", "language", "source", "external_id")

# Python only: routes are evaluated on one incoming lead, never compiled to SQL.
INBOUND_FIELDS = FieldRegistry(
    [column(name, FieldType.STRING) for name in _TEXT_FIELDS],
    custom=CustomFields(allow_any=True),
    name="inbound lead",
)
ROUTE_FIELDS = frozenset({"name", "campaign_id", "condition", "is_active"})


class NoRouteError(DomainError):
    """No active route takes the lead: the client learns why, nothing is stored."""

    status_code = 422


@dataclass(frozen=True)
class InboundResult:
    route: InboundRoute
    result: ItemResult


def inbound_values(item: Mapping[str, Any], default_region: str = "") -> dict[str, Any]:
    """The record a route's condition reads: the lead's text fields, trimmed, the
    country upper-cased, or the phone's own country when the lead names none."""
    values: dict[str, Any] = {name: str(item[name]).strip() for name in _TEXT_FIELDS
                              if item.get(name) is not None}
    values["country"] = values.get("country", "").upper()
    if not values["country"] and values.get("phone"):
        # A bad phone is refused later, by the campaign's normalisation, with reasons.
        with suppress(PhoneError):
            values["country"] = parse_phone(values["phone"], default_region).country
    values["custom_fields"] = dict(item.get("custom_fields") or {})
    return values


# --- reads ------------------------------------------------------------------------------

def inbound_routes_of(*, tenant: Tenant) -> list[InboundRoute]:
    return list(InboundRoute.objects.filter(tenant=tenant).select_related("campaign"))


def inbound_route_get(*, tenant: Tenant, route_id: int,
                      for_update: bool = False) -> InboundRoute:
    routes = InboundRoute.objects.filter(tenant=tenant, id=route_id)
    route = (routes.select_for_update() if for_update else routes).first()
    if route is None:
        raise NotFoundError(f"Inbound route {route_id} not found.")
    return route


def inbound_route_for(*, tenant: Tenant, values: Mapping[str, Any]) -> InboundRoute | None:
    """The first active route, by position, whose condition the lead meets."""
    now = clock.now()
    for route in InboundRoute.objects.filter(tenant=tenant, is_active=True):
        if compile_predicate(route.condition, INBOUND_FIELDS, now)(values):
            return route
    return None


# --- writes -----------------------------------------------------------------------------

def _apply(route: InboundRoute, fields: dict[str, Any]) -> InboundRoute:
    """1. Refuse unknown fields. 2. Check the campaign is the tenant's and the condition
    is one the language accepts. 3. Validate the rest and save."""
    unknown = sorted(set(fields) - ROUTE_FIELDS)
    if unknown:
        raise ValidationError({name: "Unknown inbound route field." for name in unknown})
    if "campaign_id" in fields:
        campaign = Campaign.objects.filter(tenant_id=route.tenant_id,
                                           id=fields.pop("campaign_id")).first()
        if campaign is None:
            raise ValidationError({"campaign_id": "Campaign not found."})
        route.campaign = campaign
    for name, value in fields.items():
        setattr(route, name, value)
    route.name = (route.name or "").strip()
    try:
        validate(route.condition, INBOUND_FIELDS)
    except ConditionError as exc:
        raise ValidationError({"condition": exc.message}) from exc
    route.full_clean(exclude=["tenant", "campaign"])
    if InboundRoute.objects.filter(tenant_id=route.tenant_id, name__iexact=route.name) \
            .exclude(pk=route.pk).exists():
        raise ValidationError({"name": f"An inbound route named “{route.name}” exists."})
    save_unique(route, message=f"“{route.name}” already exists.", field="name")
    return route


@transaction.atomic
def inbound_route_create(*, tenant: Tenant, **fields: Any) -> InboundRoute:
    """A new route goes last: routes before it keep their precedence."""
    last = InboundRoute.objects.filter(tenant=tenant).aggregate(m=Max("position"))["m"]
    return _apply(InboundRoute(tenant=tenant, position=(last or 0) + 1), fields)


@transaction.atomic
def inbound_route_update(*, tenant: Tenant, route_id: int, **fields: Any) -> InboundRoute:
    # Locked: two concurrent edits apply one after the other, never half of each.
    return _apply(inbound_route_get(tenant=tenant, route_id=route_id, for_update=True),
                  fields)


def inbound_route_delete(*, tenant: Tenant, route_id: int) -> None:
    inbound_route_get(tenant=tenant, route_id=route_id).delete()


@transaction.atomic
def inbound_route_move(*, tenant: Tenant, route_id: int, up: bool) -> None:
    """Swap the route with its neighbour above (``up``) or below; at an end, nothing."""
    routes = list(InboundRoute.objects.select_for_update().filter(tenant=tenant))
    index = next((i for i, r in enumerate(routes) if r.id == route_id), None)
    if index is None:
        raise NotFoundError(f"Inbound route {route_id} not found.")
    other = index - 1 if up else index + 1
    if not 0 <= other < len(routes):
        return
    # Renumber densely first: positions may have gaps or ties from deletions.
    routes[index], routes[other] = routes[other], routes[index]
    for position, route in enumerate(routes, start=1):
        route.position = position
    InboundRoute.objects.bulk_update(routes, ["position"])


def lead_inbound(*, tenant: Tenant, item: Mapping[str, Any], options: WriteOptions,
                 default_region: str | None = None) -> InboundResult:
    """1. Read the routing values. 2. Take the first matching route (none: refused,
    nothing stored). 3. Store the lead in the route's campaign like any API lead."""
    route = inbound_route_for(tenant=tenant,
                              values=inbound_values(item, (default_region or "").upper()))
    if route is None:
        raise NoRouteError("No active inbound route takes this lead: add a route whose "
                           "condition it meets, or a last route with no condition.")
    report = leads_write(tenant=tenant, campaign_id=route.campaign_id, items=[dict(item)],
                         options=options, default_region=default_region)
    return InboundResult(route=route, result=report.results[0])
