"""Tenant API keys: hashing, authentication, revocation, IP allow-lists, the keys page."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.tenants.models import ApiKey, Tenant
from leadflow.tenants.services import api_key_create, api_key_revoke

pytestmark = pytest.mark.django_db


def _key_client(raw_key: str, **extra: Any) -> Client:
    return Client(HTTP_X_API_KEY=raw_key, **extra)


def _assert_401_json(response: object) -> None:
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert isinstance(response.json()["detail"], str)  # type: ignore[attr-defined]


# --- secrets --------------------------------------------------------------------------------

def test_created_keys_secret_is_returned_once_and_only_its_sha256_is_stored(
    tenant: Tenant,
) -> None:
    api_key, raw_key = api_key_create(tenant=tenant, name="  CRM sync ", created_by=None)

    stored = ApiKey.objects.get(id=api_key.id)
    assert stored.key_hash == hashlib.sha256(raw_key.encode()).hexdigest()
    assert stored.name == "CRM sync"
    assert raw_key.startswith(stored.prefix) and len(stored.prefix) < len(raw_key) // 4
    row = ApiKey.objects.filter(id=api_key.id).values().get()
    assert not any(raw_key in str(value) for value in row.values())
    assert not hasattr(stored, "raw_key")


def test_every_key_gets_a_different_secret(tenant: Tenant) -> None:
    secrets = {api_key_create(tenant=tenant, name=f"k{i}", created_by=None)[1] for i in range(5)}
    assert len(secrets) == 5
    assert all(len(secret) >= 40 for secret in secrets)


def test_a_key_needs_a_name(tenant: Tenant) -> None:
    with pytest.raises(ValidationError) as exc_info:
        api_key_create(tenant=tenant, name="   ", created_by=None)
    assert "name" in exc_info.value.message_dict
    assert not ApiKey.objects.exists()


# --- authentication -------------------------------------------------------------------------

def test_a_request_with_the_key_works_on_the_campaigns_api(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = make_campaign(tenant, name="Mine")
    make_campaign(other_tenant, name="Theirs")
    api_key, raw_key = api_key_create(tenant=tenant, name="reader", created_by=None)

    response = _key_client(raw_key).get("/api/campaigns")

    assert response.status_code == 200
    assert [c["id"] for c in response.json()] == [mine.id]
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


def test_a_key_can_write_through_the_api(tenant: Tenant) -> None:
    _, raw_key = api_key_create(tenant=tenant, name="writer", created_by=None)
    # A real integration has no session and no CSRF cookie.
    client = Client(enforce_csrf_checks=True, HTTP_X_API_KEY=raw_key)
    response = client.post("/api/campaigns", {"name": "From CRM"},
                           content_type="application/json")
    assert response.status_code == 201
    assert response.json()["name"] == "From CRM"


@pytest.mark.parametrize("header", [None, "", "lf_not-a-real-key", "garbage"])
def test_a_missing_or_wrong_key_gets_401_json(tenant: Tenant, header: str | None) -> None:
    api_key_create(tenant=tenant, name="real", created_by=None)
    client = Client() if header is None else _key_client(header)
    _assert_401_json(client.get("/api/campaigns"))


def test_a_revoked_key_gets_401_json(tenant: Tenant) -> None:
    api_key, raw_key = api_key_create(tenant=tenant, name="old", created_by=None)
    assert _key_client(raw_key).get("/api/campaigns").status_code == 200

    api_key_revoke(tenant=tenant, api_key_id=api_key.id)

    _assert_401_json(_key_client(raw_key).get("/api/campaigns"))
    # Writes too: 401, not a CSRF failure, for a client without a session.
    client = Client(enforce_csrf_checks=True, HTTP_X_API_KEY=raw_key)
    _assert_401_json(client.post("/api/campaigns", {"name": "Nope"},
                                 content_type="application/json"))
    _assert_401_json(client.delete("/api/campaigns/1"))


def test_revoking_keeps_the_first_revocation_time(tenant: Tenant) -> None:
    api_key, _ = api_key_create(tenant=tenant, name="old", created_by=None)
    first = api_key_revoke(tenant=tenant, api_key_id=api_key.id).revoked_at
    assert first is not None
    assert api_key_revoke(tenant=tenant, api_key_id=api_key.id).revoked_at == first


def test_a_key_of_another_tenant_cannot_be_revoked(tenant: Tenant, other_tenant: Tenant) -> None:
    from leadflow.core.errors import NotFoundError

    foreign, raw_key = api_key_create(tenant=other_tenant, name="theirs", created_by=None)
    with pytest.raises(NotFoundError):
        api_key_revoke(tenant=tenant, api_key_id=foreign.id)
    assert _key_client(raw_key).get("/api/campaigns").status_code == 200


# --- IP allow-lists -------------------------------------------------------------------------

def test_an_allow_list_of_10_0_0_0_slash_8_rejects_127_0_0_1(tenant: Tenant) -> None:
    _, raw_key = api_key_create(tenant=tenant, name="lan", created_by=None,
                                allowed_ips="10.0.0.0/8")
    _assert_401_json(_key_client(raw_key).get("/api/campaigns"))
    assert _key_client(raw_key, REMOTE_ADDR="10.20.30.40").get("/api/campaigns").status_code == 200


@pytest.mark.parametrize("allowed", ["127.0.0.1", "10.0.0.0/8\n127.0.0.1", "127.0.0.0/8",
                                     " 192.168.1.7 \n\n127.0.0.1 "])
def test_an_allow_list_containing_127_0_0_1_accepts(tenant: Tenant, allowed: str) -> None:
    _, raw_key = api_key_create(tenant=tenant, name="local", created_by=None,
                                allowed_ips=allowed)
    assert _key_client(raw_key).get("/api/campaigns").status_code == 200


def test_the_allow_list_is_stored_normalised(tenant: Tenant) -> None:
    api_key, _ = api_key_create(tenant=tenant, name="n", created_by=None,
                                allowed_ips=" 10.1.2.3/8 \n\n2001:db8::1\n")
    assert api_key.allowed_ips == "10.0.0.0/8\n2001:db8::1/128"


def test_a_bad_allow_list_line_is_refused_naming_the_line(tenant: Tenant) -> None:
    with pytest.raises(ValidationError) as exc_info:
        api_key_create(tenant=tenant, name="bad", created_by=None,
                       allowed_ips="10.0.0.0/8\n\n300.1.1.1")
    [message] = exc_info.value.message_dict["allowed_ips"]
    assert message.startswith("Line 3") and "300.1.1.1" in message
    assert not ApiKey.objects.exists()


# --- the API keys page ----------------------------------------------------------------------

def test_the_api_keys_page_shows_the_secret_once_after_creation(
    admin_client: Client, tenant: Tenant
) -> None:
    response = admin_client.post("/tenant/api-keys/", {"name": "Salesforce", "allowed_ips": ""})

    assert response.status_code == 200
    match = re.search(r'data-testid="new-api-key"[^>]*>([^<]+)<', response.content.decode())
    assert match is not None
    raw_key = match.group(1)
    api_key = ApiKey.objects.get(tenant=tenant, name="Salesforce")
    assert api_key.key_hash == hashlib.sha256(raw_key.encode()).hexdigest()
    assert api_key.created_by is not None and api_key.created_by.username == "boss"
    assert _key_client(raw_key).get("/api/campaigns").status_code == 200

    again = admin_client.get("/tenant/api-keys/").content.decode()
    assert raw_key not in again
    assert 'data-testid="new-api-key"' not in again
    assert api_key.prefix in again and "Salesforce" in again


def test_the_api_keys_page_refuses_a_bad_allow_list_naming_the_line(
    admin_client: Client,
) -> None:
    response = admin_client.post("/tenant/api-keys/",
                                 {"name": "Bad", "allowed_ips": "10.0.0.0/8\nnot-an-ip"})
    assert response.status_code == 400
    html = response.content.decode()
    error = re.search(r'<p class="error"[^>]*? data-field="allowed_ips"[^>]*>([^<]*)</p>', html)
    assert error is not None and error.group(1).startswith("Line 2")
    assert 'data-testid="new-api-key"' not in html
    assert not ApiKey.objects.exists()


def test_revoking_from_the_page_works(admin_client: Client, tenant: Tenant) -> None:
    api_key, raw_key = api_key_create(tenant=tenant, name="Doomed", created_by=None)

    response = admin_client.post(f"/tenant/api-keys/{api_key.id}/revoke/", follow=True)

    assert response.redirect_chain[-1][0] == "/tenant/api-keys/"
    assert "revoked" in response.content.decode()
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    _assert_401_json(_key_client(raw_key).get("/api/campaigns"))


def test_revoking_from_the_page_needs_post_and_the_own_tenant(
    admin_client: Client, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine, _ = api_key_create(tenant=tenant, name="Mine", created_by=None)
    foreign, _ = api_key_create(tenant=other_tenant, name="Theirs", created_by=None)
    assert admin_client.get(f"/tenant/api-keys/{mine.id}/revoke/").status_code == 405
    assert admin_client.post(f"/tenant/api-keys/{foreign.id}/revoke/").status_code == 404
    mine.refresh_from_db()
    foreign.refresh_from_db()
    assert mine.revoked_at is None and foreign.revoked_at is None


def test_the_api_keys_page_lists_only_the_tenants_keys(
    admin_client: Client, tenant: Tenant, other_tenant: Tenant
) -> None:
    api_key_create(tenant=tenant, name="Our key", created_by=None)
    api_key_create(tenant=other_tenant, name="Their key", created_by=None)
    html = admin_client.get("/tenant/api-keys/").content.decode()
    assert "Our key" in html and "Their key" not in html


def test_a_supervisor_cannot_open_the_api_keys_page(
    supervisor_client: Client, tenant: Tenant
) -> None:
    api_key, _ = api_key_create(tenant=tenant, name="Guarded", created_by=None)
    assert supervisor_client.get("/tenant/api-keys/").status_code == 403
    assert supervisor_client.post("/tenant/api-keys/", {"name": "Sneaky"}).status_code == 403
    assert supervisor_client.post(f"/tenant/api-keys/{api_key.id}/revoke/").status_code == 403
    api_key.refresh_from_db()
    assert api_key.revoked_at is None
    assert list(ApiKey.objects.values_list("name", flat=True)) == ["Guarded"]


def test_an_agent_cannot_open_the_api_keys_page(agent_client: Client) -> None:
    assert agent_client.get("/tenant/api-keys/").status_code == 403
