"""Reads for tenants, memberships and API keys."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from leadflow.core import clock
from leadflow.tenants.models import ApiKey, Membership, Tenant
from leadflow.tenants.networks import ip_allowed
from leadflow.tenants.services import hash_api_key

# Writing last_used_at on every request would turn each API read into a write;
# once a minute is precise enough for "is this key still used?".
_LAST_USED_RESOLUTION = timedelta(minutes=1)


def memberships_for_user(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user_id=user.pk).select_related("tenant").order_by(
        "tenant__name"
    )


def api_key_authenticate(*, raw_key: str, client_ip: str | None) -> ApiKey | None:
    """Return the active key matching ``raw_key`` whose allow-list admits ``client_ip``."""
    if not raw_key:
        return None
    api_key = (
        ApiKey.objects.select_related("tenant")
        .filter(key_hash=hash_api_key(raw_key), revoked_at__isnull=True)
        .first()
    )
    if api_key is None or not ip_allowed(api_key.allowed_ips, client_ip):
        return None
    now = clock.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > _LAST_USED_RESOLUTION:
        ApiKey.objects.filter(id=api_key.id).update(last_used_at=now)
    return api_key


def api_keys_for_tenant(tenant: Tenant) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(tenant=tenant).select_related("created_by").order_by(
        "-created_at"
    )
