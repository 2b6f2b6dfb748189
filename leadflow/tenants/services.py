"""Writes for tenants, users and API keys."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from leadflow.core import clock
from leadflow.core.errors import NotFoundError
from leadflow.tenants.models import ApiKey, Membership, Role, Tenant
from leadflow.tenants.networks import normalise_networks

API_KEY_PREFIX_LENGTH = 8


def tenant_create(*, name: str, time_zone: str = "UTC") -> Tenant:
    tenant = Tenant(name=name, time_zone=time_zone)
    tenant.full_clean()
    tenant.save()
    return tenant


def tenant_update(*, tenant: Tenant, **fields: object) -> Tenant:
    for field, value in fields.items():
        setattr(tenant, field, value)
    tenant.full_clean()
    tenant.save()
    return tenant


@transaction.atomic
def user_create(
    *, tenant: Tenant, username: str, password: str, role: Role | str, email: str = ""
) -> Membership:
    """Create a login and its membership in one transaction (no orphan users)."""
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}; use one of {Role.values}."})
    user = User(username=username, email=email)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return Membership.objects.create(tenant=tenant, user=user, role=role)


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_key_create(
    *, tenant: Tenant, name: str, created_by: User | None, allowed_ips: str = ""
) -> tuple[ApiKey, str]:
    """Create a key and return it with its secret, which is never stored nor shown again."""
    networks = normalise_networks(allowed_ips, field="allowed_ips")
    raw_key = f"lf_{secrets.token_urlsafe(32)}"
    api_key = ApiKey(
        tenant=tenant,
        name=name.strip(),
        prefix=raw_key[: API_KEY_PREFIX_LENGTH],
        key_hash=hash_api_key(raw_key),
        allowed_ips="\n".join(networks),
        created_by=created_by,
    )
    # created_by is optional (keys made by scripts or the demo have no creator).
    api_key.full_clean(exclude=["created_by"])
    api_key.save()
    return api_key, raw_key


def api_key_revoke(*, tenant: Tenant, api_key_id: int) -> ApiKey:
    api_key = ApiKey.objects.filter(tenant=tenant, id=api_key_id).first()
    if api_key is None:
        raise NotFoundError(f"API key {api_key_id} not found.")
    if api_key.revoked_at is None:
        api_key.revoked_at = clock.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key
