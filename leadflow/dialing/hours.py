"""Calling hours of a lead: campaign weekday windows ∩ country/region rules ∩ holidays.

Everything is evaluated in the lead's own zone(s); a lead with several candidate zones is
callable only when every zone is open. For SQL the same test is applied to each ZoneSet
once, in Python, giving sets of open zone-set ids (a few dozen sets, never per row).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.db.models import Q

from leadflow.campaigns.calling_hours import WEEKDAYS, Window, parse_calling_hours
from leadflow.campaigns.models import Campaign
from leadflow.dialing.models import CallingRule, Holiday
from leadflow.dialing.sqlany import AnyOf
from leadflow.leads.models import ZoneSet


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class Rule:
    country: str
    region: str
    start: time
    end: time
    weekdays: frozenset[int]

    def applies_to(self, country: str, region: str) -> bool:
        return self.country == country and (not self.region or self.region == region)


@dataclass(frozen=True)
class HolidayDay:
    country: str
    region: str
    day: date

    def applies_to(self, country: str, region: str) -> bool:
        return self.country == country and (not self.region or self.region == region)


@dataclass
class HoursPolicy:
    """One campaign's windows plus the rules and holidays of its tenant (and global ones)."""

    windows: Mapping[str, Window | None]
    default_zone: str
    rules: list[Rule] = field(default_factory=list)
    holidays: list[HolidayDay] = field(default_factory=list)

    def zone_open(self, zone_name: str, at: datetime, country: str, region: str) -> bool:
        local = at.astimezone(_zone(zone_name))
        window = self.windows[WEEKDAYS[local.weekday()]]
        if window is None or not window.contains(local.time()):
            return False
        moment = local.time()
        for rule in self.rules:
            if rule.applies_to(country, region) and (
                not rule.weekdays or local.weekday() in rule.weekdays
            ) and not (rule.start <= moment < rule.end):
                return False
        return not any(h.day == local.date() and h.applies_to(country, region)
                       for h in self.holidays)

    def is_open(self, zone_names: Sequence[str] | None, at: datetime, *, country: str = "",
                region: str = "") -> bool:
        names = list(zone_names) if zone_names else [self.default_zone]
        return all(self.zone_open(name, at, country, region) for name in names)

    def next_open(self, zone_names: Sequence[str] | None, after: datetime, *,
                  country: str = "", region: str = "",
                  horizon: timedelta = timedelta(days=14)) -> datetime | None:
        """The first moment at or after ``after`` when the lead is open (minute steps,
        jumping to window starts); None if nothing opens within ``horizon``."""
        moment = after
        end = after + horizon
        step = timedelta(minutes=1)
        while moment <= end:
            if self.is_open(zone_names, moment, country=country, region=region):
                return moment
            moment = (moment + step).replace(second=0, microsecond=0)
        return None

    # --- compiled to SQL -------------------------------------------------------------
    def open_sets(self, zone_sets: Iterable[ZoneSet], at: datetime) -> OpenSets:
        """Which zone sets are inside hours at ``at``, for leads of no particular
        country first, then for each (country, region) a rule or holiday scopes:
        ``(country, region, open zone-set ids, open without a zone set)``. Equal at two
        moments, the two moments' ``zone_q`` are equal (the claim reuses its plan)."""
        sets = list(zone_sets)
        scoped = sorted({(r.country, r.region) for r in self.rules}
                        | {(h.country, h.region) for h in self.holidays})
        return tuple(
            (country, region,
             tuple(zs.id for zs in sets
                   if self.is_open(zs.zone_names, at, country=country, region=region)),
             self.is_open(None, at, country=country, region=region))
            for country, region in [("", ""), *scoped])

    def zone_q(self, zone_sets: Iterable[ZoneSet], at: datetime) -> Q:
        """Leads inside hours at ``at``: campaign windows and every rule / holiday that
        applies to the lead's country (region), each as a zone-set id list."""
        return zone_q_of(self.open_sets(zone_sets, at))


OpenSets = tuple[tuple[str, str, tuple[int, ...], bool], ...]


def zone_q_of(open_sets: OpenSets) -> Q:
    def open_q(ids: tuple[int, ...], without_zone_set: bool) -> Q:
        # pk < 0 (never) rather than an empty IN: it must compile inside aggregates.
        q = Q(AnyOf("zone_set_id", ids)) if ids else Q(pk__lt=0)
        if without_zone_set:
            q |= Q(zone_set_id__isnull=True)
        return q

    # Leads of countries without any rule or holiday: the campaign windows alone.
    (_, _, ids, without_zone_set), *scoped = open_sets
    q = open_q(ids, without_zone_set)
    for country, region, ids, without_zone_set in scoped:
        where = Q(country=country) & (Q(region=region) if region else Q())
        q &= ~where | open_q(ids, without_zone_set)
    return q


def hours_policy(campaign: Campaign, *, rules: list[CallingRule] | None = None,
                 holidays: list[Holiday] | None = None) -> HoursPolicy:
    if rules is None:
        rules = list(CallingRule.objects.filter(
            Q(tenant__isnull=True) | Q(tenant_id=campaign.tenant_id)))
    if holidays is None:
        holidays = list(Holiday.objects.filter(
            Q(tenant__isnull=True) | Q(tenant_id=campaign.tenant_id)))
    return HoursPolicy(
        windows=parse_calling_hours(campaign.calling_hours),
        default_zone=campaign.time_zone,
        rules=[Rule(r.country, r.region, r.start, r.end, frozenset(r.weekdays or []))
               for r in rules if r.tenant_id in (None, campaign.tenant_id)],
        holidays=[HolidayDay(h.country, h.region, h.date)
                  for h in holidays if h.tenant_id in (None, campaign.tenant_id)],
    )
