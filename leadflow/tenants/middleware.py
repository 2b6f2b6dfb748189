"""Attach the user's current tenant and membership to each request, and hold the
tenant's session rules: its users' allowed addresses and the idle logout."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render

from leadflow.tenants.models import Tenant
from leadflow.tenants.networks import ip_allowed
from leadflow.tenants.selectors import memberships_for_user

SESSION_TENANT_KEY = "leadflow_tenant_id"
SESSION_SEEN_KEY = "leadflow_last_seen"
# Writing the session on every request would make every page a database write; the
# idle clock only needs to know about activity to within half a minute.
_SEEN_RESOLUTION_SECONDS = 30


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _session_refusal(request: HttpRequest, tenant: Tenant) -> HttpResponse | None:
    """1. An address outside the tenant's list: logged out, 403 naming the address.
    2. Idle longer than the tenant allows: logged out, back to the login page (401 in
       the API). 3. Otherwise note the activity (at most every 30 s) and let it pass."""
    address = request.META.get("REMOTE_ADDR")
    if not ip_allowed(tenant.login_allowed_ips, address):
        logout(request)
        message = (f"Your address {address} is not on {tenant.name}'s list of allowed "
                   "addresses. Ask its admin to add it.")
        if _is_api(request):
            return JsonResponse({"detail": message}, status=403)
        return render(request, "tenants/address_refused.html", {"message": message},
                      status=403)
    limit = tenant.session_idle_minutes * 60
    if limit:
        now, seen = time.time(), request.session.get(SESSION_SEEN_KEY)
        if isinstance(seen, (int, float)) and now - seen > limit:
            logout(request)
            if _is_api(request):
                return JsonResponse({"detail": "The session ended after "
                                     f"{tenant.session_idle_minutes} idle minutes."},
                                    status=401)
            return redirect(f"/login/?expired={tenant.session_idle_minutes}")
        if not isinstance(seen, (int, float)) or now - seen > _SEEN_RESOLUTION_SECONDS:
            request.session[SESSION_SEEN_KEY] = now
    return None


class TenantMiddleware:
    """Sets ``request.tenant`` and ``request.membership`` (None when not a member).

    A user may belong to several tenants; the session remembers which one is active
    and falls back to the first membership. The active tenant's session rules apply to
    logged-in users (API keys carry their own address lists).
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
                refused = _session_refusal(request, chosen.tenant)
                if refused is not None:
                    return refused
                request.membership = chosen  # type: ignore[attr-defined]
                request.tenant = chosen.tenant  # type: ignore[attr-defined]
            request.all_memberships = memberships  # type: ignore[attr-defined]
        return self.get_response(request)
