"""Logging in and out, what each role may open, switching tenant, sessions on the API."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.tenants.middleware import SESSION_TENANT_KEY
from leadflow.tenants.models import Membership, Role, Tenant
from leadflow.tenants.services import user_create

pytestmark = pytest.mark.django_db

BACK_OFFICE_PAGES = ["/campaigns/", "/campaigns/new/", "/campaign-groups/",
                     "/campaign-groups/new/", "/tenant/settings/", "/tenant/api-keys/"]


def _log_in(username: str, password: str = "pw", **client_kwargs: Any) -> tuple[Client, object]:
    client = Client(**client_kwargs)
    response = client.post("/login/", {"username": username, "password": password}, follow=True)
    return client, response


# --- login and logout -----------------------------------------------------------------------

def test_the_login_page_answers_200(db: None) -> None:
    response = Client().get("/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content and b'name="password"' in response.content


def test_login_redirects_an_admin_to_all_campaigns(tenant: Tenant) -> None:
    user_create(tenant=tenant, username="alice", password="pw", role=Role.ADMIN)
    make_campaign(tenant, name="Seen After Login")
    _, response = _log_in("alice")
    assert response.redirect_chain[-1][0] == "/campaigns/"  # type: ignore[attr-defined]
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert b"Seen After Login" in response.content  # type: ignore[attr-defined]


def test_login_redirects_a_supervisor_to_all_campaigns(tenant: Tenant) -> None:
    user_create(tenant=tenant, username="sue", password="pw", role=Role.SUPERVISOR)
    _, response = _log_in("sue")
    assert response.redirect_chain[-1][0] == "/campaigns/"  # type: ignore[attr-defined]


def test_login_redirects_an_agent_to_the_workspace(tenant: Tenant) -> None:
    user_create(tenant=tenant, username="andy", password="pw", role=Role.AGENT)
    _, response = _log_in("andy")
    assert response.redirect_chain[-1][0] == "/workspace/"  # type: ignore[attr-defined]
    assert response.status_code == 200  # type: ignore[attr-defined]


def test_login_with_a_wrong_password_stays_on_the_login_page(tenant: Tenant) -> None:
    user_create(tenant=tenant, username="alice", password="pw", role=Role.ADMIN)
    client, response = _log_in("alice", password="wrong")
    assert response.redirect_chain == []  # type: ignore[attr-defined]
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert b"form-errors" in response.content  # type: ignore[attr-defined]
    assert client.get("/campaigns/").status_code == 302


def test_login_honours_next(tenant: Tenant) -> None:
    user_create(tenant=tenant, username="alice", password="pw", role=Role.ADMIN)
    client = Client()
    response = client.post("/login/", {"username": "alice", "password": "pw",
                                       "next": "/campaign-groups/"})
    assert response.status_code == 302 and response["Location"] == "/campaign-groups/"


def test_anonymous_visitors_are_sent_to_login(db: None) -> None:
    for path in ["/", "/campaigns/", "/tenant/settings/", "/workspace/"]:
        response = Client().get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/login/"), path


def test_logout_by_post_ends_the_session(admin_client: Client) -> None:
    assert admin_client.get("/campaigns/").status_code == 200

    response = admin_client.post("/logout/")

    assert response.status_code == 302 and response["Location"] == "/login/"
    after = admin_client.get("/campaigns/")
    assert after.status_code == 302 and after["Location"].startswith("/login/")


def test_logout_by_get_is_refused_and_keeps_the_session(admin_client: Client) -> None:
    assert admin_client.get("/logout/").status_code == 405
    assert admin_client.get("/campaigns/").status_code == 200


# --- roles ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", BACK_OFFICE_PAGES)
def test_agents_get_403_on_back_office_pages(agent_client: Client, path: str) -> None:
    assert agent_client.get(path).status_code == 403


def test_agents_cannot_change_anything_by_posting(agent_client: Client, tenant: Tenant) -> None:
    campaign = make_campaign(tenant, name="Untouched")
    assert agent_client.post(f"/campaigns/{campaign.id}/toggle/").status_code == 403
    assert agent_client.post(f"/campaigns/{campaign.id}/delete/").status_code == 403
    assert agent_client.post("/tenant/settings/", {"name": "Hacked"}).status_code == 403
    campaign.refresh_from_db()
    tenant.refresh_from_db()
    assert campaign.is_active and tenant.name == "Acme Calls"


def test_agents_can_open_the_workspace(agent_client: Client) -> None:
    assert agent_client.get("/workspace/").status_code == 200


def test_supervisor_can_open_campaign_pages_but_not_tenant_settings(
    supervisor_client: Client,
) -> None:
    assert supervisor_client.get("/campaigns/").status_code == 200
    assert supervisor_client.get("/campaign-groups/").status_code == 200
    assert supervisor_client.get("/campaigns/new/").status_code == 200
    assert supervisor_client.get("/tenant/settings/").status_code == 403


def test_admin_can_open_tenant_settings_and_save_them(
    admin_client: Client, tenant: Tenant
) -> None:
    assert admin_client.get("/tenant/settings/").status_code == 200
    response = admin_client.post("/tenant/settings/", {
        "name": "Acme Renamed", "time_zone": "Europe/Paris", "mask_phones": "on",
        "mask_show": "first", "mask_digits": "3"})
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.name, tenant.time_zone, tenant.mask_show, tenant.mask_digits) == (
        "Acme Renamed", "Europe/Paris", "first", 3)


def test_a_user_without_membership_is_refused(db: None) -> None:
    from django.contrib.auth.models import User

    User.objects.create_user(username="loner", password="pw")
    client = Client()
    assert client.login(username="loner", password="pw")
    assert client.get("/").status_code == 403
    assert client.get("/campaigns/").status_code == 403
    assert client.get("/api/campaigns").status_code == 401


# --- several tenants ------------------------------------------------------------------------

@pytest.fixture
def two_tenant_client(tenant: Tenant, other_tenant: Tenant) -> Client:
    membership = user_create(tenant=tenant, username="multi", password="pw", role=Role.ADMIN)
    Membership.objects.create(tenant=other_tenant, user=membership.user, role=Role.SUPERVISOR)
    client = Client()
    assert client.login(username="multi", password="pw")
    return client


def test_a_user_in_two_tenants_switches_and_then_sees_only_that_tenants_campaigns(
    two_tenant_client: Client, tenant: Tenant, other_tenant: Tenant
) -> None:
    make_campaign(tenant, name="Acme Campaign")
    make_campaign(other_tenant, name="Rival Campaign")

    before = two_tenant_client.get("/campaigns/").content.decode()
    assert "Acme Campaign" in before and "Rival Campaign" not in before
    assert 'name="tenant_id"' in before  # the switcher is offered

    response = two_tenant_client.post("/tenant/switch/", {"tenant_id": str(other_tenant.id)})
    assert response.status_code == 302
    assert two_tenant_client.session[SESSION_TENANT_KEY] == other_tenant.id

    after = two_tenant_client.get("/campaigns/").content.decode()
    assert "Rival Campaign" in after and "Acme Campaign" not in after
    api_names = [c["name"] for c in two_tenant_client.get("/api/campaigns").json()]
    assert api_names == ["Rival Campaign"]


def test_the_role_follows_the_chosen_tenant(
    two_tenant_client: Client, other_tenant: Tenant
) -> None:
    assert two_tenant_client.get("/tenant/settings/").status_code == 200  # admin in Acme
    two_tenant_client.post("/tenant/switch/", {"tenant_id": str(other_tenant.id)})
    assert two_tenant_client.get("/tenant/settings/").status_code == 403  # supervisor in Rival


def test_switching_to_a_tenant_without_membership_is_404(
    admin_client: Client, tenant: Tenant, other_tenant: Tenant
) -> None:
    make_campaign(tenant, name="Still Mine")
    response = admin_client.post("/tenant/switch/", {"tenant_id": str(other_tenant.id)})
    assert response.status_code == 404
    assert SESSION_TENANT_KEY not in admin_client.session
    assert b"Still Mine" in admin_client.get("/campaigns/").content


def test_switching_needs_post(two_tenant_client: Client, other_tenant: Tenant) -> None:
    response = two_tenant_client.get(f"/tenant/switch/?tenant_id={other_tenant.id}")
    assert response.status_code == 405


# --- sessions on the API --------------------------------------------------------------------

def test_an_agents_session_cannot_use_the_api(agent_client: Client, tenant: Tenant) -> None:
    make_campaign(tenant)
    response = agent_client.get("/api/campaigns")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_an_admin_session_can_read_the_api(admin_client: Client, tenant: Tenant) -> None:
    campaign = make_campaign(tenant, name="Via Session")
    response = admin_client.get("/api/campaigns")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()] == [campaign.id]


def test_a_session_write_needs_the_csrf_token(tenant: Tenant) -> None:
    user_create(tenant=tenant, username="alice", password="pw", role=Role.ADMIN)
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="alice", password="pw")

    refused = client.post("/api/campaigns", {"name": "No Token"},
                          content_type="application/json")
    assert refused.status_code == 403

    client.get("/campaigns/")  # sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post("/api/campaigns", {"name": "With Token"},
                           content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201
    assert accepted.json()["name"] == "With Token"
