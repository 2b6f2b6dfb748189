"""Writing CRM updates to the outbox, always inside the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from leadflow.crm.models import OutboxMessage
from leadflow.dialing.sqlany import AnyOf
from leadflow.leads.models import Lead
from leadflow.tenants.models import Tenant

STATUS_TOPIC = "lead.status"

_STATUS_COLUMNS = ("id", "campaign_id", "external_id", "phone", "status_id", "status__name",
                   "status__api_mapping__code")


def _status_payload(row: dict[str, Any], at: datetime, reason: str) -> dict[str, Any]:
    """What the CRM receives: its own status code (null when the status is unmapped)."""
    return {"lead_id": row["id"], "external_id": row["external_id"], "phone": row["phone"],
            "campaign_id": row["campaign_id"], "status_id": row["status_id"],
            "status_name": row["status__name"], "crm_status": row["status__api_mapping__code"],
            "changed_at": at.isoformat(), "reason": reason}


def outbox_add_status_updates(*, tenant: Tenant, lead_ids: Iterable[int], at: datetime,
                              reason: str, key_prefix: str = "") -> int:
    """Queue one status update per lead, read from the leads as they are now.

    ``key_prefix`` makes the idempotency keys deterministic for a caller that could be
    retried (a sweep's run and rule); otherwise every call gets fresh keys.
    """
    prefix = key_prefix or uuid.uuid4().hex
    rows = Lead.objects.filter(AnyOf("id", lead_ids), tenant=tenant).values(*_STATUS_COLUMNS)
    messages = [OutboxMessage(tenant=tenant, lead_id=row["id"], campaign_id=row["campaign_id"],
                              topic=STATUS_TOPIC, payload=_status_payload(row, at, reason),
                              idempotency_key=f"{STATUS_TOPIC}:{prefix}:{row['id']}",
                              created_at=at)
                for row in rows]
    OutboxMessage.objects.bulk_create(messages)
    return len(messages)
