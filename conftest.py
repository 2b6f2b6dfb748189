"""Shared fixtures: tenants, logged-in clients per role, API clients with real keys."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from leadflow.leads.services import zone_set_cache_clear
from leadflow.rules.compiled import rules_cache_clear
from leadflow.tenants.models import Role, Tenant
from leadflow.tenants.services import api_key_create, tenant_create, user_create


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # PBKDF2 at production strength costs ~0.3 s per user; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_zone_set_cache() -> Iterator[None]:
    # Each test rolls the ZoneSet table back; the per-process id cache must not outlive it.
    zone_set_cache_clear()
    yield
    zone_set_cache_clear()


@pytest.fixture(autouse=True)
def _fresh_rules_cache() -> Iterator[None]:
    # Rolled-back tests can reuse campaign ids; a cached rule list must not carry over.
    rules_cache_clear()
    yield
    rules_cache_clear()


@pytest.fixture
def tenant(db: None) -> Tenant:
    return tenant_create(name="Acme Calls", time_zone="Europe/London")


@pytest.fixture
def other_tenant(db: None) -> Tenant:
    return tenant_create(name="Rival Calls", time_zone="America/New_York")


def _client_for(tenant: Tenant, username: str, role: Role) -> Client:
    user_create(tenant=tenant, username=username, password="pw", role=role)
    client = Client()
    assert client.login(username=username, password="pw")
    return client


@pytest.fixture
def admin_client(tenant: Tenant) -> Client:
    return _client_for(tenant, "boss", Role.ADMIN)


@pytest.fixture
def supervisor_client(tenant: Tenant) -> Client:
    return _client_for(tenant, "sup", Role.SUPERVISOR)


@pytest.fixture
def agent_client(tenant: Tenant) -> Client:
    return _client_for(tenant, "agent", Role.AGENT)


class ApiClient:
    """A test client that sends a real tenant API key on every request."""

    def __init__(self, raw_key: str) -> None:
        self.client = Client(HTTP_X_API_KEY=raw_key)

    def get(self, path: str):  # type: ignore[no-untyped-def]
        return self.client.get(path)

    def delete(self, path: str):  # type: ignore[no-untyped-def]
        return self.client.delete(path)

    def post(self, path: str, data: object):  # type: ignore[no-untyped-def]
        return self.client.post(path, data, content_type="application/json")

    def patch(self, path: str, data: object):  # type: ignore[no-untyped-def]
        return self.client.patch(path, data, content_type="application/json")


@pytest.fixture
def api(tenant: Tenant) -> ApiClient:
    _, raw_key = api_key_create(tenant=tenant, name="tests", created_by=None)
    return ApiClient(raw_key)


@pytest.fixture
def other_api(other_tenant: Tenant) -> ApiClient:
    _, raw_key = api_key_create(tenant=other_tenant, name="rival", created_by=None)
    return ApiClient(raw_key)
