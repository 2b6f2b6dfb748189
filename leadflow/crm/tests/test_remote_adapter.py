"""Tenant > Remote Adapter: the Statuses Mapping action and the outbox of CRM updates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, TestCase
from huey import SqliteHuey
from huey.contrib.djhuey import HUEY

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.crm.models import OutboxMessage, OutboxState, RemoteAdapter
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


# --- the webhook settings and buttons ---------------------------------------------------

def _post(client: Client, **data: str) -> Any:
    return client.post("/tenant/remote-adapter/", data)


def test_an_admin_points_the_adapter_at_the_crm_and_switches_it_on(
        admin_client: Client, tenant: Tenant) -> None:
    response = _post(admin_client, action="save", webhook_url=" https://crm.example.com/hook ",
                     is_active="on", timeout_seconds="7")
    assert response.status_code == 302
    adapter = RemoteAdapter.objects.get(tenant=tenant)
    assert (adapter.webhook_url, adapter.is_active, adapter.timeout_seconds) == (
        "https://crm.example.com/hook", True, 7)


@pytest.mark.parametrize(("data", "field"), [
    ({"webhook_url": "ftp://crm.example.com/hook", "timeout_seconds": "7"}, "webhook_url"),
    ({"webhook_url": "", "is_active": "on", "timeout_seconds": "7"}, "webhook_url"),
    ({"webhook_url": "https://crm.example.com/hook", "timeout_seconds": "99"},
     "timeout_seconds"),
])
def test_a_bad_setting_is_a_form_error_and_changes_nothing(
        admin_client: Client, tenant: Tenant, data: dict[str, str], field: str) -> None:
    response = _post(admin_client, action="save", **data)
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    adapter = RemoteAdapter.objects.get(tenant=tenant)
    assert (adapter.webhook_url, adapter.is_active) == ("", False)


def test_a_new_secret_replaces_the_old_one(admin_client: Client, tenant: Tenant) -> None:
    admin_client.get("/tenant/remote-adapter/")  # the first visit creates the adapter
    old = RemoteAdapter.objects.get(tenant=tenant).secret
    assert old.startswith("whsec_")
    _post(admin_client, action="rotate")
    new = RemoteAdapter.objects.get(tenant=tenant).secret
    assert new != old and new in admin_client.get("/tenant/remote-adapter/").content.decode()


def test_send_failed_again_queues_the_failed_updates(admin_client: Client,
                                                     tenant: Tenant) -> None:
    ids = _queue(tenant, 3)
    OutboxMessage.objects.filter(lead_id__in=ids[:2]).update(state=OutboxState.FAILED,
                                                             attempts=10)
    _post(admin_client, action="retry_failed")
    assert list(OutboxMessage.objects.order_by("id").values_list("state", "attempts")) == [
        ("pending", 0)] * 3


def test_send_now_puts_the_tenants_delivery_on_the_queue(
        admin_client: Client, tenant: Tenant, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    private = SqliteHuey(name="remote-adapter-test", filename=str(tmp_path / "queue.sqlite3"))
    monkeypatch.setattr(HUEY, "storage", private.storage)
    with TestCase.captureOnCommitCallbacks(execute=True):
        _post(admin_client, action="send_now")
    task = HUEY.dequeue()
    assert task is not None and task.name.endswith("outbox_deliver_now_task")
    assert task.args == (tenant.id,)
