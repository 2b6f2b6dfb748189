"""Agent and dialer endpoints: next lead, calls, feedback, desk batches, availability.

Authentication of the agent endpoints (``/agent/…``): either the agent's own logged-in
session (any role of the tenant; CSRF-checked), or a tenant API key acting for an agent
named by ``agent_id`` in the body (a PBX / dialer integration). With a session,
``agent_id`` must be absent or the session's own user.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.security import SessionAuth
from pydantic import ConfigDict

from leadflow.api.auth import TenantApiKeyAuth, request_tenant
from leadflow.campaigns.models import Campaign
from leadflow.campaigns.selectors import campaign_get
from leadflow.core import clock
from leadflow.core.errors import ConflictError, DomainError, NotFoundError
from leadflow.dialing import hot, services
from leadflow.dialing.claim import (
    Claim,
    lead_claim,
    lead_claim_batch_for_desk,
    pool_sources,
    tenant_contexts,
)
from leadflow.dialing.eligibility import eligibility_breakdown
from leadflow.dialing.history import history_one_query
from leadflow.dialing.models import Call, CallingRule, Holiday
from leadflow.leads.models import Lead, LeadEvent
from leadflow.statuses.selectors import campaign_workflow, statuses_allowed
from leadflow.tenants.models import Membership, Tenant
from leadflow.tenants.networks import ip_allowed
from leadflow.tenants.selectors import api_key_authenticate
from leadflow.tenants.services import hash_api_key

router = Router(tags=["dialing"])


class CachedApiKeyAuth(TenantApiKeyAuth):
    """``TenantApiKeyAuth`` with the key row (and its tenant) cached for ``hot.TTL``
    seconds: a dialer calls next-lead thousands of times a minute with one key. The
    allow-list is still checked on every request; a revoked key stops working at once
    in this process and within ``hot.TTL`` seconds in the others (``dialing.hot``)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key:
            return None
        api_key = hot.api_keys.peek(hash_api_key(key))
        if api_key is None:
            # Miss: the full check (it also refreshes last_used_at).
            api_key = api_key_authenticate(raw_key=key,
                                           client_ip=request.META.get("REMOTE_ADDR"))
            if api_key is None:
                return None  # bad keys are never cached
            hot.api_keys.put(api_key.key_hash, api_key)
        elif not ip_allowed(api_key.allowed_ips, request.META.get("REMOTE_ADDR")):
            return None
        request.tenant = api_key.tenant  # type: ignore[attr-defined]
        request.api_key = api_key  # type: ignore[attr-defined]
        return api_key


class AgentSessionAuth(SessionAuth):
    """The session of any member of the tenant (agents included)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is None or getattr(request, "membership", None) is None:
            return None
        return request.membership  # type: ignore[attr-defined]


agent_auth = [CachedApiKeyAuth(), AgentSessionAuth()]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class AgentIn(Strict):
    agent_id: int | None = None


class CallStartIn(AgentIn):
    lead_id: int
    lease_token: uuid.UUID
    number: str = ""


class CallResultIn(AgentIn):
    dial_result: str
    ended: bool = True


class FeedbackIn(AgentIn):
    lease_token: uuid.UUID
    status_id: int
    comment: str = ""
    call_after: datetime | None = None
    callback_zone: str = ""
    date: str | None = None


def mask_phone(phone: str, campaign: Campaign) -> str:
    if not campaign.mask_phones:
        return phone
    digits = [i for i, ch in enumerate(phone) if ch.isdigit()]
    n = campaign.mask_digits
    shown = set(digits[:n] if campaign.mask_show == "first" else digits[len(digits) - n:]
                if n else [])
    return "".join(ch if (not ch.isdigit() or i in shown) else "•" for i, ch in enumerate(phone))


def _agent(request: HttpRequest, agent_id: int | None) -> Any:
    tenant: Tenant = request_tenant(request)
    if getattr(request, "api_key", None) is not None:
        if agent_id is None:
            raise DomainError("An API key acts for an agent: give agent_id.", field="agent_id")
        user = hot.agents.get((tenant.id, agent_id), lambda: _member(tenant, agent_id))
        if user is None:
            raise NotFoundError(f"Agent {agent_id} not found.")
        return user
    user = request.user
    if agent_id is not None and agent_id != user.pk:
        raise DomainError("A session acts for its own user only.", field="agent_id")
    return user


def _member(tenant: Tenant, agent_id: int) -> Any:
    membership = (Membership.objects.select_related("user")
                  .filter(tenant=tenant, user_id=agent_id).first())
    return None if membership is None else membership.user


def _history(lead: Lead) -> dict[str, list[dict[str, Any]]]:
    if connection.vendor == "postgresql":
        return history_one_query(lead.id)
    events = [{"kind": e.kind, "at": e.created_at, "new": e.new, "rule": e.rule_name,
               "actor_id": e.actor_id}
              for e in LeadEvent.objects.filter(lead=lead).order_by("-created_at", "-id")[:20]]
    calls = [{"id": c.id, "started_at": c.started_at, "dial_result": c.dial_result,
              "status_id": c.status_id, "comment": c.comment}
             for c in Call.objects.filter(lead=lead).order_by("-started_at", "-id")[:20]]
    return {"events": events, "calls": calls}


def _claim_out(claim: Claim, agent: Any, at: datetime) -> dict[str, Any]:
    lead = claim.lead
    # The claim only hands out leads of the campaigns in its (2 s) contexts.
    context = tenant_contexts(lead.tenant_id).get(lead.campaign_id)
    campaign = (context.campaign if context is not None
                else Campaign.objects.get(id=lead.campaign_id))
    workflow = hot.workflows.get((lead.tenant_id, lead.campaign_id), lambda: campaign_workflow(
        tenant_id=lead.tenant_id, campaign_id=lead.campaign_id))
    choices = statuses_allowed(lead=lead, agent=agent, at=at, workflow=workflow)
    return {
        "lead": {"id": lead.id, "campaign_id": lead.campaign_id, "campaign": campaign.name,
                 "phone": mask_phone(lead.phone, campaign), "first_name": lead.first_name,
                 "last_name": lead.last_name, "country": lead.country, "region": lead.region,
                 "status_id": lead.status_id, "weight": lead.weight,
                 "callback_at": lead.callback_at, "callback_kind": lead.callback_kind,
                 "custom_fields": lead.custom_fields},
        "lease_token": str(claim.lease_token), "lease_expires_at": claim.lease_expires_at,
        "origin": claim.origin,
        "statuses_allowed": [{"id": s.id, "name": s.name, "allow_call_after": s.allow_call_after,
                              "max_call_after_days": s.max_call_after_days}
                             for s in choices.allowed],
        "history": _history(lead),
    }


def _routed_claim(tenant: Tenant, agent: Any, at: datetime) -> Claim | None:
    """Routing decides the sources; a tenant without any desk yet (routing not set up)
    falls back to all its active campaigns."""
    if not apps.is_installed("leadflow.routing"):
        return lead_claim(tenant=tenant, agent=agent,
                          sources=pool_sources(tenant, agent_id=agent.pk), at=at)
    from leadflow.routing.models import Desk
    from leadflow.routing.selectors import (
        advance_round_robin,
        agent_lead_sources,
        agent_profile,
        next_filter_groups,
    )

    if not hot.has_desks.get(tenant.id, Desk.objects.filter(tenant=tenant).exists):
        return lead_claim(tenant=tenant, agent=agent,
                          sources=pool_sources(tenant, agent_id=agent.pk), at=at)
    # One query for both: the profile (created Online if missing) carries the break.
    profile = agent_profile(agent, tenant)
    if profile.break_state_id is not None:
        raise ConflictError("You are on a break: switch to Online to get leads.")
    # The sources (desks → user groups → compiled filter groups) are cached for
    # hot.TTL seconds: compiled at the first request's moment, so a relative date in
    # a condition ("called in the last hour") may lag by up to that long.
    sources = hot.sources.get((tenant.id, agent.pk), lambda: agent_lead_sources(
        tenant=tenant, agent=agent, at=at))
    ordered = next_filter_groups(agent=agent, sources=sources)
    queue = profile.personal_queue_sorting if profile.personal_queue_enabled else ""
    claim = lead_claim(tenant=tenant, agent=agent, sources=ordered, at=at,
                       personal_queue=queue)
    if claim is not None and claim.source is not None:
        advance_round_robin(agent=agent, chosen=claim.source)
    return claim


@router.post("/agent/next-lead", auth=agent_auth)
def next_lead(request: HttpRequest, payload: AgentIn) -> dict[str, Any]:
    tenant = request_tenant(request)
    agent = _agent(request, payload.agent_id)
    at = clock.now()
    claim = _routed_claim(tenant, agent, at)
    if claim is None:
        return {"lead": None, "lease_token": None, "lease_expires_at": None,
                "statuses_allowed": [], "history": {"events": [], "calls": []}}
    return _claim_out(claim, agent, at)


def _call_out(call: Call) -> dict[str, Any]:
    return {"id": call.id, "lead_id": call.lead_id, "caller_id": call.caller_id,
            "started_at": call.started_at, "answered_at": call.answered_at,
            "ended_at": call.ended_at, "dial_result": call.dial_result,
            "status_id": call.status_id, "feedback_at": call.feedback_at}


@router.post("/agent/calls", auth=agent_auth, response={201: dict[str, Any]})
def start_call(request: HttpRequest, payload: CallStartIn) -> Status[object]:
    agent = _agent(request, payload.agent_id)
    call = services.call_start(tenant=request_tenant(request), agent=agent,
                               lead_id=payload.lead_id, lease_token=payload.lease_token,
                               number=payload.number, at=clock.now())
    return Status(201, _call_out(call))


@router.post("/agent/calls/{call_id}/result", auth=agent_auth)
def call_result(request: HttpRequest, call_id: int, payload: CallResultIn) -> dict[str, Any]:
    agent = _agent(request, payload.agent_id)
    call = services.call_report_result(tenant=request_tenant(request), agent=agent,
                                       call_id=call_id, dial_result=payload.dial_result,
                                       ended=payload.ended, at=clock.now())
    return _call_out(call)


@router.post("/agent/calls/{call_id}/feedback", auth=agent_auth)
def call_feedback(request: HttpRequest, call_id: int, payload: FeedbackIn) -> dict[str, Any]:
    agent = _agent(request, payload.agent_id)
    call = services.feedback_submit(
        tenant=request_tenant(request), agent=agent, call_id=call_id,
        lease_token=payload.lease_token, status_id=payload.status_id, comment=payload.comment,
        call_after=payload.call_after, callback_zone=payload.callback_zone,
        form={"date": payload.date}, at=clock.now())
    return _call_out(call)


@router.post("/desks/{desk_id}/leads")
def desk_leads(request: HttpRequest, desk_id: int, count: int = 1) -> dict[str, Any]:
    """A predictive dialer takes up to ``count`` (1–500) leads for a desk at once."""
    tenant = request_tenant(request)
    if not 1 <= count <= 500:
        raise DomainError("count must be between 1 and 500.", field="count")
    at = clock.now()
    sources = None
    if apps.is_installed("leadflow.routing"):
        from leadflow.dialing.desks import desk_sources

        sources = desk_sources(tenant=tenant, desk_id=desk_id, at=at)
    token, leads = lead_claim_batch_for_desk(tenant=tenant, desk_id=desk_id, count=count,
                                             at=at, sources=sources)
    return {"lease_token": str(token),
            "leads": [{"id": lead.id, "campaign_id": lead.campaign_id, "phone": lead.phone,
                       "lease_expires_at": lead.lease_expires_at} for lead in leads]}


@router.get("/campaigns/{campaign_id}/availability")
def availability(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    """Currently available leads and, per reason, how many leads it holds back."""
    tenant = request_tenant(request)
    campaign = campaign_get(tenant=tenant, campaign_id=campaign_id)
    counts = eligibility_breakdown(tenant=tenant, campaign=campaign, at=clock.now())
    total, available = counts.pop("total"), counts.pop("available")
    return {"campaign_id": campaign.id, "total": total, "available": available,
            "reasons": counts}




# --- calling rules and holidays (the minimal admin: tenant rules; global ones read-only) ---

class CallingRuleIn(Strict):
    name: str
    country: str
    region: str = ""
    start: str  # HH:MM
    end: str
    weekdays: list[int] = []


class HolidayIn(Strict):
    name: str
    country: str
    region: str = ""
    date: str  # YYYY-MM-DD


def _rule_out(rule: CallingRule) -> dict[str, Any]:
    return {"id": rule.id, "global": rule.tenant_id is None, "name": rule.name,
            "country": rule.country, "region": rule.region, "start": rule.start.isoformat(
                "minutes"), "end": rule.end.isoformat("minutes"), "weekdays": rule.weekdays}


@router.get("/calling-rules")
def list_calling_rules(request: HttpRequest) -> dict[str, Any]:
    tenant = request_tenant(request)
    rules = CallingRule.objects.filter(Q(tenant__isnull=True) | Q(tenant=tenant))
    holidays = Holiday.objects.filter(Q(tenant__isnull=True) | Q(tenant=tenant))
    return {"rules": [_rule_out(r) for r in rules],
            "holidays": [{"id": h.id, "global": h.tenant_id is None, "name": h.name,
                          "country": h.country, "region": h.region,
                          "date": h.date.isoformat()} for h in holidays]}


@router.post("/calling-rules", response={201: dict[str, Any]})
def create_calling_rule(request: HttpRequest, payload: CallingRuleIn) -> Status[object]:
    """A stricter window for a country or region; it narrows campaign hours, never widens."""
    rule = CallingRule(tenant=request_tenant(request), **payload.model_dump())
    rule.full_clean()
    rule.save()
    rule.refresh_from_db()
    return Status(201, _rule_out(rule))


@router.post("/holidays", response={201: dict[str, Any]})
def create_holiday(request: HttpRequest, payload: HolidayIn) -> Status[object]:
    holiday = Holiday(tenant=request_tenant(request), **payload.model_dump())
    holiday.full_clean()
    holiday.save()
    return Status(201, {"id": holiday.id})


@router.delete("/calling-rules/{rule_id}")
def delete_calling_rule(request: HttpRequest, rule_id: int) -> dict[str, Any]:
    deleted, _ = CallingRule.objects.filter(tenant=request_tenant(request), id=rule_id).delete()
    if not deleted:
        raise NotFoundError(f"Calling rule {rule_id} not found.")  # global ones included
    return {"deleted": rule_id}


@router.delete("/holidays/{holiday_id}")
def delete_holiday(request: HttpRequest, holiday_id: int) -> dict[str, Any]:
    deleted, _ = Holiday.objects.filter(tenant=request_tenant(request), id=holiday_id).delete()
    if not deleted:
        raise NotFoundError(f"Holiday {holiday_id} not found.")
    return {"deleted": holiday_id}
