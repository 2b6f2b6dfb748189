"""Pages: a campaign's custom fields; helpers shared by the import and DNC pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.views import campaign_or_404
from leadflow.core.errors import DomainError
from leadflow.core.forms import add_service_errors
from leadflow.leads import custom_fields
from leadflow.leads.forms import CustomFieldForm
from leadflow.leads.models import CampaignField
from leadflow.tenants.permissions import manager_required
from leadflow.ui.view_support import or_404, posted, tenant_of

ViewFunc = Callable[..., HttpResponse]




def in_tenant_time(view: ViewFunc) -> ViewFunc:
    """Show date-times, and read the ones typed in forms, in the tenant's time zone."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        if tenant is None:
            return view(request, *args, **kwargs)
        with timezone.override(ZoneInfo(tenant.time_zone)):
            return view(request, *args, **kwargs)

    return wrapped



def _field_or_404(request: HttpRequest, campaign: Campaign, field_id: int) -> CampaignField:
    return or_404(custom_fields.campaign_field_get, tenant=tenant_of(request),
                  campaign=campaign, field_id=field_id)


@manager_required
def custom_field_list(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The campaign's definitions, with the form that adds one."""
    tenant = tenant_of(request)
    campaign = campaign_or_404(request, campaign_id)
    form = CustomFieldForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            created = custom_fields.campaign_field_create(
                tenant=tenant, campaign_id=campaign.id, **form.cleaned_data)
            messages.success(request, f"Custom field “{created.key}” added.")
            return redirect("custom_field_list", campaign.id)
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
    definitions = custom_fields.campaign_fields(tenant=tenant, campaign=campaign)
    return render(request, "leads/custom_field_list.html", {
        "campaign": campaign, "definitions": definitions, "form": form,
    }, status=400 if form.errors else 200)


@manager_required
def custom_field_edit(request: HttpRequest, campaign_id: int, field_id: int) -> HttpResponse:
    tenant = tenant_of(request)
    campaign = campaign_or_404(request, campaign_id)
    definition = _field_or_404(request, campaign, field_id)
    form = CustomFieldForm(posted(request), editing=True, initial={
        "key": definition.key, "label": definition.label, "field_type": definition.field_type})
    if request.method == "POST" and form.is_valid():
        try:
            saved = custom_fields.campaign_field_update(
                tenant=tenant, campaign=campaign, field_id=definition.id,
                label=form.cleaned_data["label"], field_type=form.cleaned_data["field_type"])
            messages.success(request, f"Custom field “{saved.key}” saved.")
            return redirect("custom_field_list", campaign.id)
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
    return render(request, "leads/custom_field_form.html", {
        "campaign": campaign, "definition": definition, "form": form,
    }, status=400 if form.errors else 200)


@manager_required
def custom_field_delete(request: HttpRequest, campaign_id: int, field_id: int) -> HttpResponse:
    campaign = campaign_or_404(request, campaign_id)
    definition = _field_or_404(request, campaign, field_id)
    if request.method == "POST":
        custom_fields.campaign_field_delete(tenant=tenant_of(request), campaign=campaign,
                                            field_id=definition.id)
        messages.success(request, f"Custom field “{definition.key}” deleted. Leads keep "
                                  "their values under that key.")
        return redirect("custom_field_list", campaign.id)
    return render(request, "leads/custom_field_confirm_delete.html",
                  {"campaign": campaign, "definition": definition})
