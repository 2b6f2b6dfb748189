"""The availability breakdown page (and its htmx fragment on All Campaigns)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from leadflow.campaigns.selectors import campaign_get
from leadflow.core import clock
from leadflow.core.errors import NotFoundError
from leadflow.dialing.eligibility import Reason, eligibility_breakdown
from leadflow.tenants.permissions import manager_required

REASON_LABELS = {
    Reason.CAMPAIGN_DISABLED: "Campaign disabled",
    Reason.STATUS_NOT_DIALABLE: "Status not dialable",
    Reason.FROZEN: "Frozen",
    Reason.DNC: "Do not call",
    Reason.OUTSIDE_CALLING_HOURS: "Outside calling hours",
    Reason.CALLBACK_NOT_DUE: "Callback not yet due",
    Reason.ATTEMPTS_TODAY: "Attempts per day reached",
    Reason.ATTEMPTS_TOTAL: "Total attempts reached",
    Reason.MIN_GAP: "Too soon since the last call",
    Reason.LEASED: "Handed to an agent now",
    Reason.ASSIGNED_TO_OTHER: "Assigned to an agent",
}


@manager_required
def campaign_availability(request: HttpRequest, campaign_id: int) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    try:
        campaign = campaign_get(tenant=tenant, campaign_id=campaign_id)
    except NotFoundError as exc:
        raise Http404(str(exc)) from exc
    counts = eligibility_breakdown(tenant=tenant, campaign=campaign, at=clock.now())
    rows = [(label, counts.get(reason.value, 0)) for reason, label in REASON_LABELS.items()]
    template = ("dialing/_availability.html" if request.headers.get("HX-Request")
                else "dialing/availability.html")
    return render(request, template, {"campaign": campaign, "total": counts["total"],
                                      "available": counts["available"], "rows": rows})
