"""Pages: a campaign's Lead Statuses (list, add, edit, delete) and Lead Status Workflow."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.views import campaign_or_404
from leadflow.core.errors import DomainError
from leadflow.core.forms import add_service_errors
from leadflow.statuses import selectors, services
from leadflow.statuses.forms import PALETTE, StatusDeleteForm, StatusForm, WorkflowGridForm
from leadflow.statuses.models import LeadStatus
from leadflow.statuses.workflow import WorkflowError, workflow_check, workflow_save
from leadflow.tenants.permissions import manager_required
from leadflow.ui.view_support import or_404, posted, tenant_of


def _status_or_404(request: HttpRequest, campaign: Campaign, status_id: int) -> LeadStatus:
    return or_404(selectors.status_get_in_campaign, tenant=tenant_of(request),
                  campaign=campaign, status_id=status_id)


@manager_required
def status_list(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_or_404(request, campaign_id)
    statuses = list(selectors.statuses_for_campaign(tenant=tenant_of(request), campaign=campaign))
    counts = selectors.status_lead_counts(tenant=tenant_of(request), campaign=campaign)
    rows = [(s, counts.get(s.id, 0)) for s in statuses]
    return render(request, "statuses/status_list.html", {"campaign": campaign, "rows": rows})


def _status_form_page(request: HttpRequest, campaign: Campaign,
                      status: LeadStatus | None) -> HttpResponse:
    tenant = tenant_of(request)
    # What the page says about the saved status, before the form changes the instance.
    was_system = status.is_system if status else False
    instance = status or LeadStatus(tenant=tenant, campaign=campaign)
    form = StatusForm(posted(request), instance=instance, tenant=tenant)
    if request.method == "POST" and form.is_valid():
        try:
            if status is None:
                saved = services.status_create(tenant=tenant, campaign_id=campaign.id,
                                               **form.service_fields())
                messages.success(request, f"Status “{saved.name}” added. Tick it in the Lead "
                                          "Status Workflow so agents can choose it.")
            else:
                saved = services.status_update(tenant=tenant, status_id=status.id,
                                               **form.service_fields())
                messages.success(request, f"Status “{saved.name}” saved.")
            return redirect("status_list", campaign.id)
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc, {"api_mapping_id": "api_mapping"})
    return render(request, "statuses/status_form.html", {
        "form": form, "campaign": campaign, "status": status, "was_system": was_system,
        "palette": PALETTE,
    }, status=400 if form.errors else 200)


@manager_required
def status_create(request: HttpRequest, campaign_id: int) -> HttpResponse:
    return _status_form_page(request, campaign_or_404(request, campaign_id), None)


@manager_required
def status_edit(request: HttpRequest, campaign_id: int, status_id: int) -> HttpResponse:
    campaign = campaign_or_404(request, campaign_id)
    return _status_form_page(request, campaign, _status_or_404(request, campaign, status_id))


@manager_required
def status_delete(request: HttpRequest, campaign_id: int, status_id: int) -> HttpResponse:
    tenant = tenant_of(request)
    campaign = campaign_or_404(request, campaign_id)
    status = _status_or_404(request, campaign, status_id)
    lead_count = selectors.status_lead_counts(tenant=tenant, campaign=campaign).get(status.id, 0)
    others = [s for s in selectors.statuses_for_campaign(tenant=tenant, campaign=campaign)
              if s.id != status.id]
    form = StatusDeleteForm(posted(request), others=others, lead_count=lead_count,
                            is_default=status.is_default_for_new_leads)
    if request.method == "POST" and form.is_valid():
        try:
            moved = services.status_delete(
                tenant=tenant, status_id=status.id,
                move_leads_to=form.cleaned_data.get("move_leads_to"),
                new_default_status_id=form.cleaned_data.get("new_default_status_id"))
            moved_text = f"; {moved} lead{'s' if moved != 1 else ''} moved" if moved else ""
            messages.success(request, f"Status “{status.name}” deleted{moved_text}.")
            return redirect("status_list", campaign.id)
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
    return render(request, "statuses/status_confirm_delete.html", {
        "form": form, "campaign": campaign, "status": status, "lead_count": lead_count,
        "can_delete": bool(others) or not (lead_count or status.is_default_for_new_leads),
    }, status=400 if form.errors else 200)


@manager_required
def workflow_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The matrix; one Save replaces the whole grid or, with any bad cell, nothing."""
    tenant = tenant_of(request)
    campaign = campaign_or_404(request, campaign_id)
    statuses = list(selectors.statuses_for_campaign(tenant=tenant, campaign=campaign))
    if request.method == "POST":
        grid = WorkflowGridForm(statuses=statuses, data=request.POST)
        if grid.is_valid():
            try:
                saved = workflow_save(tenant=tenant, campaign_id=campaign.id,
                                      transitions=grid.specs)
                messages.success(request, f"Workflow saved: {len(saved)} allowed "
                                          f"transition{'s' if len(saved) != 1 else ''}.")
                return redirect("workflow_edit", campaign.id)
            except WorkflowError as exc:
                grid.add_cell_errors(exc.cells)
        else:
            # Typing errors found; show the range errors of the other cells at once too.
            grid.add_cell_errors(workflow_check(tenant=tenant, campaign=campaign,
                                                transitions=grid.specs))
    else:
        grid = WorkflowGridForm(statuses=statuses, transitions=selectors.workflow_transitions(
            tenant=tenant, campaign=campaign))
    return render(request, "statuses/workflow.html", {"campaign": campaign, "grid": grid},
                  status=400 if grid.has_errors else 200)
