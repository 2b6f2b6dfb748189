"""Pages: All Campaigns, campaign create/edit/toggle/delete, Campaign Groups."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from leadflow.campaigns import selectors, services
from leadflow.campaigns.forms import CampaignForm, CampaignGroupForm
from leadflow.campaigns.models import Campaign
from leadflow.core.errors import DomainError
from leadflow.core.forms import add_service_errors
from leadflow.leads.models import Lead
from leadflow.tenants.permissions import manager_required
from leadflow.ui.view_support import or_404, tenant_of


def campaign_or_404(request: HttpRequest, campaign_id: int) -> Campaign:
    """The tenant's campaign, or the page's 404 (other tenants' ids included)."""
    return or_404(selectors.campaign_get, tenant=tenant_of(request), campaign_id=campaign_id)


@manager_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    sections = selectors.campaign_table(tenant=tenant_of(request))
    return render(request, "campaigns/campaign_list.html", {"sections": sections})


def _campaign_form_page(request: HttpRequest, campaign: Campaign | None) -> HttpResponse:
    tenant = tenant_of(request)
    instance = campaign or Campaign(tenant=tenant, time_zone=tenant.time_zone,
                                    mask_phones=tenant.mask_phones, mask_show=tenant.mask_show,
                                    mask_digits=tenant.mask_digits)
    form = CampaignForm(request.POST or None, instance=instance, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        try:
            if campaign is None:
                saved = services.campaign_create(tenant=tenant, **form.service_fields())
                messages.success(request, f"Campaign “{saved.name}” created.")
            else:
                saved = services.campaign_update(tenant=tenant, campaign_id=campaign.id,
                                                 **form.service_fields())
                messages.success(request, f"Campaign “{saved.name}” saved.")
            return redirect("campaign_list")
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc, {"group_id": "group",
                                           "calling_hours": "hours_mon_start",
                                           "caller_id_pool": "caller_id_pool_text"})
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign},
                  status=400 if form.errors else 200)


@manager_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    return _campaign_form_page(request, None)


@manager_required
def campaign_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _campaign_form_page(request, campaign_or_404(request, campaign_id))


@require_POST
@manager_required
def campaign_toggle(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Activate or disable; htmx gets the re-rendered row, a plain form a redirect."""
    campaign = campaign_or_404(request, campaign_id)
    campaign = services.campaign_set_active(tenant=tenant_of(request), campaign_id=campaign.id,
                                            is_active=not campaign.is_active)
    state = "activated" if campaign.is_active else "disabled"
    if request.headers.get("HX-Request"):
        figures = selectors.campaign_figures(tenant=tenant_of(request), campaigns=[campaign])
        return render(request, "campaigns/_campaign_row.html", {"row": figures[campaign.id]})
    messages.success(request, f"Campaign “{campaign.name}” {state}.")
    return redirect("campaign_list")


@manager_required
def campaign_delete(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_or_404(request, campaign_id)
    if request.method == "POST":
        deleted = services.campaign_delete(tenant=tenant_of(request), campaign_id=campaign.id)
        messages.success(request, f"Campaign “{campaign.name}” deleted with {deleted} leads.")
        return redirect("campaign_list")
    lead_count = Lead.objects.filter(tenant=tenant_of(request), campaign=campaign).count()
    return render(request, "campaigns/campaign_confirm_delete.html",
                  {"campaign": campaign, "lead_count": lead_count})


@manager_required
def group_list(request: HttpRequest) -> HttpResponse:
    groups = selectors.campaign_groups_for_tenant(tenant_of(request))
    ungrouped = Campaign.objects.filter(tenant=tenant_of(request), group__isnull=True).count()
    return render(request, "campaigns/group_list.html", {"groups": groups, "ungrouped": ungrouped})


def _group_form_page(request: HttpRequest, group_id: int | None) -> HttpResponse:
    tenant = tenant_of(request)
    group = None
    initial = {}
    if group_id is not None:
        group = or_404(selectors.campaign_group_get, tenant=tenant, group_id=group_id)
        initial = {"name": group.name, "description": group.description,
                   "campaign_ids": list(group.campaigns.values_list("id", flat=True))}
    form = CampaignGroupForm(request.POST or None, initial=initial, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if group is None:
                group = services.campaign_group_create(
                    tenant=tenant, name=data["name"], description=data["description"],
                    campaign_ids=data["campaign_ids"])
                messages.success(request, f"Campaign group “{group.name}” created.")
            else:
                group = services.campaign_group_update(
                    tenant=tenant, group_id=group.id, name=data["name"],
                    description=data["description"], campaign_ids=data["campaign_ids"])
                messages.success(request, f"Campaign group “{group.name}” saved.")
            return redirect("group_list")
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
    # Re-shown after an error: a tampered value ("abc") is simply not selected, not a 500.
    selected = {int(v) for v in (form["campaign_ids"].value() or [])
                if isinstance(v, int) or str(v).isdecimal()}
    return render(request, "campaigns/group_form.html", {
        "form": form, "group": group, "campaigns": form.campaigns, "selected": selected,
    }, status=400 if form.errors else 200)


@manager_required
def group_create(request: HttpRequest) -> HttpResponse:
    return _group_form_page(request, None)


@manager_required
def group_edit(request: HttpRequest, group_id: int) -> HttpResponse:
    return _group_form_page(request, group_id)


@manager_required
def group_delete(request: HttpRequest, group_id: int) -> HttpResponse:
    tenant = tenant_of(request)
    group = or_404(selectors.campaign_group_get, tenant=tenant, group_id=group_id)
    if request.method == "POST":
        moved = services.campaign_group_delete(tenant=tenant, group_id=group.id)
        messages.success(request, f"Campaign group “{group.name}” deleted; {moved} campaign(s) "
                                  "are now without a group.")
        return redirect("group_list")
    return render(request, "campaigns/group_confirm_delete.html",
                  {"group": group, "campaign_count": group.campaigns.count()})
