"""The agent's own state: ``POST /api/agent/state`` with the logged-in session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import SessionAuth
from pydantic import ConfigDict

from leadflow.routing.models import BreakState
from leadflow.routing.selectors import agent_profile
from leadflow.routing.services import agent_set_state


class MemberSessionAuth(SessionAuth):
    """The session (CSRF-checked) of any member of the active tenant, agents included."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        membership = getattr(request, "membership", None)
        if user is None or membership is None:
            return None
        return membership


router = Router(tags=["agent"], auth=MemberSessionAuth())


class StateIn(Schema):
    model_config = ConfigDict(extra="forbid")
    state: str


class StateOut(Schema):
    state: str
    is_online: bool
    breaks: list[str]


def _out(request: HttpRequest, state: str, is_online: bool) -> StateOut:
    tenant = request.tenant  # type: ignore[attr-defined]
    breaks = list(BreakState.objects.filter(tenant=tenant).values_list("name", flat=True))
    return StateOut(state=state, is_online=is_online, breaks=breaks)


@router.get("/agent/state", response=StateOut, summary="The logged-in agent's state")
def state_get(request: HttpRequest) -> StateOut:
    profile = agent_profile(request.user, request.tenant)  # type: ignore[attr-defined]
    return _out(request, profile.state, profile.is_online)


@router.post("/agent/state", response=StateOut,
             summary="Set the logged-in agent's state: \"online\" or a break's name")
def state_set(request: HttpRequest, payload: StateIn) -> StateOut:
    profile = agent_set_state(tenant=request.tenant,  # type: ignore[attr-defined]
                              agent=request.user, state=payload.state)
    return _out(request, profile.state, profile.is_online)
