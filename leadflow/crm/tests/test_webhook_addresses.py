"""Webhooks go to public addresses only, unless the deployment allows private ones: an
admin-set URL must not reach inside the network Leadflow runs in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.crm.addresses import literal_private_host, private_address_of
from leadflow.crm.delivery import outbox_deliver_due
from leadflow.crm.models import OutboxMessage, RemoteAdapter
from leadflow.crm.outbox import outbox_add_status_updates
from leadflow.crm.services import remote_adapter_update
from leadflow.crm.tests.crm_server import fake_crm
from leadflow.leads.tests.factories import make_lead
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db
AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _private_refused(settings: Any) -> None:
    settings.LEADFLOW_WEBHOOK_ALLOW_PRIVATE = False


@pytest.mark.parametrize("url", [
    "http://localhost:8080/hook", "http://127.0.0.1/hook", "http://10.1.2.3/hook",
    "https://192.168.0.10/hook", "http://[::1]/hook", "http://169.254.169.254/latest",
    "http://crm.localhost/hook"])
def test_a_private_or_local_webhook_url_is_refused_when_saved(tenant: Tenant, url: str) -> None:
    with pytest.raises(ValidationError) as refused:
        remote_adapter_update(tenant=tenant, webhook_url=url, is_active=True,
                              timeout_seconds=5)
    assert "webhook_url" in refused.value.message_dict
    assert not RemoteAdapter.objects.filter(webhook_url=url).exists()


def test_public_addresses_and_names_pass_the_literal_check() -> None:
    assert literal_private_host("https://8.8.8.8/hook") is None
    assert literal_private_host("https://crm.example.com/hook") is None


def test_a_name_resolving_to_a_private_address_is_caught() -> None:
    assert private_address_of("http://localhost/hook") in {"127.0.0.1", "::1"}


def test_a_delivery_to_a_name_that_resolves_privately_fails_without_a_request(
        tenant: Tenant, settings: Any) -> None:
    with fake_crm() as crm:
        settings.LEADFLOW_WEBHOOK_ALLOW_PRIVATE = True  # saved while allowed …
        remote_adapter_update(tenant=tenant, webhook_url=crm.url.replace("127.0.0.1",
                                                                         "localhost"),
                              is_active=True, timeout_seconds=5)
        settings.LEADFLOW_WEBHOOK_ALLOW_PRIVATE = False  # … then the deployment forbids it
        campaign = make_campaign(tenant)
        outbox_add_status_updates(tenant=tenant, lead_ids=[make_lead(campaign).id], at=AT,
                                  reason="feedback")
        report = outbox_deliver_due(at=AT)
        assert crm.received == []
    assert report.failed == 1
    message = OutboxMessage.objects.get()
    assert message.state == "failed" and "private address" in message.last_error
