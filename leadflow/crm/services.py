"""Writes for the remote adapter settings and the outbox's failed messages."""

from __future__ import annotations

from django.db import transaction

from leadflow.crm.models import OutboxMessage, OutboxState, RemoteAdapter, new_signing_secret
from leadflow.tenants.models import Tenant


def remote_adapter_ensure(*, tenant: Tenant) -> RemoteAdapter:
    """The tenant's adapter, created inactive (with its signing secret) on first use."""
    adapter, _ = RemoteAdapter.objects.get_or_create(tenant=tenant)
    return adapter


@transaction.atomic
def remote_adapter_update(*, tenant: Tenant, webhook_url: str, is_active: bool,
                          timeout_seconds: int) -> RemoteAdapter:
    """1. Lock the tenant's adapter. 2. Validate the whole new setting. 3. Save."""
    remote_adapter_ensure(tenant=tenant)
    adapter = RemoteAdapter.objects.select_for_update().get(tenant=tenant)
    adapter.webhook_url = webhook_url.strip()
    adapter.is_active = is_active
    adapter.timeout_seconds = timeout_seconds
    adapter.full_clean()
    adapter.save()
    return adapter


def remote_adapter_rotate_secret(*, tenant: Tenant) -> RemoteAdapter:
    """A new signing secret; requests signed with the old one stop at once."""
    adapter = remote_adapter_ensure(tenant=tenant)
    adapter.secret = new_signing_secret()
    adapter.save(update_fields=["secret", "updated_at"])
    return adapter


def outbox_retry_failed(*, tenant: Tenant) -> int:
    """Queue the tenant's failed messages again, due now, with a fresh try count (after
    the CRM side was fixed). Returns how many."""
    return OutboxMessage.objects.filter(tenant=tenant, state=OutboxState.FAILED).update(
        state=OutboxState.PENDING, next_attempt_at=None, attempts=0)
