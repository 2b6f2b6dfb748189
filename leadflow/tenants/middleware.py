"""Attach the user's current tenant and membership to each request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from leadflow.tenants.selectors import memberships_for_user

SESSION_TENANT_KEY = "leadflow_tenant_id"


class TenantMiddleware:
    """Sets ``request.tenant`` and ``request.membership`` (None when not a member).

    A user may belong to several tenants; the session remembers which one is active
    and falls back to the first membership.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.tenant = None  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            memberships = list(memberships_for_user(request.user))
            wanted = request.session.get(SESSION_TENANT_KEY)
            chosen = next((m for m in memberships if m.tenant_id == wanted), None)
            if chosen is None and memberships:
                chosen = memberships[0]
            if chosen is not None:
                request.membership = chosen  # type: ignore[attr-defined]
                request.tenant = chosen.tenant  # type: ignore[attr-defined]
            request.all_memberships = memberships  # type: ignore[attr-defined]
        return self.get_response(request)
