"""What the agent workspace page needs besides the dialing API: the agent's state and
breaks, the statuses' required fields and the campaigns' feedback timeouts (for the
form and its countdown), and the agent's future callbacks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from leadflow.campaigns.models import Campaign
from leadflow.leads.models import Lead
from leadflow.routing.models import BreakState
from leadflow.routing.selectors import agent_profile
from leadflow.statuses.models import LeadStatus

if TYPE_CHECKING:
    from leadflow.tenants.models import Tenant


def required_feedback_fields(tree: Any) -> list[str]:
    """Feedback fields a status's required-fields condition always demands filled in:
    ``not_empty`` leaves at the top or inside ``all`` (the form marks them; the server
    checks the full condition anyway)."""
    if not isinstance(tree, Mapping):
        return []
    if tree.get("op") == "not_empty" and isinstance(tree.get("field"), str):
        return [tree["field"]]
    if isinstance(tree.get("all"), list):
        return sorted({name for child in tree["all"] for name in required_feedback_fields(child)})
    return []


def future_callbacks(*, tenant: Tenant, agent: Any, now: datetime) -> list[Lead]:
    """The agent's own (permanently assigned) leads with a callback still ahead."""
    return list(Lead.objects.filter(tenant=tenant, assigned_agent=agent, callback_at__gt=now)
                .select_related("campaign").order_by("callback_at", "id")[:50])


def workspace_context(*, tenant: Tenant, agent: Any, now: datetime) -> dict[str, Any]:
    profile = agent_profile(agent, tenant)
    statuses = {s.id: {"required": required_feedback_fields(s.required_fields)}
                for s in LeadStatus.objects.filter(tenant=tenant)
                .only("id", "required_fields")}
    campaigns = {c.id: {"feedback_timeout_seconds": c.feedback_timeout_seconds}
                 for c in Campaign.objects.filter(tenant=tenant)
                 .only("id", "feedback_timeout_seconds")}
    return {
        "profile": profile,
        "breaks": list(BreakState.objects.filter(tenant=tenant).values_list("name", flat=True)),
        "callbacks": future_callbacks(tenant=tenant, agent=agent, now=now),
        "workspace_data": {"statuses": statuses, "campaigns": campaigns,
                           "state": profile.state},
    }
