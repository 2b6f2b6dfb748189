"""Landing pages: the home redirect and the agent's workspace entry."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

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
    return render(request, "ui/workspace.html")
