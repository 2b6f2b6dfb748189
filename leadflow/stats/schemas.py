"""API schemas of the campaign statistics.

The selectors' records are plain dataclasses, which pydantic validates and documents as
they are: only the top-level answers need a schema of their own, to turn the campaign
into its id (and the overdue pair into an object).
"""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema

from leadflow.stats.abandonment import AbandonmentWindow
from leadflow.stats.selectors import (
    AgentCallbacks,
    CallbackDay,
    CallbackDayList,
    CallbackDays,
    LeadStats,
    LeadTotals,
    Share,
    StatusShare,
)


class LeadStatsOut(Schema):
    campaign_id: int
    at: datetime  # with the tenant zone's offset
    totals: LeadTotals
    by_status: list[StatusShare]
    by_attempts: list[Share]
    by_age: list[Share]
    by_tz_source: list[Share]
    by_country: list[Share]
    abandonment: list[AbandonmentWindow]

    @staticmethod
    def resolve_campaign_id(obj: LeadStats) -> int:
        return obj.campaign.id


class OverdueOut(Schema):
    callbacks: int
    agents: int


class CallbackDaysOut(Schema):
    campaign_id: int
    time_zone: str
    today: date
    overdue: OverdueOut
    days: list[CallbackDay]

    @staticmethod
    def resolve_campaign_id(obj: CallbackDays) -> int:
        return obj.campaign.id

    @staticmethod
    def resolve_overdue(obj: CallbackDays) -> dict[str, int]:
        return {"callbacks": obj.overdue_callbacks, "agents": obj.overdue_agents}


class CallbackDayListOut(Schema):
    """Each entry's ``callback_at`` carries the tenant zone's offset, ``callback_at_lead``
    the offset of its ``callback_zone``; phones are masked per the campaign's settings."""

    campaign_id: int
    time_zone: str
    day: date
    agent_id: int | None
    agents: list[AgentCallbacks]

    @staticmethod
    def resolve_campaign_id(obj: CallbackDayList) -> int:
        return obj.campaign.id
