"""The tenant's session rules: its users work only from its allowed addresses, and are
logged out after its idle time. API keys keep their own lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from leadflow.tenants.models import Role, Tenant
from leadflow.tenants.services import api_key_create, tenant_update, user_create

pytestmark = pytest.mark.django_db
OFFICE = "203.0.113.0/24"
T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def _client(tenant: Tenant, address: str, role: Role = Role.ADMIN, name: str = "ann") -> Client:
    user_create(tenant=tenant, username=name, password="pw", role=role)
    client = Client(REMOTE_ADDR=address)
    assert client.login(username=name, password="pw")
    return client


def test_a_user_outside_the_tenants_addresses_is_refused_and_logged_out(tenant: Tenant) -> None:
    tenant_update(tenant=tenant, login_allowed_ips=OFFICE)
    client = _client(tenant, "198.51.100.7")
    refused = client.get("/campaigns/")
    assert refused.status_code == 403
    assert "198.51.100.7" in refused.content.decode()
    client.defaults["REMOTE_ADDR"] = "203.0.113.9"  # back in the office: logged out now
    assert client.get("/campaigns/").status_code == 302


def test_the_api_refuses_a_session_from_outside_with_json(tenant: Tenant) -> None:
    tenant_update(tenant=tenant, login_allowed_ips=OFFICE)
    response = _client(tenant, "198.51.100.7").get("/api/campaigns")
    assert response.status_code == 403 and "not on" in response.json()["detail"]


def test_users_inside_the_list_and_api_keys_with_their_own_list_work(tenant: Tenant) -> None:
    tenant_update(tenant=tenant, login_allowed_ips=f"{OFFICE}\n10.0.0.5")
    assert _client(tenant, "203.0.113.200").get("/campaigns/").status_code == 200
    _, key = api_key_create(tenant=tenant, name="crm", created_by=None)
    outside = Client(REMOTE_ADDR="198.51.100.7")
    assert outside.get("/api/campaigns", HTTP_X_API_KEY=key).status_code == 200


def test_a_user_idle_longer_than_the_limit_is_sent_back_to_the_login(tenant: Tenant) -> None:
    tenant_update(tenant=tenant, session_idle_minutes=15)
    with time_machine.travel(T0, tick=False) as clock:
        client = _client(tenant, "127.0.0.1")
        assert client.get("/campaigns/").status_code == 200
        clock.move_to(T0 + timedelta(minutes=14))
        assert client.get("/campaigns/").status_code == 200  # activity restarts the clock
        clock.move_to(T0 + timedelta(minutes=28))
        assert client.get("/campaigns/").status_code == 200
        clock.move_to(T0 + timedelta(minutes=44))
        expired = client.get("/campaigns/")
        assert expired.status_code == 302 and expired["Location"].startswith("/login/?expired=")
        assert 'data-testid="session-expired"' in client.get(expired["Location"]).content.decode()
        assert client.get("/campaigns/").status_code == 302  # the session is gone


def test_without_an_idle_limit_a_session_lasts(tenant: Tenant) -> None:
    with time_machine.travel(T0, tick=False) as clock:
        client = _client(tenant, "127.0.0.1")
        client.get("/campaigns/")
        clock.move_to(T0 + timedelta(hours=10))
        assert client.get("/campaigns/").status_code == 200


def test_settings_refuse_a_bad_network_and_a_list_that_locks_the_admin_out(
        tenant: Tenant) -> None:
    client = _client(tenant, "198.51.100.7")
    form = {"name": tenant.name, "time_zone": "UTC", "mask_show": "last", "mask_digits": 4,
            "session_idle_minutes": 0}
    bad = client.post("/tenant/settings/", {**form, "login_allowed_ips": "10.0.0.0/33"})
    assert bad.status_code == 400 and "Line 1" in bad.content.decode()
    locked_out = client.post("/tenant/settings/", {**form, "login_allowed_ips": OFFICE})
    assert locked_out.status_code == 400 and "198.51.100.7" in locked_out.content.decode()
    saved = client.post("/tenant/settings/", {**form, "session_idle_minutes": 30,
                                              "login_allowed_ips": " 198.51.100.7\n" + OFFICE})
    assert saved.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.login_allowed_ips, tenant.session_idle_minutes) == (
        f"198.51.100.7/32\n{OFFICE}", 30)
