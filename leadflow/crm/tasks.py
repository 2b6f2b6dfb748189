"""Background jobs of the CRM app: delivering the outbox."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from leadflow.crm.delivery import outbox_deliver_due
from leadflow.tenants.models import Tenant


@db_periodic_task(crontab(minute="*"))
def outbox_delivery_task() -> None:
    # Every minute: a message waits at most about a minute, and a retry is never due
    # sooner than a minute after its failure anyway.
    outbox_deliver_due()


@db_task()
def outbox_deliver_now_task(tenant_id: int) -> None:
    """The Remote Adapter's "Send now": the tenant's due messages, without the wait."""
    tenant = Tenant.objects.filter(id=tenant_id).first()
    if tenant is not None:
        outbox_deliver_due(tenant=tenant)
