"""Landing pages: the home redirect and the agent's workspace entry."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from leadflow.routing.workspace import workspace_context
from leadflow.tenants.permissions import member_required


@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = getattr(request, "membership", None)
    if membership is None:
        return render(request, "ui/no_membership.html", status=403)
    if membership.can_manage_campaigns:
        return redirect("campaign_list")
    return redirect("workspace")


@member_required
def workspace(request: HttpRequest) -> HttpResponse:
    """The agent's page; ``?fragment=callbacks`` answers just "My future callbacks"."""
    context = workspace_context(tenant=request.tenant,  # type: ignore[attr-defined]
                                agent=request.user, now=timezone.now())
    if request.GET.get("fragment") == "callbacks":
        return render(request, "ui/_workspace_callbacks.html", context)
    return render(request, "ui/workspace.html", context)
