"""API authentication: a tenant API key (integrations) or a logged-in back-office session."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyHeader, SessionAuth

from leadflow.tenants.selectors import api_key_authenticate


class TenantApiKeyAuth(APIKeyHeader):
    """``X-API-Key: lf_…``: the key decides the tenant; its allow-list the client address."""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        api_key = api_key_authenticate(raw_key=key or "", client_ip=request.META.get("REMOTE_ADDR"))
        if api_key is None:
            return None
        request.tenant = api_key.tenant  # type: ignore[attr-defined]
        request.api_key = api_key  # type: ignore[attr-defined]
        return api_key


class ManagerSessionAuth(SessionAuth):
    """The session of an admin or supervisor (CSRF-checked); agents get 401 here."""

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a session cookie there is nothing to forge: skip the CSRF check so a
        # bad or revoked API key on POST/PATCH/DELETE answers 401, not "CSRF check Failed".
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        membership = getattr(request, "membership", None)
        if user is None or membership is None or not membership.can_manage_campaigns:
            return None
        return membership


back_office_auth = [TenantApiKeyAuth(), ManagerSessionAuth()]


def request_tenant(request: HttpRequest) -> Any:
    return request.tenant  # type: ignore[attr-defined]
