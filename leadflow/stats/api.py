"""Campaign statistics as JSON: Stats by Leads and Call Backs Stats (admins, supervisors
and API keys, like the rest of the back-office API; another tenant's campaign is 404)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Router

from leadflow.api.auth import request_tenant
from leadflow.core import clock
from leadflow.stats import selectors
from leadflow.stats.schemas import CallbackDayListOut, CallbackDaysOut, LeadStatsOut

router = Router(tags=["stats"])


@router.get("/campaigns/{campaign_id}/lead-stats", response=LeadStatsOut)
def lead_stats(request: HttpRequest, campaign_id: int) -> selectors.LeadStats:
    """Quick figures about the campaign's leads now: totals and breakdowns."""
    return selectors.lead_stats(tenant=request_tenant(request), campaign_id=campaign_id,
                                at=clock.now())


@router.get("/campaigns/{campaign_id}/callback-stats", response=CallbackDaysOut)
def callback_stats(request: HttpRequest, campaign_id: int) -> selectors.CallbackDays:
    """Personal callbacks per day (tenant zone) from today on, and the overdue ones."""
    return selectors.callback_days(tenant=request_tenant(request), campaign_id=campaign_id,
                                   at=clock.now())


@router.get("/campaigns/{campaign_id}/callback-stats/{day}", response=CallbackDayListOut)
def callback_stats_day(request: HttpRequest, campaign_id: int, day: date,
                       agent: int | None = None) -> selectors.CallbackDayList:
    """The day's future personal callbacks by agent; ``agent`` narrows to one (a user id
    of the tenant). A malformed day is refused by the schema (422)."""
    return selectors.callbacks_for_day(tenant=request_tenant(request), campaign_id=campaign_id,
                                       day=day, at=clock.now(), agent_id=agent)
