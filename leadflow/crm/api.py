"""REST endpoints: inbound leads routed to a campaign, and the inbound routes."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from leadflow.api.auth import request_tenant
from leadflow.crm.inbound import (
    NoRouteError,
    inbound_route_create,
    inbound_route_delete,
    inbound_route_for,
    inbound_route_get,
    inbound_route_move,
    inbound_route_update,
    inbound_routes_of,
    inbound_values,
    lead_inbound,
)
from leadflow.crm.models import InboundRoute
from leadflow.leads.api import WRITE_OPTIONS, given_fields, write_options_of, write_response
from leadflow.leads.schemas import (
    DncSkippedOut,
    LeadItemIn,
    LeadOutcome,
    RowErrorsOut,
    StrictIn,
    WriteOptionsIn,
)

router = Router(tags=["inbound leads"])


class InboundLeadIn(LeadItemIn, WriteOptionsIn):
    """A lead without a campaign: the inbound routes choose it."""


class InboundWriteOut(Schema):
    id: int
    outcome: LeadOutcome
    campaign_id: int
    route_id: int
    route: str


class RouteChoiceOut(Schema):
    campaign_id: int
    route_id: int
    route: str


class InboundRouteIn(StrictIn):
    name: str = Field(min_length=1, max_length=80)
    campaign_id: int
    condition: dict[str, Any] = Field(default_factory=dict)
    is_active: bool = True


class InboundRoutePatch(StrictIn):
    name: str | None = Field(default=None, min_length=1, max_length=80)
    campaign_id: int | None = None
    condition: dict[str, Any] | None = None
    is_active: bool | None = None


class InboundRouteOut(Schema):
    id: int
    name: str
    position: int
    campaign_id: int
    condition: dict[str, Any]
    is_active: bool


class Deleted(Schema):
    deleted: bool


@router.post("/inbound/leads", response={200: InboundWriteOut, 201: InboundWriteOut,
                                         409: DncSkippedOut, 422: RowErrorsOut})
def create_inbound_lead(request: HttpRequest, payload: InboundLeadIn) -> Status[Any]:
    """One lead with no campaign: the first active inbound route it meets picks the
    campaign, then the lead is stored like ``POST /leads`` (201 imported, 200 duplicate
    or updated, 409 do-not-call, 422 refused fields or no route)."""
    routed = lead_inbound(tenant=request_tenant(request),
                          item=given_fields(payload, drop=WRITE_OPTIONS),
                          options=write_options_of(payload),
                          default_region=payload.default_region)
    result, route = routed.result, routed.route
    if result.id is None:
        return write_response(result)
    return Status(201 if result.outcome == "imported" else 200, InboundWriteOut(
        id=result.id, outcome=result.outcome,  # type: ignore[arg-type]
        campaign_id=route.campaign_id, route_id=route.id, route=route.name))


@router.post("/inbound/route-test", response=RouteChoiceOut)
def test_inbound_route(request: HttpRequest, payload: InboundLeadIn) -> RouteChoiceOut:
    """Which route, and so which campaign, would take this lead; nothing is stored."""
    route = inbound_route_for(tenant=request_tenant(request), values=inbound_values(
        given_fields(payload, drop=WRITE_OPTIONS), (payload.default_region or "").upper()))
    if route is None:
        raise NoRouteError("No active inbound route takes this lead.")
    return RouteChoiceOut(campaign_id=route.campaign_id, route_id=route.id, route=route.name)


@router.get("/inbound/routes", response=list[InboundRouteOut])
def list_inbound_routes(request: HttpRequest) -> list[InboundRoute]:
    return inbound_routes_of(tenant=request_tenant(request))


@router.post("/inbound/routes", response={201: InboundRouteOut})
def create_inbound_route(request: HttpRequest,
                         payload: InboundRouteIn) -> Status[InboundRoute]:
    route = inbound_route_create(tenant=request_tenant(request), **payload.model_dump())
    return Status(201, route)


@router.get("/inbound/routes/{route_id}", response=InboundRouteOut)
def get_inbound_route(request: HttpRequest, route_id: int) -> InboundRoute:
    return inbound_route_get(tenant=request_tenant(request), route_id=route_id)


@router.patch("/inbound/routes/{route_id}", response=InboundRouteOut)
def update_inbound_route(request: HttpRequest, route_id: int,
                         payload: InboundRoutePatch) -> InboundRoute:
    return inbound_route_update(tenant=request_tenant(request), route_id=route_id,
                                **payload.model_dump(exclude_unset=True))


@router.post("/inbound/routes/{route_id}/move", response=list[InboundRouteOut])
def move_inbound_route(request: HttpRequest, route_id: int, up: bool) -> list[InboundRoute]:
    """One place up (``?up=true``) or down; returns the routes in their new order."""
    tenant = request_tenant(request)
    inbound_route_move(tenant=tenant, route_id=route_id, up=up)
    return inbound_routes_of(tenant=tenant)


@router.delete("/inbound/routes/{route_id}", response=Deleted)
def delete_inbound_route(request: HttpRequest, route_id: int) -> Deleted:
    inbound_route_delete(tenant=request_tenant(request), route_id=route_id)
    return Deleted(deleted=True)
