"""Calls and feedback on a leased lead.

Lock order everywhere: the lead row, then the call row. Every check that decides
whether a write may happen (lease held, feedback still in time) runs on the locked
lead, so a sweep or a second request cannot change it between the check and the write.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from leadflow.campaigns.models import CallerIdMode, Campaign
from leadflow.core.errors import ConflictError, NotFoundError
from leadflow.core.validators import validate_time_zone
from leadflow.dialing.eligibility import campaign_today
from leadflow.dialing.hours import hours_policy
from leadflow.dialing.models import Call, DialResult
from leadflow.leads.dnc import dnc_entry_add
from leadflow.leads.models import CallbackKind, Lead, LeadEvent, LeadEventKind, ZoneSet
from leadflow.rules.engine import RuleEvent, Trigger, rules_fire
from leadflow.rules.sweep import deferred_rules_apply
from leadflow.statuses.feedback import feedback_errors_as_validation_error, feedback_validate
from leadflow.statuses.models import LeadStatus
from leadflow.tenants.models import Tenant

LEAD_SNAPSHOT = ("status_id", "assigned_agent_id", "callback_at", "callback_kind",
                 "callback_zone", "attempts", "attempts_today", "leased_by_id",
                 "lease_expires_at", "last_call_at")


def snapshot(lead: Lead) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in LEAD_SNAPSHOT:
        value = getattr(lead, name)
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    return out


def lead_event(lead: Lead, *, kind: str, old: dict[str, Any], actor_id: int | None,
               at: datetime, rule_name: str = "", extra: dict[str, Any] | None = None) -> None:
    new = {k: v for k, v in snapshot(lead).items() if old.get(k) != v}
    LeadEvent.objects.create(tenant_id=lead.tenant_id, lead=lead, kind=kind,
                             old={k: old.get(k) for k in new}, new={**new, **(extra or {})},
                             actor_id=actor_id, rule_name=rule_name, created_at=at)


def _locked_lead(*, tenant: Tenant, lead_id: int) -> Lead:
    lead = (Lead.objects.select_for_update(of=("self",)).select_related("campaign")
            .filter(tenant=tenant, id=lead_id).first())
    if lead is None:
        raise NotFoundError(f"Lead {lead_id} not found.")
    return lead


def _check_lease(lead: Lead, *, agent_id: int, token: uuid.UUID | str, at: datetime) -> None:
    # Fencing: only the holder of the current, unexpired lease may write. A lease that
    # expired (and may already belong to someone else) is refused with 409.
    if (lead.leased_by_id != agent_id or lead.lease_token is None
            or str(lead.lease_token) != str(token)):
        raise ConflictError("You do not hold the lease on this lead (it expired or was "
                            "handed to someone else).")
    if lead.lease_expires_at is None or lead.lease_expires_at <= at:
        raise ConflictError("The lease on this lead has expired.")


def caller_id_for(campaign: Campaign, lead: Lead, *, rng: random.Random | None = None) -> str:
    """Fixed number, or a random one from the pool of the lead's country (else any)."""
    if campaign.caller_id_mode == CallerIdMode.RANDOM_POOL and campaign.caller_id_pool:
        pool = campaign.caller_id_pool.get(lead.country) or [
            n for numbers in campaign.caller_id_pool.values() for n in numbers]
        return (rng or random).choice(pool)
    return campaign.caller_id_number


def call_start(*, tenant: Tenant, agent: Any, lead_id: int, lease_token: uuid.UUID | str,
               at: datetime, number: str = "") -> Call:
    with transaction.atomic():
        # Lock the lead first: the lease check and the call row commit together.
        lead = _locked_lead(tenant=tenant, lead_id=lead_id)
        _check_lease(lead, agent_id=agent.pk, token=lease_token, at=at)
        numbers = [lead.phone, *[str(n) for n in lead.alt_phones or []]]
        if number and number not in numbers:
            raise ConflictError("That number is not one of the lead's numbers.")
        old = snapshot(lead)
        call = Call.objects.create(
            tenant=tenant, lead=lead, agent=agent, campaign_id=lead.campaign_id,
            number_dialled=number or lead.phone, caller_id=caller_id_for(lead.campaign, lead),
            started_at=at, lease_token=uuid.UUID(str(lease_token)))
        lead.last_call_at = at
        lead.save(update_fields=["last_call_at"])
        lead_event(lead, kind=LeadEventKind.CALL_STARTED, old=old, actor_id=agent.pk, at=at,
                   extra={"call_id": call.id})
        return call


def _locked_call(*, tenant: Tenant, agent: Any, call_id: int) -> tuple[Lead, Call]:
    found = Call.objects.filter(tenant=tenant, id=call_id, agent_id=agent.pk).values_list(
        "lead_id", flat=True).first()
    if found is None:
        raise NotFoundError(f"Call {call_id} not found.")
    lead = _locked_lead(tenant=tenant, lead_id=found)  # lock order: lead, then call
    call = Call.objects.select_for_update().get(id=call_id)
    return lead, call


def call_report_result(*, tenant: Tenant, agent: Any, call_id: int, dial_result: str,
                       at: datetime, ended: bool = True) -> Call:
    if dial_result not in DialResult.values:
        raise ConflictError(f"Unknown dial result {dial_result!r}.")
    with transaction.atomic():
        lead, call = _locked_call(tenant=tenant, agent=agent, call_id=call_id)
        _check_lease(lead, agent_id=agent.pk, token=call.lease_token, at=at)
        if call.ended_at is not None:
            raise ConflictError("The call has already ended.")
        call.dial_result = dial_result
        if dial_result == DialResult.ANSWERED and call.answered_at is None:
            call.answered_at = at
        if ended:
            call.ended_at = at
        call.save(update_fields=["dial_result", "answered_at", "ended_at"])
        LeadEvent.objects.create(tenant=tenant, lead=lead, kind=LeadEventKind.CALL_RESULT,
                                 old={}, new={"call_id": call.id, "dial_result": dial_result},
                                 actor_id=agent.pk, created_at=at)
        if ended:
            # Same transaction: the result and what the campaign's rules make of it
            # commit together (the lead is locked above).
            rules_fire(tenant=tenant, lead=lead, at=at, event=RuleEvent(
                Trigger.CALL_FINISHED, {"dial_result": dial_result, "agent": agent.pk}))
        return call


def feedback_deadline(call: Call, campaign: Campaign) -> datetime:
    return (call.ended_at or call.started_at) + timedelta(
        seconds=campaign.feedback_timeout_seconds)


def _lead_zones(lead: Lead) -> list[str] | None:
    if lead.zone_set_id is None:
        return None
    return ZoneSet.objects.get(id=lead.zone_set_id).zone_names


def count_attempt(lead: Lead, at: datetime) -> None:
    today = campaign_today(lead.campaign, at)
    lead.attempts += 1
    lead.attempts_today = lead.attempts_today + 1 if lead.attempts_day == today else 1
    lead.attempts_day = today


def release_lease(lead: Lead) -> None:
    lead.leased_by_id = None
    lead.lease_token = None
    lead.lease_expires_at = None


FEEDBACK_FIELDS = ["status", "last_status_change_at", "assigned_agent", "callback_at",
                   "callback_kind", "callback_zone", "attempts", "attempts_today",
                   "attempts_day", "leased_by", "lease_token", "lease_expires_at"]


def feedback_submit(*, tenant: Tenant, agent: Any, call_id: int, lease_token: uuid.UUID | str,
                    status_id: int, at: datetime, comment: str = "",
                    call_after: datetime | None = None, callback_zone: str = "",
                    form: dict[str, Any] | None = None) -> Call:
    """Record the agent's outcome for a call and release the lead.

    409 (nothing changes) when the lease expired or moved on, or the campaign's feedback
    timeout passed; 422 when the status or form fails the workflow checks."""
    with transaction.atomic():
        lead, call = _locked_call(tenant=tenant, agent=agent, call_id=call_id)
        if call.feedback_at is not None:
            raise ConflictError("Feedback for this call was already recorded.")
        if str(call.lease_token) != str(lease_token):
            raise ConflictError("This lease token does not belong to the call.")
        _check_lease(lead, agent_id=agent.pk, token=lease_token, at=at)
        if at > feedback_deadline(call, lead.campaign):
            raise ConflictError("The feedback time for this call is over.")
        if callback_zone:
            try:
                validate_time_zone(callback_zone)
            except ValidationError as exc:
                raise ValidationError({"callback_zone": exc.messages}) from exc
        values = {**(form or {}), "comment": comment, "call_after": call_after}
        errors = feedback_validate(lead=lead, agent=agent, status_id=status_id, form=values,
                                   at=at)
        if errors:
            raise feedback_errors_as_validation_error(errors)
        status = LeadStatus.objects.get(id=status_id)
        old = snapshot(lead)
        if lead.status_id != status.id:
            lead.last_status_change_at = at
        lead.status = status
        if status.affects_permanent_assignment:
            # statuses_allowed (inside feedback_validate) enforced the Assigned Limit.
            lead.assigned_agent_id = agent.pk
        if call_after is not None:
            zones = _lead_zones(lead)
            policy = hours_policy(lead.campaign)
            # A callback outside calling hours moves to the start of the next window.
            moved = policy.next_open(zones, call_after, country=lead.country,
                                     region=lead.region)
            lead.callback_at = moved or call_after
            lead.callback_kind = (CallbackKind.PERSONAL if status.affects_permanent_assignment
                                  else CallbackKind.GENERAL)
            lead.callback_zone = callback_zone or (zones[0] if zones
                                                   else lead.campaign.time_zone)
        else:
            lead.callback_at, lead.callback_kind, lead.callback_zone = None, "", ""
        count_attempt(lead, at)
        release_lease(lead)
        # update_fields: a DNC status below blacklists the lead through its own update.
        lead.save(update_fields=FEEDBACK_FIELDS)
        call.status, call.comment, call.feedback_at = status, comment, at
        call.save(update_fields=["status", "comment", "feedback_at"])
        lead_event(lead, kind=LeadEventKind.FEEDBACK, old=old, actor_id=agent.pk, at=at,
                   extra={"call_id": call.id, "comment": comment})
        if status.is_do_not_call:
            dnc_entry_add(tenant=tenant, phone=lead.phone, campaign_id=lead.campaign_id,
                          reason=f"Status “{status.name}”", added_by=agent,
                          added_via=f"status “{status.name}”")
        feedback_rules_fire(tenant=tenant, lead=lead, agent_id=agent.pk, old=old, call=call,
                            call_after=call_after, at=at)
        return call


def feedback_rules_fire(*, tenant: Tenant, lead: Lead, agent_id: int | None,
                        old: dict[str, Any], call: Call, call_after: datetime | None,
                        at: datetime) -> None:
    """The campaign's rules for this outcome, inside the feedback transaction (the
    agent's, or the system's when the feedback timeout passed: ``agent_id`` None).

    1. ``feedback_submitted`` (every outcome, the same status again included).
    2. ``status_changed`` when the status moved, ``lead_assigned`` when the agent
       took the lead permanently.
    3. Sweep matches deferred while the agent held the lead (rules.sweep)."""
    payload = {"agent": agent_id, "dial_result": call.dial_result, "call_after": call_after,
               "old_status": old["status_id"], "new_status": lead.status_id}
    events = [RuleEvent(Trigger.FEEDBACK_SUBMITTED, payload)]
    if old["status_id"] != lead.status_id:
        events.append(RuleEvent(Trigger.STATUS_CHANGED, payload))
    if lead.assigned_agent_id is not None and old["assigned_agent_id"] != lead.assigned_agent_id:
        events.append(RuleEvent(Trigger.LEAD_ASSIGNED, {"agent": agent_id}))
    for event in events:
        rules_fire(tenant=tenant, lead=lead, event=event, at=at)
    deferred_rules_apply(tenant=tenant, lead=lead, at=at)
