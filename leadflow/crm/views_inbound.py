"""Tenant > Inbound routing: the ordered routes that send campaign-less leads to a
campaign; add, edit, reorder, delete."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from leadflow.campaigns.models import Campaign
from leadflow.core.errors import DomainError
from leadflow.core.forms import add_service_errors
from leadflow.crm.forms import InboundRouteForm
from leadflow.crm.inbound import (
    inbound_route_create,
    inbound_route_delete,
    inbound_route_get,
    inbound_route_move,
    inbound_route_update,
    inbound_routes_of,
)
from leadflow.crm.models import InboundRoute
from leadflow.routing.conditions import summarize
from leadflow.tenants.models import Tenant
from leadflow.tenants.permissions import admin_required
from leadflow.ui.view_support import or_404, posted, tenant_of


@admin_required
def inbound_route_list(request: HttpRequest) -> HttpResponse:
    routes = inbound_routes_of(tenant=tenant_of(request))
    # The User Groups page's filter summaries, in words: "country = US and language = de".
    return render(request, "crm/inbound_route_list.html",
                  {"rows": [(route, summarize(route.condition)) for route in routes]})


def _campaign_choices(tenant: Tenant) -> list[tuple[int, str]]:
    return list(Campaign.objects.filter(tenant=tenant).order_by("name")
                .values_list("id", "name"))


def _form_page(request: HttpRequest, route: InboundRoute | None) -> HttpResponse:
    tenant = tenant_of(request)
    initial = None if route is None else {
        "name": route.name, "campaign_id": route.campaign_id, "condition": route.condition,
        "is_active": route.is_active}
    form = InboundRouteForm(posted(request), initial=initial,
                            campaigns=_campaign_choices(tenant))
    if request.method == "POST" and form.is_valid():
        try:
            if route is None:
                saved = inbound_route_create(tenant=tenant, **form.cleaned_data)
            else:
                saved = inbound_route_update(tenant=tenant, route_id=route.id,
                                             **form.cleaned_data)
            messages.success(request, f"Inbound route “{saved.name}” saved.")
            return redirect("inbound_route_list")
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
    return render(request, "crm/inbound_route_form.html", {"form": form, "route": route},
                  status=400 if form.errors else 200)


@admin_required
def inbound_route_create_view(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@admin_required
def inbound_route_edit_view(request: HttpRequest, route_id: int) -> HttpResponse:
    return _form_page(request, or_404(inbound_route_get, tenant=tenant_of(request),
                                      route_id=route_id))


@admin_required
@require_POST
def inbound_route_move_view(request: HttpRequest, route_id: int) -> HttpResponse:
    or_404(inbound_route_move, tenant=tenant_of(request), route_id=route_id,
           up=request.POST.get("direction") == "up")
    return redirect("inbound_route_list")


@admin_required
def inbound_route_delete_view(request: HttpRequest, route_id: int) -> HttpResponse:
    tenant = tenant_of(request)
    route = or_404(inbound_route_get, tenant=tenant, route_id=route_id)
    if request.method == "POST":
        inbound_route_delete(tenant=tenant, route_id=route_id)
        messages.success(request, f"Inbound route “{route.name}” deleted.")
        return redirect("inbound_route_list")
    return render(request, "crm/inbound_route_confirm_delete.html", {"route": route})
