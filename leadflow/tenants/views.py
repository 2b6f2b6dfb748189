"""Tenant pages: settings, API keys, switching tenant."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from leadflow.core.errors import NotFoundError
from leadflow.core.forms import add_service_errors
from leadflow.tenants import selectors, services
from leadflow.tenants.forms import ApiKeyForm, TenantSettingsForm
from leadflow.tenants.middleware import SESSION_TENANT_KEY
from leadflow.tenants.networks import ip_allowed
from leadflow.tenants.permissions import admin_required
from leadflow.ui.view_support import tenant_of


@admin_required
def tenant_settings(request: HttpRequest) -> HttpResponse:
    tenant = tenant_of(request)
    form = TenantSettingsForm(request.POST or None, instance=tenant)
    if request.method == "POST" and form.is_valid():
        address = request.META.get("REMOTE_ADDR")
        if not ip_allowed(form.instance.login_allowed_ips, address):
            # The list applies from the next request: an admin must not lock out the
            # very session that saves it.
            form.add_error("login_allowed_ips", f"Your own address {address} is not in "
                           "the list: saving it would log you out for good.")
        else:
            services.tenant_update(tenant=tenant,
                                   **{f: form.cleaned_data[f] for f in form.fields})
            messages.success(request, "Tenant settings saved.")
            return redirect("tenant_settings")
    return render(request, "tenants/settings.html", {"form": form},
                  status=400 if form.errors else 200)


@admin_required
def api_key_list(request: HttpRequest) -> HttpResponse:
    tenant = tenant_of(request)
    form = ApiKeyForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            api_key, new_secret = services.api_key_create(
                tenant=tenant, name=form.cleaned_data["name"],
                created_by=request.user if isinstance(request.user, User) else None,
                allowed_ips=form.cleaned_data["allowed_ips"])
            form = ApiKeyForm()
            messages.success(request, f"API key “{api_key.name}” created. Copy it now: "
                                      "it will not be shown again.")
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(request, "tenants/api_keys.html", {
        "form": form, "api_keys": selectors.api_keys_for_tenant(tenant), "new_secret": new_secret,
    }, status=400 if form.errors else 200)


@require_POST
@admin_required
def api_key_revoke(request: HttpRequest, api_key_id: int) -> HttpResponse:
    try:
        api_key = services.api_key_revoke(tenant=tenant_of(request), api_key_id=api_key_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    messages.success(request, f"API key “{api_key.name}” revoked.")
    return redirect("api_key_list")


@require_POST
def tenant_switch(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("tenant_id", "")
    memberships = getattr(request, "all_memberships", [])
    chosen = next((m for m in memberships if str(m.tenant_id) == wanted), None)
    if chosen is None:
        raise Http404("Tenant not found.")
    request.session[SESSION_TENANT_KEY] = chosen.tenant_id
    return redirect("home")
