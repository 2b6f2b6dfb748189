"""Periodic sweeps: calls left without feedback, personal callbacks nobody kept.

Both work in small chunks, one short transaction each (a long transaction on the leads
table would slow every SKIP LOCKED claim), and lock lead rows with SKIP LOCKED so a
sweep never waits on an agent submitting feedback at the same moment.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from leadflow.campaigns.models import Campaign
from leadflow.core import clock
from leadflow.dialing.models import Call
from leadflow.dialing.services import (
    FEEDBACK_FIELDS,
    count_attempt,
    feedback_deadline,
    feedback_rules_fire,
    lead_event,
    release_lease,
    snapshot,
)
from leadflow.leads.models import CallbackKind, Lead, LeadEventKind
from leadflow.statuses.models import LeadStatus

CHUNK = 500
# The status given to a call nobody gave feedback for: the campaign's "No Answer" (a
# documented choice: the agent never confirmed a conversation). Campaigns without one
# keep the lead's status; the attempt is still counted and the lease released.
SYSTEM_STATUS_NAME = "No Answer"
MIN_FEEDBACK_TIMEOUT = timedelta(seconds=10)


def feedback_timeouts_sweep(*, at: datetime | None = None) -> int:
    at = at or clock.now()
    done = 0
    candidates = list(Call.objects.filter(feedback_at__isnull=True,
                                          started_at__lte=at - MIN_FEEDBACK_TIMEOUT)
                      .order_by("started_at").values_list("id", flat=True)[:CHUNK * 20])
    for start in range(0, len(candidates), CHUNK):
        # One short transaction per chunk.
        with transaction.atomic():
            for call in (Call.objects.select_related("campaign")
                         .filter(id__in=candidates[start:start + CHUNK])):
                # Lock order lead → call, as in the services; SKIP LOCKED: a lead busy
                # with an agent's own feedback is left for the next run.
                lead = (Lead.objects.select_for_update(skip_locked=True, of=("self",))
                        .select_related("campaign").filter(id=call.lead_id).first())
                if lead is None:
                    continue
                call = Call.objects.select_for_update().select_related("campaign").get(
                    id=call.id)
                if call.feedback_at is not None or at <= feedback_deadline(call, call.campaign):
                    continue
                status = LeadStatus.objects.filter(campaign_id=call.campaign_id,
                                                   name__iexact=SYSTEM_STATUS_NAME).first()
                old = snapshot(lead)
                if status is not None and lead.status_id != status.id:
                    lead.status = status
                    lead.last_status_change_at = at
                count_attempt(lead, at)
                if lead.lease_token is not None and str(lead.lease_token) == str(
                        call.lease_token):
                    release_lease(lead)
                lead.save(update_fields=FEEDBACK_FIELDS)
                call.status, call.feedback_at, call.feedback_by_system = status, at, True
                call.save(update_fields=["status", "feedback_at", "feedback_by_system"])
                lead_event(lead, kind=LeadEventKind.FEEDBACK, old=old, actor_id=None, at=at,
                           rule_name="feedback timeout", extra={"call_id": call.id})
                # The campaign's rules see the system's outcome like an agent's one.
                feedback_rules_fire(tenant=call.campaign.tenant, lead=lead, agent_id=None,
                                    old=old, call=call, call_after=None, at=at)
                done += 1
    return done


def callbacks_escalate(*, at: datetime | None = None) -> int:
    """Personal callbacks missed by the campaign's escalation minutes become general:
    the agent loses the hold so any agent may call the lead back."""
    at = at or clock.now()
    done = 0
    for campaign in Campaign.objects.filter(callback_escalation_minutes__gt=0):
        cutoff = at - timedelta(minutes=campaign.callback_escalation_minutes)
        while True:
            # Chunked, each in its own short transaction; SKIP LOCKED leaves leases in
            # flight alone.
            with transaction.atomic():
                leads = list(Lead.objects.select_for_update(skip_locked=True, of=("self",))
                             .select_related("campaign")
                             .filter(tenant_id=campaign.tenant_id, campaign=campaign,
                                     callback_kind=CallbackKind.PERSONAL,
                                     callback_at__lt=cutoff)
                             .exclude(lease_expires_at__gt=at)[:CHUNK])
                for lead in leads:
                    old = snapshot(lead)
                    lead.callback_kind = CallbackKind.GENERAL
                    lead.assigned_agent_id = None
                    lead.save(update_fields=["callback_kind", "assigned_agent"])
                    lead_event(lead, kind=LeadEventKind.CALLBACK_ESCALATED, old=old,
                               actor_id=None, at=at, rule_name="personal callback missed")
                done += len(leads)
            if len(leads) < CHUNK:
                break
    return done


@db_periodic_task(crontab(minute="*"))
def dialing_sweeps() -> dict[str, int]:
    return {"feedback_timeouts": feedback_timeouts_sweep(),
            "callbacks_escalated": callbacks_escalate()}
