"""Pages: the tenant's CRM status mappings, and the *Lead Statuses API Mapping* page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from leadflow.core.errors import DomainError
from leadflow.core.forms import add_service_errors
from leadflow.statuses import selectors, services
from leadflow.statuses.forms import ApiMappingForm, StatusMappingForm
from leadflow.statuses.models import StatusApiMapping
from leadflow.tenants.permissions import manager_required
from leadflow.ui.view_support import or_404, posted, tenant_of


def _mapping_or_404(request: HttpRequest, mapping_id: int) -> StatusApiMapping:
    return or_404(selectors.api_mapping_get, tenant=tenant_of(request), mapping_id=mapping_id)


@manager_required
def status_api_mapping(request: HttpRequest) -> HttpResponse:
    """Every campaign status with its colour and CRM mapping, each with Edit."""
    table = selectors.status_mapping_table(tenant=tenant_of(request))
    return render(request, "statuses/status_api_mapping.html", {"table": table})


@manager_required
def status_api_mapping_edit(request: HttpRequest, status_id: int) -> HttpResponse:
    tenant = tenant_of(request)
    status = or_404(selectors.status_get, tenant=tenant, status_id=status_id)
    form = StatusMappingForm(posted(request), tenant=tenant,
                             initial={"api_mapping": status.api_mapping_id})
    if request.method == "POST" and form.is_valid():
        mapping = form.cleaned_data["api_mapping"]
        try:
            services.status_set_api_mapping(tenant=tenant, status_id=status.id,
                                            api_mapping_id=mapping.id if mapping else None)
            messages.success(request, f"“{status.name}” of “{status.campaign.name}” is now "
                                      f"mapped to {mapping.code if mapping else 'nothing'}.")
            return redirect("status_api_mapping")
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc, {"api_mapping_id": "api_mapping"})
    return render(request, "statuses/status_api_mapping_edit.html",
                  {"form": form, "status": status}, status=400 if form.errors else 200)


@manager_required
def api_mapping_list(request: HttpRequest) -> HttpResponse:
    mappings = selectors.api_mappings_for_tenant(tenant_of(request))
    return render(request, "statuses/api_mapping_list.html", {"mappings": mappings})


def _mapping_form_page(request: HttpRequest, mapping: StatusApiMapping | None) -> HttpResponse:
    tenant = tenant_of(request)
    form = ApiMappingForm(posted(request),
                          instance=mapping or StatusApiMapping(tenant=tenant))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if mapping is None:
                saved = services.api_mapping_create(tenant=tenant, code=data["code"],
                                                    description=data["description"])
                messages.success(request, f"CRM status mapping “{saved.code}” created.")
            else:
                saved = services.api_mapping_update(tenant=tenant, mapping_id=mapping.id,
                                                    code=data["code"],
                                                    description=data["description"])
                messages.success(request, f"CRM status mapping “{saved.code}” saved.")
            return redirect("api_mapping_list")
        except (ValidationError, DomainError) as exc:
            add_service_errors(form, exc)
    return render(request, "statuses/api_mapping_form.html", {"form": form, "mapping": mapping},
                  status=400 if form.errors else 200)


@manager_required
def api_mapping_create(request: HttpRequest) -> HttpResponse:
    return _mapping_form_page(request, None)


@manager_required
def api_mapping_edit(request: HttpRequest, mapping_id: int) -> HttpResponse:
    return _mapping_form_page(request, _mapping_or_404(request, mapping_id))


@manager_required
def api_mapping_delete(request: HttpRequest, mapping_id: int) -> HttpResponse:
    mapping = _mapping_or_404(request, mapping_id)
    if request.method == "POST":
        unmapped = services.api_mapping_delete(tenant=tenant_of(request), mapping_id=mapping.id)
        messages.success(request, f"CRM status mapping “{mapping.code}” deleted; {unmapped} "
                                  f"status{'es' if unmapped != 1 else ''} now without mapping.")
        return redirect("api_mapping_list")
    return render(request, "statuses/api_mapping_confirm_delete.html",
                  {"mapping": mapping, "status_count": mapping.statuses.count()})
