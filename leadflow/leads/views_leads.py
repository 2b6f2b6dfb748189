"""Pages: the back-office Leads search and one lead's detail (fields, "Dialable now?",
history). Admins and supervisors only; both see full phone numbers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from leadflow.core import clock
from leadflow.dialing.eligibility import Reason, lead_eligibility
from leadflow.leads.forms_search import LeadSearchForm
from leadflow.leads.models import Lead
from leadflow.leads.selectors_search import (
    HISTORY_LIMIT,
    event_changes,
    lead_get,
    lead_history,
    leads_search,
)
from leadflow.leads.views import in_tenant_time
from leadflow.tenants.permissions import manager_required
from leadflow.ui.view_support import or_404, tenant_of

# Each eligibility reason as a sentence for the "Dialable now?" answer.
REASON_SENTENCES: dict[Reason, str] = {
    Reason.CAMPAIGN_DISABLED: "Its campaign is disabled.",
    Reason.STATUS_NOT_DIALABLE: "Its status is not a dialable one.",
    Reason.FROZEN: "It is frozen until the time shown above.",
    Reason.DNC: "Its number is on the do-not-call list (or the lead is blacklisted).",
    Reason.OUTSIDE_CALLING_HOURS: "It is outside calling hours in the lead's time zone "
                                  "(the campaign's hours, calling rules and holidays).",
    Reason.CALLBACK_NOT_DUE: "It has a callback that is not due yet.",
    Reason.ATTEMPTS_TODAY: "It has reached the campaign's attempts per day.",
    Reason.ATTEMPTS_TOTAL: "It has reached the campaign's total attempts.",
    Reason.MIN_GAP: "It was called too recently (the campaign's minimum gap between calls).",
    Reason.LEASED: "It is handed out to an agent right now.",
    Reason.ASSIGNED_TO_OTHER: "It is assigned to an agent: only that agent gets it.",
}


@manager_required
@in_tenant_time
def lead_search(request: HttpRequest) -> HttpResponse:
    """GET only: the form is always bound (an empty query string is the newest leads)."""
    tenant = tenant_of(request)
    form = LeadSearchForm(request.GET, tenant=tenant)
    search = form.search(request.GET.get("before"))
    now = clock.now()
    page = leads_search(tenant=tenant, search=search, at=now)
    next_url = newest_url = ""
    if page.next_before is not None:
        params = request.GET.copy()
        params["before"] = str(page.next_before)
        next_url = f"?{params.urlencode()}"
    if search.before is not None:
        params = request.GET.copy()
        params.pop("before", None)
        newest_url = f"?{params.urlencode()}"
    return render(request, "leads/lead_search.html", {
        "form": form, "leads": page.leads, "now": now, "next_url": next_url,
        "newest_url": newest_url, "campaign_chosen": form.campaign_id is not None,
        "filtered": any(v for k, v in request.GET.items() if k != "before"),
    })


@manager_required
@in_tenant_time
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    tenant = tenant_of(request)
    lead = or_404(lead_get, tenant=tenant, lead_id=lead_id)
    now = clock.now()
    reasons = lead_eligibility(lead, at=now)
    history = lead_history(tenant=tenant, lead=lead)
    return render(request, "leads/lead_detail.html", {
        "lead": lead, "campaign": lead.campaign, "now": now,
        "zones": lead.zone_set.zone_names if lead.zone_set else [],
        "callback_in_zone": _in_zone(lead.callback_at, lead.callback_zone),
        "custom_fields": sorted((lead.custom_fields or {}).items()),
        "reasons": [REASON_SENTENCES[r] for r in reasons],
        "reason_codes": [r.value for r in reasons],
        "events": [(e, event_changes(e, history.status_names)) for e in history.events],
        "calls": history.calls, "more_events": history.more_events,
        "more_calls": history.more_calls, "history_limit": HISTORY_LIMIT,
        "leased": _leased(lead, now),
    })


def _leased(lead: Lead, now: datetime) -> bool:
    return lead.lease_expires_at is not None and lead.lease_expires_at > now


def _in_zone(moment: datetime | None, zone: str) -> str:
    """``moment`` as a wall-clock time in the zone a callback was chosen in ("" when there
    is no time or the zone is unknown here: the page then shows the tenant's time only).

    Formatted here because the template's ``date`` filter would convert any datetime
    back to the tenant's zone."""
    if moment is None or not zone:
        return ""
    try:
        return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
    except (ZoneInfoNotFoundError, ValueError):
        return ""
