"""Reads of the CRM outbox for the Remote Adapter page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, QuerySet

from leadflow.crm.models import OutboxMessage, OutboxState
from leadflow.tenants.models import Tenant


@dataclass(frozen=True)
class OutboxSummary:
    counts: dict[str, int]  # state → messages, every state present
    oldest_pending_at: datetime | None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def outbox_summary(*, tenant: Tenant) -> OutboxSummary:
    """Messages per state, and since when the oldest undelivered one waits (one query)."""
    rows = (OutboxMessage.objects.filter(tenant=tenant).order_by().values("state")
            .annotate(n=Count("id"), oldest=Min("created_at")))
    counts = {state.value: 0 for state in OutboxState}
    oldest_pending_at = None
    for row in rows:
        counts[row["state"]] = row["n"]
        if row["state"] == OutboxState.PENDING:
            oldest_pending_at = row["oldest"]
    return OutboxSummary(counts=counts, oldest_pending_at=oldest_pending_at)


def outbox_recent(*, tenant: Tenant, state: str = "",
                  limit: int = 50) -> QuerySet[OutboxMessage]:
    """The newest messages, of one state when ``state`` names one (else all)."""
    messages = OutboxMessage.objects.filter(tenant=tenant).select_related("campaign")
    if state in OutboxState.values:
        messages = messages.filter(state=state)
    return messages.order_by("-created_at", "-id")[:limit]
