"""Navigation and tenant context for every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    return {
        "current_tenant": getattr(request, "tenant", None),
        "current_membership": membership,
        "all_memberships": getattr(request, "all_memberships", []),
        "can_manage": bool(membership and membership.can_manage_campaigns),
        "is_admin": bool(membership and membership.is_admin),
    }
