"""Delivering the CRM outbox to each tenant's remote adapter: at least once, signed, in
the order the changes committed, retried with backoff while the CRM is unreachable.

What the CRM receives, one message per request::

    POST <webhook_url>
    Content-Type: application/json
    Idempotency-Key: lead.status:…:123      (the same on every retry: dedupe on it)
    X-Leadflow-Topic: lead.status
    X-Leadflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

    {"id": …, "topic": "lead.status", "idempotency_key": "…", "created_at": "…",
     "data": {"lead_id": …, "external_id": …, "crm_status": …, "changed_at": …, …}}

A 2xx answer delivers the message. 408, 425, 429, 5xx, timeouts and network errors are
retried (1, 2, 4 … minutes, at most 6 h apart, ``MAX_ATTEMPTS`` tries in all) and stop
the tenant's batch, so later messages wait behind the failed one and order holds. Any
other answer (a 4xx, a redirect) means the CRM refuses this message: it fails at once,
the others go on, and an admin can send failed messages again from the Remote Adapter.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import httpx
from django.db import transaction
from django.db.models import F, Q

from leadflow.core import clock
from leadflow.crm.addresses import private_address_of, private_allowed
from leadflow.crm.models import OutboxMessage, OutboxState, RemoteAdapter
from leadflow.tenants.models import Tenant

BATCH = 100
MAX_ATTEMPTS = 10
RETRY_CAP = timedelta(hours=6)
RETRYABLE_CODES = frozenset({408, 425, 429})
LEASE_MARGIN = timedelta(seconds=60)

Verdict = Literal["delivered", "retry", "failed"]


@dataclass
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    postponed: int = 0  # claimed, not sent: queued behind a message being retried


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    status_code: int | None
    error: str


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def retry_delay(attempts: int) -> timedelta:
    """After the ``attempts``-th failed try: 1, 2, 4, 8 … minutes, capped."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), RETRY_CAP)


def message_body(message: OutboxMessage) -> bytes:
    return json.dumps({
        "id": message.id, "topic": message.topic, "idempotency_key": message.idempotency_key,
        "created_at": message.created_at.isoformat(), "data": message.payload,
    }, separators=(",", ":"), sort_keys=True).encode()


def _claim(adapter: RemoteAdapter, at: datetime, batch: int) -> tuple[list[OutboxMessage],
                                                                       datetime]:
    """Lease up to ``batch`` due messages of the adapter's tenant, oldest first.

    The lease (``next_attempt_at`` in the future) keeps other deliverers away once this
    short transaction commits; SKIP LOCKED keeps them from waiting while it runs. The
    lease's end doubles as this deliverer's fencing token when it records outcomes. A
    deliverer that dies mid-batch leaves its rows due again when the lease ends.
    """
    lease_until = at + timedelta(seconds=adapter.timeout_seconds) * 2 + LEASE_MARGIN
    with transaction.atomic():
        ids = list(OutboxMessage.objects.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=at),
            tenant_id=adapter.tenant_id, state=OutboxState.PENDING,
        ).order_by("created_at", "id").select_for_update(skip_locked=True)
            .values_list("id", flat=True)[:batch])
        OutboxMessage.objects.filter(id__in=ids).update(next_attempt_at=lease_until)
    return list(OutboxMessage.objects.filter(id__in=ids).order_by("created_at", "id")), \
        lease_until


def _address_refusal(adapter: RemoteAdapter) -> Outcome | None:
    """The outcome every message of a batch gets when the webhook host resolves to a
    private address (resolved once per batch, not once per message)."""
    if private_allowed() or not (address := private_address_of(adapter.webhook_url)):
        return None
    # Not retried: the address will not become public by waiting.
    return Outcome("failed", None, f"refused: the webhook host resolves to the private "
                                   f"address {address} (LEADFLOW_WEBHOOK_ALLOW_PRIVATE "
                                   f"allows it)"[:300])


def _send(client: httpx.Client, adapter: RemoteAdapter, message: OutboxMessage) -> Outcome:
    body = message_body(message)
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": message.idempotency_key,
        "X-Leadflow-Topic": message.topic,
        "X-Leadflow-Signature": signature_header(adapter.secret, int(time.time()), body),
    }
    try:
        response = client.post(adapter.webhook_url, content=body, headers=headers,
                               timeout=adapter.timeout_seconds)
    except httpx.HTTPError as exc:
        return Outcome("retry", None, f"{type(exc).__name__}: {exc}"[:300])
    code = response.status_code
    if 200 <= code < 300:
        return Outcome("delivered", code, "")
    if code in RETRYABLE_CODES or code >= 500:
        return Outcome("retry", code, f"HTTP {code} from the CRM; will try again")
    return Outcome("failed", code, f"HTTP {code}: the CRM refused this update")


def _record(message: OutboxMessage, lease_until: datetime, outcome: Outcome,
            at: datetime) -> Verdict:
    """Write the try's outcome, unless the lease was lost (then another deliverer owns
    the row and its own outcome counts)."""
    attempts = message.attempts + 1
    verdict = outcome.verdict
    if verdict == "retry" and attempts >= MAX_ATTEMPTS:
        verdict = "failed"
    changes: dict[str, object] = {
        "attempts": F("attempts") + 1, "last_status_code": outcome.status_code,
        "last_error": outcome.error,
    }
    if verdict == "delivered":
        changes |= {"state": OutboxState.DELIVERED, "delivered_at": at, "next_attempt_at": None}
    elif verdict == "failed":
        changes |= {"state": OutboxState.FAILED, "next_attempt_at": None}
    else:
        changes["next_attempt_at"] = at + retry_delay(attempts)
    OutboxMessage.objects.filter(id=message.id, state=OutboxState.PENDING,
                                 next_attempt_at=lease_until).update(**changes)
    return verdict


def _deliver_tenant(client: httpx.Client, adapter: RemoteAdapter, at: datetime, batch: int,
                    report: DeliveryReport) -> bool:
    """1. Claim a batch. 2. Send in order, recording each outcome as it comes. 3. On a
    retryable failure, put the rest back, due with the failed one, and stop. Returns
    whether more messages may be due now (a full batch went through)."""
    messages, lease_until = _claim(adapter, at, batch)
    refusal = _address_refusal(adapter) if messages else None
    for index, message in enumerate(messages):
        outcome = refusal or _send(client, adapter, message)
        verdict = _record(message, lease_until, outcome, at)
        if verdict == "delivered":
            report.delivered += 1
        elif verdict == "failed":
            report.failed += 1
        else:
            report.retried += 1
            rest = [m.id for m in messages[index + 1:]]
            report.postponed += OutboxMessage.objects.filter(
                id__in=rest, next_attempt_at=lease_until,
            ).update(next_attempt_at=at + retry_delay(message.attempts + 1))
            return False
    return len(messages) == batch


def outbox_deliver_due(*, tenant: Tenant | None = None, at: datetime | None = None,
                       batch: int = BATCH, budget_seconds: float = 45.0,
                       client: httpx.Client | None = None) -> DeliveryReport:
    """Deliver the due messages of every tenant with an active adapter (or one tenant's),
    batch after batch until none is left or ``budget_seconds`` have passed."""
    report = DeliveryReport()
    adapters = RemoteAdapter.objects.filter(is_active=True).exclude(webhook_url="")
    if tenant is not None:
        adapters = adapters.filter(tenant=tenant)
    started = time.monotonic()
    with client or httpx.Client(follow_redirects=False) as http:
        for adapter in adapters:
            while _deliver_tenant(http, adapter, at or clock.now(), batch, report) \
                    and time.monotonic() - started < budget_seconds:
                pass
    return report
