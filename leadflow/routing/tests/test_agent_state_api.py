"""POST /api/agent/state: the logged-in agent goes on a break and back online."""

from __future__ import annotations

import pytest
from django.test import Client

from leadflow.routing.selectors import agent_is_online
from leadflow.routing.services import break_state_create
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_an_agent_goes_on_a_named_break_and_back_online(
        tenant: Tenant, agent_client: Client) -> None:
    break_state_create(tenant=tenant, name="Lunch")
    user = agent_client.get("/api/agent/state").wsgi_request.user
    response = agent_client.post("/api/agent/state", {"state": "lunch"},
                                 content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"state": "Lunch", "is_online": False, "breaks": ["Lunch"]}
    assert not agent_is_online(user, tenant)
    response = agent_client.post("/api/agent/state", {"state": "online"},
                                 content_type="application/json")
    assert response.json()["is_online"] is True
    assert agent_is_online(user, tenant)


def test_an_unknown_state_is_refused_with_the_known_ones(agent_client: Client) -> None:
    response = agent_client.post("/api/agent/state", {"state": "Nap"},
                                 content_type="application/json")
    assert response.status_code == 422
    assert "online" in response.json()["detail"][0]["msg"]


def test_the_state_api_needs_a_login_and_a_csrf_token(tenant: Tenant) -> None:
    assert Client().post("/api/agent/state", {"state": "online"},
                         content_type="application/json").status_code == 401
    from leadflow.tenants.services import user_create

    user_create(tenant=tenant, username="csrf", password="pw", role="agent")
    client = Client(enforce_csrf_checks=True)
    client.login(username="csrf", password="pw")
    assert client.post("/api/agent/state", {"state": "online"},
                       content_type="application/json").status_code in (401, 403)


def test_logging_in_puts_an_agent_back_online(tenant: Tenant) -> None:
    from leadflow.routing.services import agent_set_state
    from leadflow.tenants.services import user_create

    user = user_create(tenant=tenant, username="napper", password="pw", role="agent").user
    break_state_create(tenant=tenant, name="Training")
    agent_set_state(tenant=tenant, agent=user, state="Training")
    assert not agent_is_online(user, tenant)
    assert Client().login(username="napper", password="pw")
    assert agent_is_online(user, tenant)


def test_an_api_key_sets_the_state_of_the_agent_it_names(tenant: Tenant) -> None:
    from leadflow.routing.services import agent_set_state
    from leadflow.tenants.services import api_key_create, user_create

    user = user_create(tenant=tenant, username="pbx", password="pw", role="agent").user
    break_state_create(tenant=tenant, name="Lunch")
    agent_set_state(tenant=tenant, agent=user, state="Lunch")
    _, raw_key = api_key_create(tenant=tenant, name="pbx", created_by=None)
    client = Client(HTTP_X_API_KEY=raw_key)
    response = client.post("/api/agent/state", {"state": "online", "agent_id": user.pk},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    assert agent_is_online(user, tenant)
    assert client.get(f"/api/agent/state?agent_id={user.pk}").json()["is_online"] is True


def test_an_api_key_must_name_an_agent_of_its_own_tenant(
        tenant: Tenant, other_tenant: Tenant) -> None:
    from leadflow.tenants.services import api_key_create, user_create

    stranger = user_create(tenant=other_tenant, username="far", password="pw",
                           role="agent").user
    _, raw_key = api_key_create(tenant=tenant, name="pbx", created_by=None)
    client = Client(HTTP_X_API_KEY=raw_key)
    assert client.post("/api/agent/state", {"state": "online"},
                       content_type="application/json").status_code == 400
    assert client.post("/api/agent/state", {"state": "online", "agent_id": stranger.pk},
                       content_type="application/json").status_code == 404
