"""The campaign statistics pages (admins and supervisors): Stats by Leads, Call Backs
Stats and a day's future callbacks per agent. Thin: one selector each."""

from __future__ import annotations

from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from leadflow.core import clock
from leadflow.stats import selectors
from leadflow.tenants.permissions import manager_required
from leadflow.ui.view_support import or_404, tenant_of


@manager_required
def stats_by_leads(request: HttpRequest, campaign_id: int) -> HttpResponse:
    stats = or_404(selectors.lead_stats, tenant=tenant_of(request), campaign_id=campaign_id,
                   at=clock.now())
    return render(request, "stats/lead_stats.html", {"campaign": stats.campaign, "stats": stats})


@manager_required
def callback_stats(request: HttpRequest, campaign_id: int) -> HttpResponse:
    stats = or_404(selectors.callback_days, tenant=tenant_of(request), campaign_id=campaign_id,
                   at=clock.now())
    return render(request, "stats/callback_stats.html",
                  {"campaign": stats.campaign, "stats": stats})


@manager_required
def callback_stats_day(request: HttpRequest, campaign_id: int, day: date) -> HttpResponse:
    """``day`` comes from the URL's date converter (an impossible date never gets here);
    ``?agent=<user id>`` narrows the list to one agent."""
    agent = request.GET.get("agent", "")
    try:
        agent_id = int(agent) if agent else None
    except ValueError:
        raise Http404("No such agent.") from None
    listing = or_404(selectors.callbacks_for_day, tenant=tenant_of(request),
                     campaign_id=campaign_id, day=day, at=clock.now(), agent_id=agent_id)
    return render(request, "stats/callback_stats_day.html",
                  {"campaign": listing.campaign, "listing": listing})
