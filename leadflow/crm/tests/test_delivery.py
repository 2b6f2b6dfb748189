"""Delivering the CRM outbox to a real local HTTP endpoint: signed, at least once, in
order, retried with backoff, refused updates failed at once and sent again on demand."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.core.tests.threads import run_threads
from leadflow.crm.delivery import MAX_ATTEMPTS, outbox_deliver_due, retry_delay
from leadflow.crm.models import OutboxMessage, OutboxState, RemoteAdapter
from leadflow.crm.outbox import outbox_add_status_updates
from leadflow.crm.services import outbox_retry_failed, remote_adapter_update
from leadflow.crm.tests.crm_server import FakeCrm, fake_crm
from leadflow.leads.tests.factories import make_lead
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db
AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _local_crm_allowed(settings: Any) -> None:
    settings.LEADFLOW_WEBHOOK_ALLOW_PRIVATE = True  # the fake CRM listens on 127.0.0.1


@pytest.fixture
def crm() -> Iterator[FakeCrm]:
    with fake_crm() as server:
        yield server


def _adapter(tenant: Tenant, crm: FakeCrm, timeout: int = 5) -> RemoteAdapter:
    return remote_adapter_update(tenant=tenant, webhook_url=crm.url, is_active=True,
                                 timeout_seconds=timeout)


def _queue(tenant: Tenant, count: int, name: str = "Spring") -> list[int]:
    campaign = make_campaign(tenant, name=name)
    ids = [make_lead(campaign, external_id=f"CRM-{name}-{i}").id for i in range(count)]
    outbox_add_status_updates(tenant=tenant, lead_ids=ids, at=AT, reason="feedback")
    return ids


def _received_leads(crm: FakeCrm) -> list[int]:
    return [json.loads(r.body)["data"]["lead_id"] for r in crm.received]


def _states() -> list[str]:
    return list(OutboxMessage.objects.order_by("created_at", "id").values_list("state",
                                                                                flat=True))


def test_a_delivered_update_is_signed_keyed_and_never_sent_twice(tenant: Tenant,
                                                                  crm: FakeCrm) -> None:
    adapter = _adapter(tenant, crm)
    [lead_id] = _queue(tenant, 1)
    report = outbox_deliver_due(at=AT)
    assert (report.delivered, report.retried, report.failed) == (1, 0, 0)
    [request] = crm.received
    timestamp, signature = (part.split("=", 1)[1]
                            for part in request.headers["X-Leadflow-Signature"].split(","))
    expected = hmac.new(adapter.secret.encode(), f"{timestamp}.".encode() + request.body,
                        hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    body = json.loads(request.body)
    message = OutboxMessage.objects.get()
    assert request.headers["Idempotency-Key"] == message.idempotency_key == body["idempotency_key"]
    assert body["data"]["lead_id"] == lead_id and body["data"]["external_id"] == "CRM-Spring-0"
    assert (message.state, message.attempts, message.delivered_at) == ("delivered", 1, AT)
    assert outbox_deliver_due(at=AT + timedelta(hours=1)).delivered == 0
    assert len(crm.received) == 1


def test_an_unavailable_crm_holds_back_the_later_updates_and_gets_them_in_order_later(
        tenant: Tenant, crm: FakeCrm) -> None:
    _adapter(tenant, crm)
    ids = _queue(tenant, 4)
    crm.script = [200, 503]  # the second update meets an outage
    report = outbox_deliver_due(at=AT)
    assert (report.delivered, report.retried, report.postponed) == (1, 1, 2)
    assert _received_leads(crm) == ids[:2]
    waiting = OutboxMessage.objects.filter(state=OutboxState.PENDING)
    assert set(waiting.values_list("next_attempt_at", flat=True)) == {AT + retry_delay(1)}
    assert "503" in waiting.get(lead_id=ids[1]).last_error
    assert outbox_deliver_due(at=AT + timedelta(seconds=59)).delivered == 0  # not yet due
    assert outbox_deliver_due(at=AT + retry_delay(1)).delivered == 3
    assert _received_leads(crm) == [ids[0], ids[1], ids[1], ids[2], ids[3]]
    assert _states() == ["delivered"] * 4


def test_a_refused_update_fails_at_once_and_the_others_go_on(tenant: Tenant,
                                                             crm: FakeCrm) -> None:
    _adapter(tenant, crm)
    ids = _queue(tenant, 3)
    crm.script = [200, 422, 200]
    report = outbox_deliver_due(at=AT)
    assert (report.delivered, report.failed, report.retried) == (2, 1, 0)
    refused = OutboxMessage.objects.get(lead_id=ids[1])
    assert (refused.state, refused.last_status_code) == ("failed", 422)
    assert "refused" in refused.last_error
    assert outbox_retry_failed(tenant=tenant) == 1
    assert outbox_deliver_due(at=AT).delivered == 1
    assert _states() == ["delivered"] * 3


def test_a_crm_too_slow_to_answer_is_retried(tenant: Tenant, crm: FakeCrm) -> None:
    _adapter(tenant, crm, timeout=1)
    _queue(tenant, 1)
    crm.delay_seconds = 2.5
    assert outbox_deliver_due(at=AT).retried == 1
    message = OutboxMessage.objects.get()
    assert message.state == "pending" and "Timeout" in message.last_error


def test_an_unreachable_crm_is_retried(tenant: Tenant) -> None:
    with fake_crm() as gone:
        url = gone.url  # the port is free again once the server has shut down
    remote_adapter_update(tenant=tenant, webhook_url=url, is_active=True, timeout_seconds=2)
    _queue(tenant, 1)
    assert outbox_deliver_due(at=AT).retried == 1
    assert OutboxMessage.objects.get().last_status_code is None


def test_an_update_that_keeps_failing_gives_up_after_the_last_try(tenant: Tenant,
                                                                  crm: FakeCrm) -> None:
    _adapter(tenant, crm)
    _queue(tenant, 1)
    crm.default_status = 500
    at = AT
    for _ in range(MAX_ATTEMPTS):
        outbox_deliver_due(at=at)
        at += timedelta(days=1)
    message = OutboxMessage.objects.get()
    assert (message.state, message.attempts, len(crm.received)) == ("failed", MAX_ATTEMPTS,
                                                                    MAX_ATTEMPTS)
    assert outbox_deliver_due(at=at).retried == 0


def test_tenants_without_an_active_adapter_keep_their_updates(
        tenant: Tenant, other_tenant: Tenant, crm: FakeCrm) -> None:
    _queue(tenant, 2)
    remote_adapter_update(tenant=other_tenant, webhook_url=crm.url, is_active=False,
                          timeout_seconds=5)
    _queue(other_tenant, 2, name="Theirs")
    assert outbox_deliver_due(at=AT).delivered == 0
    assert crm.received == [] and _states() == ["pending"] * 4


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite serialises every writer (IMMEDIATE transactions): two "
                           "deliverers cannot overlap there, so the test needs PostgreSQL.")
def test_two_deliverers_at_once_send_each_update_once(tenant: Tenant, crm: FakeCrm) -> None:
    _adapter(tenant, crm)
    ids = _queue(tenant, 60)
    crm.delay_seconds = 0.01  # long enough for the two to overlap
    errors = run_threads(2, lambda _: outbox_deliver_due(at=AT, batch=10))
    assert errors == []
    assert sorted(_received_leads(crm)) == ids
    assert _states() == ["delivered"] * 60
