"""A campaign's abandoned-call rate, the figure predictive dialing is regulated on.

An abandoned call is one a person answered and no agent took. Regulators cap them at
3 % of the calls a person answered, per campaign: the US (FCC) over 30 days, the UK
(Ofcom) over 24 hours. Answered by a person = dial results ``answered`` + ``abandoned``
(voicemail is a machine). Both windows come from one query over the campaign's calls,
through the (campaign, started_at) index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q

from leadflow.campaigns.models import Campaign
from leadflow.dialing.models import Call, DialResult

LIMIT_PERCENT = 3.0
# (key, label, length, whose rule)
WINDOWS = (
    ("24h", "Last 24 hours", timedelta(hours=24), "UK (Ofcom): per campaign over 24 hours"),
    ("30d", "Last 30 days", timedelta(days=30), "US (FCC): per campaign over 30 days"),
)


@dataclass(frozen=True)
class AbandonmentWindow:
    key: str
    label: str
    rule: str
    calls: int
    answered_by_a_person: int
    abandoned: int
    rate_percent: float | None  # None: nobody answered yet
    over_limit: bool


def abandonment(*, campaign: Campaign, at: datetime) -> list[AbandonmentWindow]:
    """The rate over each regulated window ending at ``at`` (one query)."""
    live = Q(dial_result__in=[DialResult.ANSWERED, DialResult.ABANDONED])
    abandoned = Q(dial_result=DialResult.ABANDONED)
    longest = max(length for _, _, length, _ in WINDOWS)
    counts: dict[str, Count] = {}
    for key, _, length, _ in WINDOWS:
        since = Q(started_at__gt=at - length)
        counts |= {f"calls_{key}": Count("id", filter=since),
                   f"live_{key}": Count("id", filter=since & live),
                   f"abandoned_{key}": Count("id", filter=since & abandoned)}
    row = Call.objects.filter(tenant_id=campaign.tenant_id, campaign=campaign,
                              started_at__gt=at - longest, started_at__lte=at
                              ).aggregate(**counts)
    windows = []
    for key, label, _, rule in WINDOWS:
        people, dropped = row[f"live_{key}"] or 0, row[f"abandoned_{key}"] or 0
        rate = round(100 * dropped / people, 2) if people else None
        windows.append(AbandonmentWindow(
            key=key, label=label, rule=rule, calls=row[f"calls_{key}"] or 0,
            answered_by_a_person=people, abandoned=dropped, rate_percent=rate,
            over_limit=rate is not None and rate > LIMIT_PERCENT))
    return windows
