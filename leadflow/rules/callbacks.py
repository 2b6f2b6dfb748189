"""The ``callback_due`` trigger: rules that act when a lead's callback time comes."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from leadflow.leads.models import Lead
from leadflow.rules.engine import RuleEvent, Trigger, rules_fire
from leadflow.rules.models import CallbackScan, Rule, RuleKind

ALL_IDS = 2**63 - 1
BATCH = 500  # per campaign and transaction; the next tick continues
# A campaign whose first callback rule was just added looks back this far, so a
# callback due a moment before the first scan is not skipped.
FIRST_LOOK_BACK = timedelta(minutes=5)


def _campaigns_listening() -> list[int]:
    rules = Rule.objects.filter(kind=RuleKind.EVENT, is_active=True, group__is_enabled=True)
    return sorted({r.campaign_id for r in rules.only("campaign_id", "triggers")
                   if any(t.get("event") == Trigger.CALLBACK_DUE for t in r.triggers or [])})


def callbacks_due_fire(*, now: datetime) -> int:
    """Fire ``callback_due`` once for every callback that fell due since the last scan.

    1. Only campaigns with an active callback_due rule are scanned.
    2. Per campaign, one transaction: lock its scan row, take the leads whose
       callback_at lies in (scanned_until, now] in time order (at most ``BATCH``),
       lock them, run the rules on each, and move the cursor (scanned_until, last
       lead id) to the last one handled, or to ``now`` when fewer than BATCH were due.
    Returns how many leads fired."""
    fired = 0
    for campaign_id in _campaigns_listening():
        with transaction.atomic():
            scan, _ = CallbackScan.objects.select_for_update().get_or_create(
                campaign_id=campaign_id,
                defaults={"scanned_until": now - FIRST_LOOK_BACK, "last_lead_id": ALL_IDS})
            after_cursor = Q(callback_at__gt=scan.scanned_until) | Q(
                callback_at=scan.scanned_until, id__gt=scan.last_lead_id)
            due = list(Lead.objects.select_for_update(of=("self",)).select_related("campaign")
                       .filter(after_cursor, campaign_id=campaign_id, callback_at__lte=now)
                       .order_by("callback_at", "id")[:BATCH])
            for lead in due:
                agent = lead.assigned_agent_id if lead.callback_kind == "personal" else None
                rules_fire(tenant=lead.campaign.tenant, lead=lead, at=now, event=RuleEvent(
                    Trigger.CALLBACK_DUE, {"agent": agent}))
            fired += len(due)
            last = due[-1] if len(due) == BATCH else None
            if last is not None and last.callback_at is not None:
                # More may be due: resume right after the last one handled.
                scan.scanned_until, scan.last_lead_id = last.callback_at, last.id
            else:  # every callback up to ``now`` inclusive handled, whatever its id
                scan.scanned_until, scan.last_lead_id = now, ALL_IDS
            scan.save(update_fields=["scanned_until", "last_lead_id"])
    return fired
