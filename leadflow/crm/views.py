"""Tenant > Remote Adapter: how Leadflow and the CRM talk, and what waits to be sent."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from leadflow.core.forms import add_service_errors
from leadflow.crm.forms import RemoteAdapterForm
from leadflow.crm.models import OutboxState
from leadflow.crm.selectors import outbox_recent, outbox_summary
from leadflow.crm.services import (
    outbox_retry_failed,
    remote_adapter_ensure,
    remote_adapter_rotate_secret,
    remote_adapter_update,
)
from leadflow.crm.tasks import outbox_deliver_now_task
from leadflow.tenants.permissions import admin_required
from leadflow.ui.view_support import tenant_of


def _act(request: HttpRequest, action: str) -> str | None:
    """Carry out one of the page's buttons; returns the message to show, or None when
    the action is unknown."""
    tenant = tenant_of(request)
    if action == "rotate":
        remote_adapter_rotate_secret(tenant=tenant)
        return "A new signing secret is in use: give it to the CRM."
    if action == "retry_failed":
        return f"{outbox_retry_failed(tenant=tenant)} failed message(s) queued again."
    if action == "send_now":
        # On commit: the worker must see what this request wrote (nothing here, but the
        # rule holds for every enqueue in Leadflow).
        transaction.on_commit(lambda: outbox_deliver_now_task(tenant.id))
        return "Delivery started; refresh to see the outcome."
    return None


@admin_required
def remote_adapter(request: HttpRequest) -> HttpResponse:
    tenant = tenant_of(request)
    adapter = remote_adapter_ensure(tenant=tenant)
    form = RemoteAdapterForm(initial={"webhook_url": adapter.webhook_url,
                                      "is_active": adapter.is_active,
                                      "timeout_seconds": adapter.timeout_seconds})
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action != "save":
            done = _act(request, action)
            if done:
                messages.success(request, done)
            return redirect("remote_adapter")
        form = RemoteAdapterForm(request.POST)
        if form.is_valid():
            try:
                remote_adapter_update(tenant=tenant, **form.cleaned_data)
                messages.success(request, "Remote adapter saved.")
                return redirect("remote_adapter")
            except ValidationError as exc:
                add_service_errors(form, exc)
    state = request.GET.get("state", "")
    if state not in OutboxState.values:
        state = ""  # an unknown filter shows everything rather than failing
    summary = outbox_summary(tenant=tenant)
    return render(request, "crm/remote_adapter.html", {
        "adapter": adapter, "form": form, "summary": summary, "state": state,
        "counts": [(value, label, summary.counts[value]) for value, label in OutboxState.choices],
        "messages_shown": outbox_recent(tenant=tenant, state=state),
        "states": OutboxState.choices,
    }, status=400 if form.errors else 200)
