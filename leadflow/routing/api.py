"""The agent's own state: ``GET``/``POST /api/agent/state``.

Either the agent's logged-in session (CSRF-checked), or a tenant API key acting for the
agent named by ``agent_id`` — the same two ways the dialing agent endpoints accept, so a
PBX integration (or ``leadflow simulate``) can put its agents Online before asking for
leads.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import SessionAuth
from pydantic import ConfigDict

from leadflow.api.auth import TenantApiKeyAuth
from leadflow.core.errors import DomainError, NotFoundError
from leadflow.routing.models import BreakState
from leadflow.routing.selectors import agent_profile
from leadflow.routing.services import agent_set_state
from leadflow.tenants.models import Membership


class MemberSessionAuth(SessionAuth):
    """The session (CSRF-checked) of any member of the active tenant, agents included."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        membership = getattr(request, "membership", None)
        if user is None or membership is None:
            return None
        return membership


router = Router(tags=["agent"], auth=[TenantApiKeyAuth(), MemberSessionAuth()])


class StateIn(Schema):
    model_config = ConfigDict(extra="forbid")
    state: str
    agent_id: int | None = None


class StateOut(Schema):
    state: str
    is_online: bool
    breaks: list[str]


def _agent(request: HttpRequest, agent_id: int | None) -> Any:
    """The user the request acts for: a key names a member; a session is its own user."""
    tenant = request.tenant  # type: ignore[attr-defined]
    if getattr(request, "api_key", None) is not None:
        if agent_id is None:
            raise DomainError("An API key acts for an agent: give agent_id.", field="agent_id")
        membership = (Membership.objects.select_related("user")
                      .filter(tenant=tenant, user_id=agent_id).first())
        if membership is None:
            raise NotFoundError(f"Agent {agent_id} not found.")
        return membership.user
    if agent_id is not None and agent_id != request.user.pk:
        raise DomainError("A session acts for its own user only.", field="agent_id")
    return request.user


def _out(request: HttpRequest, state: str, is_online: bool) -> StateOut:
    tenant = request.tenant  # type: ignore[attr-defined]
    breaks = list(BreakState.objects.filter(tenant=tenant).values_list("name", flat=True))
    return StateOut(state=state, is_online=is_online, breaks=breaks)


@router.get("/agent/state", response=StateOut, summary="An agent's state")
def state_get(request: HttpRequest, agent_id: int | None = None) -> StateOut:
    profile = agent_profile(_agent(request, agent_id), request.tenant)  # type: ignore[attr-defined]
    return _out(request, profile.state, profile.is_online)


@router.post("/agent/state", response=StateOut,
             summary="Set an agent's state: \"online\" or a break's name")
def state_set(request: HttpRequest, payload: StateIn) -> StateOut:
    profile = agent_set_state(tenant=request.tenant,  # type: ignore[attr-defined]
                              agent=_agent(request, payload.agent_id), state=payload.state)
    return _out(request, profile.state, profile.is_online)
