"""Reads behind a campaign's Stats by Leads and Call Backs Stats (pages and API).

Every figure is counted by the database (grouped and conditional counts); Python only
folds the grouped rows — a few hundred at most, whatever the number of leads — and
never walks the leads themselves. The one list of leads here, a day's callbacks, is
the page's content and is read through the small partial index of callbacks.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Case, Count, DateField, Q, QuerySet, Sum, When
from django.db.models.functions import TruncDate

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.selectors import StatusCount, campaign_get
from leadflow.core.errors import NotFoundError
from leadflow.dialing.api import mask_phone
from leadflow.dialing.eligibility import campaign_context, eligible_q
from leadflow.leads.models import CallbackKind, Lead, TimeZoneSource
from leadflow.stats.abandonment import AbandonmentWindow, abandonment
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Membership, Tenant

# --- Stats by Leads -----------------------------------------------------------------------

# Breakdown buckets as (key, label, from, to): from inclusive, to exclusive, None = open.
Bucket = tuple[str, str, int, int | None]
ATTEMPT_BUCKETS: tuple[Bucket, ...] = (
    ("0", "0", 0, 1), ("1", "1", 1, 2), ("2", "2", 2, 3), ("3", "3", 3, 4), ("4", "4", 4, 5),
    ("5-9", "5–9", 5, 10), ("10+", "10+", 10, None),
)
# Age in whole days since Lead.created_at, counted like the workflow's time exclusions
# (docs/architecture.md "Day counting"): the first 24 hours are day 0.
AGE_BUCKETS: tuple[Bucket, ...] = (
    ("today", "Today (< 24 h)", 0, 1), ("1-7", "1–7 days", 1, 8),
    ("8-30", "8–30 days", 8, 31), ("older", "Older", 31, None),
)
TOP_COUNTRIES = 10


@dataclass(frozen=True)
class Share:
    """One line of a breakdown: its count and its share (%) of all the campaign's leads."""

    key: str
    label: str
    count: int
    share: float


@dataclass(frozen=True)
class StatusShare:
    status_id: int | None  # None: leads without a status
    name: str
    color: str
    count: int
    share: float
    avg_attempts: float | None  # None when the status has no leads


@dataclass(frozen=True)
class LeadTotals:
    leads: int
    available: int
    frozen: int
    blacklisted: int
    assigned: int
    leased: int
    personal_callbacks_due: int
    personal_callbacks_later: int
    general_callbacks_due: int
    general_callbacks_later: int
    never_called: int


@dataclass(frozen=True)
class LeadStats:
    campaign: Campaign
    at: datetime  # the moment counted, in the tenant's zone
    totals: LeadTotals
    by_status: list[StatusShare]
    by_attempts: list[Share]
    by_age: list[Share]
    by_tz_source: list[Share]
    by_country: list[Share]  # the top ten, then "Other countries" when there are more
    abandonment: list[AbandonmentWindow]  # the regulated abandoned-call rate, per window


def _percent(count: int, total: int) -> float:
    return round(100 * count / total, 1) if total else 0.0


def _range_q(field: str, low: int | None, high: int | None) -> Q:
    """``low <= field < high``; None leaves that side open."""
    q = Q()
    if low is not None:
        q &= Q(**{f"{field}__gte": low})
    if high is not None:
        q &= Q(**{f"{field}__lt": high})
    return q


def _age_q(at: datetime, from_days: int, to_days: int | None) -> Q:
    # Age >= N days means created at or before at − N days. Day 0 has no lower bound,
    # so a lead stamped a little in the future (clock skew) still counts as today's.
    q = Q(created_at__gt=at - timedelta(days=to_days)) if to_days is not None else Q()
    if from_days:
        q &= Q(created_at__lte=at - timedelta(days=from_days))
    return q


def _lead_counts(campaign: Campaign, undialable: list[int], at: datetime) -> dict[str, Any]:
    """The conditional counts taken in every (status, zone source, country) group."""
    ctx = campaign_context(campaign, undialable=undialable)
    personal = Q(callback_kind=CallbackKind.PERSONAL)
    general = Q(callback_kind=CallbackKind.GENERAL)
    due, later = Q(callback_at__lte=at), Q(callback_at__gt=at)
    counts: dict[str, Any] = {
        "leads": Count("id"),
        # The dialing eligibility itself, the claim's test, trusting the DNC flag as All
        # Campaigns' column does (the same figure): probing the list on every row cost
        # ~0.8 s per million leads.
        "available": Count("id", filter=eligible_q(campaign, at, ctx=ctx, probe_dnc=False)),
        "frozen": Count("id", filter=Q(frozen_until__gt=at)),
        "blacklisted": Count("id", filter=Q(is_blacklisted=True)),
        "assigned": Count("id", filter=Q(assigned_agent__isnull=False)),
        # An expired lease is a free lead (the pool takes it back without a sweep).
        "leased": Count("id", filter=Q(lease_expires_at__gt=at)),
        "personal_callbacks_due": Count("id", filter=personal & due),
        "personal_callbacks_later": Count("id", filter=personal & later),
        "general_callbacks_due": Count("id", filter=general & due),
        "general_callbacks_later": Count("id", filter=general & later),
        # Every call stamps last_call_at; attempts can be reset by a rule, so it is not
        # the test of "never called".
        "never_called": Count("id", filter=Q(last_call_at__isnull=True)),
        "attempts_sum": Sum("attempts"),
    }
    # Aliases by position: the keys hold characters SQL aliases may not.
    for index, (_, _, low, high) in enumerate(ATTEMPT_BUCKETS):
        counts[f"attempts_{index}"] = Count("id", filter=_range_q("attempts", low, high))
    for index, (_, _, from_days, to_days) in enumerate(AGE_BUCKETS):
        counts[f"age_{index}"] = Count("id", filter=_age_q(at, from_days, to_days))
    return counts


def _bucket_shares(buckets: tuple[Bucket, ...], prefix: str, totals: dict[str, int],
                   total: int) -> list[Share]:
    return [Share(key=key, label=label, count=totals[f"{prefix}_{index}"],
                  share=_percent(totals[f"{prefix}_{index}"], total))
            for index, (key, label, _, _) in enumerate(buckets)]


def lead_stats(*, tenant: Tenant, campaign_id: int, at: datetime) -> LeadStats:
    """Quick figures about a campaign's leads at ``at``.

    One grouped query reads the campaign's leads once: per (status, zone source,
    country) group, all the conditional counts at once. The groups are few (statuses ×
    5 sources × countries), and folding them gives the totals and every breakdown.
    The other queries are small: the campaign, its statuses, and what the calling-hours
    test needs (zone sets, calling rules, holidays).
    """
    campaign = campaign_get(tenant=tenant, campaign_id=campaign_id)
    statuses = list(LeadStatus.objects.filter(tenant=tenant, campaign=campaign)
                    .only("id", "name", "color", "position", "is_dialable")
                    .order_by("position", "id"))
    undialable = [s.id for s in statuses if not s.is_dialable]
    counts = _lead_counts(campaign, undialable, at)
    rows = (Lead.objects.filter(tenant=tenant, campaign=campaign)
            .values("status_id", "tz_source", "country").annotate(**counts).order_by())

    totals: dict[str, int] = defaultdict(int)
    per_status: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])  # leads, attempts
    per_source: dict[str, int] = defaultdict(int)
    per_country: dict[str, int] = defaultdict(int)
    for row in rows:
        for key in counts:
            totals[key] += row[key] or 0
        per_status[row["status_id"]][0] += row["leads"]
        per_status[row["status_id"]][1] += row["attempts_sum"] or 0
        per_source[row["tz_source"]] += row["leads"]
        per_country[row["country"]] += row["leads"]

    total = totals["leads"]
    return LeadStats(
        campaign=campaign,
        at=at.astimezone(ZoneInfo(tenant.time_zone)),
        totals=LeadTotals(**{f.name: totals[f.name] for f in fields(LeadTotals)}),
        by_status=_status_shares(statuses, per_status, total),
        by_attempts=_bucket_shares(ATTEMPT_BUCKETS, "attempts", totals, total),
        by_age=_bucket_shares(AGE_BUCKETS, "age", totals, total),
        by_tz_source=_source_shares(per_source, total),
        by_country=_country_shares(per_country, total),
        abandonment=abandonment(campaign=campaign, at=at),
    )


def _status_shares(statuses: list[LeadStatus], per_status: dict[int | None, list[int]],
                   total: int) -> list[StatusShare]:
    """Every status of the campaign in its order (empty ones too, as on the status list),
    then leads without a status if there are any."""
    shown: list[LeadStatus | None] = list(statuses)
    if None in per_status:
        shown.append(None)
    shares = []
    for status in shown:
        key = status.id if status is not None else None
        count, attempts = per_status.get(key, (0, 0))
        # StatusCount names and colours "(no status)" as All Campaigns' chips do.
        chip = StatusCount.of(status, count)
        shares.append(StatusShare(
            status_id=key, name=chip.name, color=chip.color, count=count,
            share=_percent(count, total),
            avg_attempts=round(attempts / count, 2) if count else None))
    return shares


def _source_shares(per_source: dict[str, int], total: int) -> list[Share]:
    """Every zone source in the order intake tries them, then any value it no longer knows."""
    keys = [*TimeZoneSource.values, *sorted(set(per_source) - set(TimeZoneSource.values))]
    labels = dict(TimeZoneSource.choices)
    return [Share(key=key, label=labels.get(key, key), count=per_source.get(key, 0),
                  share=_percent(per_source.get(key, 0), total)) for key in keys]


def _country_shares(per_country: dict[str, int], total: int) -> list[Share]:
    ranked = sorted(per_country.items(), key=lambda item: (-item[1], item[0]))
    shares = [Share(key=code, label=code or "(unknown)", count=n, share=_percent(n, total))
              for code, n in ranked[:TOP_COUNTRIES]]
    rest = sum(n for _, n in ranked[TOP_COUNTRIES:])
    if rest:
        shares.append(Share(key="other", label="Other countries", count=rest,
                            share=_percent(rest, total)))
    return shares


# --- Call Backs Stats ----------------------------------------------------------------------

def _personal_callbacks(tenant: Tenant, campaign: Campaign) -> QuerySet[Lead]:
    """The campaign's personal callbacks (meetings): scheduled, for one agent. General
    callbacks (any agent) are not meetings and never count here."""
    return Lead.objects.filter(tenant=tenant, campaign=campaign,
                               callback_kind=CallbackKind.PERSONAL, callback_at__isnull=False)


@dataclass(frozen=True)
class CallbackDay:
    day: date  # in the tenant's zone
    callbacks: int
    agents: int  # distinct agents holding them


@dataclass(frozen=True)
class CallbackDays:
    campaign: Campaign
    time_zone: str
    today: date
    overdue_callbacks: int  # time already past, callback still set
    overdue_agents: int
    days: list[CallbackDay]  # today onward, days without callbacks left out


def callback_days(*, tenant: Tenant, campaign_id: int, at: datetime) -> CallbackDays:
    """Personal callbacks per day from ``at`` on, in the tenant's zone, and the overdue ones.

    One GROUP BY: the group key is the callback's date in the tenant's zone, or NULL
    when its time has passed (the overdue line), so a callback earlier today that is
    already due counts as overdue, not under today. ``TruncDate(tzinfo=)`` is
    ``AT TIME ZONE`` on PostgreSQL and Django's own date function on SQLite.
    """
    campaign = campaign_get(tenant=tenant, campaign_id=campaign_id)
    zone = ZoneInfo(tenant.time_zone)
    rows = (_personal_callbacks(tenant, campaign)
            .annotate(day=Case(When(callback_at__gt=at,
                                    then=TruncDate("callback_at", tzinfo=zone)),
                               default=None, output_field=DateField()))
            .values("day")
            .annotate(callbacks=Count("id"), agents=Count("assigned_agent", distinct=True))
            .order_by())
    overdue = {"callbacks": 0, "agents": 0}
    days: list[CallbackDay] = []
    for row in rows:
        if row["day"] is None:
            overdue = row
        else:
            days.append(CallbackDay(day=row["day"], callbacks=row["callbacks"],
                                    agents=row["agents"]))
    days.sort(key=lambda d: d.day)  # NULL sorts first or last depending on the database
    return CallbackDays(campaign=campaign, time_zone=tenant.time_zone,
                        today=at.astimezone(zone).date(), overdue_callbacks=overdue["callbacks"],
                        overdue_agents=overdue["agents"], days=days)


@dataclass(frozen=True)
class CallbackEntry:
    lead_id: int
    callback_at: datetime  # in the tenant's zone
    callback_zone: str  # the zone the time was chosen in ("" when none was stored)
    callback_at_lead: datetime | None  # the same moment in callback_zone
    name: str
    phone: str  # masked per the campaign's settings
    status_id: int | None
    status: str
    status_color: str
    attempts: int


@dataclass(frozen=True)
class AgentCallbacks:
    agent_id: int | None  # None: a personal callback whose lead has no agent any more
    agent: str
    callbacks: list[CallbackEntry]


@dataclass(frozen=True)
class CallbackDayList:
    campaign: Campaign
    time_zone: str
    day: date
    agent_id: int | None  # the agent the list is narrowed to, if any
    agents: list[AgentCallbacks]


def _agent_name(user: Any) -> str:
    if user is None:
        return "(no agent)"
    return str(user.get_full_name() or user.username)


def _zone_or_none(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None  # a zone name the system no longer knows: show the tenant time only


def _day_bounds_utc(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[midnight, next midnight) of ``day`` in ``zone``, as UTC instants: a range on
    callback_at that the callbacks index serves (a date cast per row would not)."""
    start = datetime.combine(day, time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _entry(lead: Lead, zone: ZoneInfo, campaign: Campaign) -> CallbackEntry:
    assert lead.callback_at is not None  # the query asks for set callbacks only
    lead_zone = _zone_or_none(lead.callback_zone)
    chip = StatusCount.of(lead.status, 0)
    return CallbackEntry(
        lead_id=lead.id, callback_at=lead.callback_at.astimezone(zone),
        callback_zone=lead.callback_zone,
        callback_at_lead=lead.callback_at.astimezone(lead_zone) if lead_zone else None,
        name=f"{lead.first_name} {lead.last_name}".strip(),
        phone=mask_phone(lead.phone, campaign), status_id=lead.status_id,
        status=chip.name, status_color=chip.color, attempts=lead.attempts)


def callbacks_for_day(*, tenant: Tenant, campaign_id: int, day: date, at: datetime,
                      agent_id: int | None = None) -> CallbackDayList:
    """The agents' future personal callbacks on ``day`` (tenant zone), grouped by agent.

    "Future" as on the day table: callbacks whose time has passed are the overdue line,
    not any day's, so a day's list holds exactly the callbacks its count says. A past
    day is an empty list. ``agent_id`` narrows to one member of the tenant (another
    id: NotFoundError).
    """
    campaign = campaign_get(tenant=tenant, campaign_id=campaign_id)
    if agent_id is not None and not Membership.objects.filter(
            tenant=tenant, user_id=agent_id).exists():
        raise NotFoundError(f"Agent {agent_id} not found.")
    zone = ZoneInfo(tenant.time_zone)
    leads: QuerySet[Lead]
    try:
        start, end = _day_bounds_utc(day, zone)
    except OverflowError:
        # The first or last representable day: no callback can fall on it.
        leads = Lead.objects.none()
    else:
        leads = (_personal_callbacks(tenant, campaign)
                 .filter(callback_at__gte=start, callback_at__lt=end, callback_at__gt=at)
                 .select_related("assigned_agent", "status").order_by("callback_at", "id"))
    if agent_id is not None:
        leads = leads.filter(assigned_agent_id=agent_id)
    by_agent: dict[int | None, list[CallbackEntry]] = defaultdict(list)
    names: dict[int | None, str] = {}
    for lead in leads:
        by_agent[lead.assigned_agent_id].append(_entry(lead, zone, campaign))
        names[lead.assigned_agent_id] = _agent_name(lead.assigned_agent)
    # Agents by name, the callbacks without an agent last.
    order = sorted(by_agent, key=lambda a: (a is None, names[a].lower(), a or 0))
    return CallbackDayList(
        campaign=campaign, time_zone=tenant.time_zone, day=day, agent_id=agent_id,
        agents=[AgentCallbacks(agent_id=a, agent=names[a], callbacks=by_agent[a])
                for a in order])
