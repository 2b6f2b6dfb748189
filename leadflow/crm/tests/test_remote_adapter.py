"""Tenant > Remote Adapter: the Statuses Mapping action and the outbox of CRM updates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.crm.models import OutboxMessage, OutboxState
from leadflow.crm.outbox import outbox_add_status_updates
from leadflow.crm.selectors import outbox_summary
from leadflow.leads.tests.factories import make_lead
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db
AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _queue(tenant: Tenant, count: int, at: datetime = AT, name: str = "Spring") -> list[int]:
    campaign = make_campaign(tenant, name=name)
    ids = [make_lead(campaign).id for _ in range(count)]
    outbox_add_status_updates(tenant=tenant, lead_ids=ids, at=at, reason="feedback")
    return ids


def test_the_summary_counts_each_state_and_dates_the_oldest_waiting_message(
        tenant: Tenant, other_tenant: Tenant) -> None:
    ids = _queue(tenant, 4)
    _queue(tenant, 1, at=AT - timedelta(hours=3), name="Autumn")
    _queue(other_tenant, 7)
    OutboxMessage.objects.filter(lead_id__in=ids[:2]).update(state=OutboxState.DELIVERED)
    OutboxMessage.objects.filter(lead_id=ids[2]).update(state=OutboxState.FAILED)
    summary = outbox_summary(tenant=tenant)
    assert summary.counts == {"pending": 2, "delivered": 2, "failed": 1}
    assert summary.oldest_pending_at == AT - timedelta(hours=3)


def test_the_tenant_menu_leads_admins_to_the_remote_adapter_and_its_statuses_mapping(
        admin_client: Client) -> None:
    assert "/tenant/remote-adapter/" in admin_client.get("/campaigns/").content.decode()
    page = admin_client.get("/tenant/remote-adapter/").content.decode()
    assert 'data-testid="statuses-mapping"' in page
    assert 'href="/campaigns/crm-status-mappings/"' in page


def test_the_page_lists_this_tenants_messages_filtered_by_state(
        admin_client: Client, tenant: Tenant, other_tenant: Tenant) -> None:
    ids = _queue(tenant, 3)
    _queue(other_tenant, 5)
    OutboxMessage.objects.filter(lead_id=ids[0]).update(state=OutboxState.FAILED)
    every = admin_client.get("/tenant/remote-adapter/").content.decode()
    assert every.count('data-testid="outbox-row"') == 3
    failed = admin_client.get("/tenant/remote-adapter/?state=failed").content.decode()
    assert failed.count('data-testid="outbox-row"') == 1
    assert 'data-testid="outbox-row" data-state="failed"' in failed


def test_an_unknown_state_filter_shows_everything_rather_than_failing(
        admin_client: Client, tenant: Tenant) -> None:
    _queue(tenant, 2)
    response = admin_client.get("/tenant/remote-adapter/?state=%00nonsense")
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="outbox-row"') == 2


def test_only_admins_open_the_remote_adapter(supervisor_client: Client,
                                             agent_client: Client) -> None:
    assert supervisor_client.get("/tenant/remote-adapter/").status_code == 403
    assert agent_client.get("/tenant/remote-adapter/").status_code == 403
