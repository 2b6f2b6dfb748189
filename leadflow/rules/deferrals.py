"""Deferred sweep matches whose lead is no longer held by anyone.

A deferral normally ends in the agent's feedback transaction. A lease can also end
without feedback (the agent never called and the lease expired): then nothing would
ever apply the match, so each tick hands such deferrals to the same function the
feedback uses, lead by lead, each lead locked and skipped if an agent holds it again.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from leadflow.leads.models import Lead
from leadflow.rules.models import RuleDeferral
from leadflow.rules.sweep import deferred_rules_apply

BATCH = 200


def stale_deferrals_apply(*, now: datetime) -> int:
    """Apply deferrals whose lead has no live lease; returns rule applications."""
    free = Q(lead__lease_token__isnull=True) | Q(lead__lease_expires_at__lte=now)
    lead_ids = list(RuleDeferral.objects.filter(free).order_by("lead_id")
                    .values_list("lead_id", flat=True).distinct()[:BATCH])
    applied = 0
    for lead_id in lead_ids:
        with transaction.atomic():  # one short transaction per lead
            lead = (Lead.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("campaign__tenant").filter(id=lead_id).first())
            if lead is None or (lead.lease_token is not None and lead.lease_expires_at
                                is not None and lead.lease_expires_at > now):
                continue  # busy right now, or held again: a later tick or the feedback
            applied += deferred_rules_apply(tenant=lead.campaign.tenant, lead=lead, at=now)
    return applied
