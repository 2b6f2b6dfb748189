"""Tenant > Remote Adapter: how Leadflow and the CRM talk, and what waits to be sent."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from leadflow.crm.models import OutboxState
from leadflow.crm.selectors import outbox_recent, outbox_summary
from leadflow.tenants.permissions import admin_required
from leadflow.ui.view_support import tenant_of


@admin_required
def remote_adapter(request: HttpRequest) -> HttpResponse:
    tenant = tenant_of(request)
    state = request.GET.get("state", "")
    if state not in OutboxState.values:
        state = ""  # an unknown filter shows everything rather than failing
    summary = outbox_summary(tenant=tenant)
    return render(request, "crm/remote_adapter.html", {
        "summary": summary,
        "counts": [(value, label, summary.counts[value]) for value, label in OutboxState.choices],
        "messages_shown": outbox_recent(tenant=tenant, state=state),
        "state": state,
        "states": OutboxState.choices,
    })
