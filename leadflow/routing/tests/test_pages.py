"""Routing pages: lists, quick search, the user-group editor, roles and tenants."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.routing.models import AgentProfile, FilterGroup, ObjectList, UserGroup
from leadflow.routing.services import FilterGroupInput as F
from leadflow.routing.services import object_list_save
from leadflow.routing.tests.factories import make_agent, make_desk, make_user_group
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db


def _editor_post(name: str, condition: str, *, desk_id: int | str = "",
                 weight: int = 3) -> dict[str, Any]:
    return {
        "name": name, "description": "", "caller_id_name": "", "dial_ratio": "1",
        "fg-TOTAL_FORMS": "1", "fg-INITIAL_FORMS": "0",
        "fg-0-name": "New leads", "fg-0-weight": str(weight), "fg-0-order": "0",
        "fg-0-condition": condition,
        "pg-TOTAL_FORMS": "1" if desk_id else "0", "pg-INITIAL_FORMS": "0",
        "pg-0-desk": str(desk_id), "pg-0-priority": "1",
    }


def test_user_group_list_shows_campaigns_and_filter_summaries(
        tenant: Tenant, admin_client: Client) -> None:
    spring = make_campaign(tenant, name="Spring")
    make_user_group(tenant, "Spring team", filters=[
        F(name="new", weight=3, condition={"field": "campaign", "op": "eq", "value": spring.id}),
        F(name="rest", weight=0)])
    make_user_group(tenant, "Everyone", filters=[F(name="all")])
    page = admin_client.get("/routing/user-groups/").content.decode()
    assert "Spring team" in page and "Everyone" in page
    assert "new (weight 3): campaign = Spring" in page
    assert "rest (off): all leads" in page
    assert "All campaigns" in page


def test_quick_search_narrows_the_list(tenant: Tenant, supervisor_client: Client) -> None:
    make_user_group(tenant, "Night shift", filters=[])
    make_user_group(tenant, "Day shift", filters=[F(name="Fresh leads")])
    page = supervisor_client.get("/routing/user-groups/?q=night").content.decode()
    assert "Night shift" in page and "Day shift" not in page
    rows = supervisor_client.get("/routing/user-groups/?q=fresh",
                                 HTTP_HX_REQUEST="true").content.decode()
    assert "Day shift" in rows and "<html" not in rows


def test_the_editor_saves_a_group_with_its_filter_and_priority_groups(
        tenant: Tenant, admin_client: Client) -> None:
    desk = make_desk(tenant, "Sales")
    markets = object_list_save(tenant=tenant, object_list_id=None, name="Markets",
                               kind="text", values=["US"])
    condition = json.dumps({"field": "country", "op": "in",
                            "value": {"object_list": markets.id}})
    response = admin_client.post("/routing/user-groups/new/",
                                 _editor_post("Main", condition, desk_id=desk.id))
    assert response.status_code == 302, response.content.decode()[:3000]
    group = UserGroup.objects.get(tenant=tenant, name="Main")
    (fg,) = group.filter_groups.all()
    assert (fg.name, fg.weight, fg.condition["value"]) == ("New leads", 3,
                                                           {"object_list": markets.id})
    assert [(p.desk_id, p.priority) for p in group.priority_groups.all()] == [(desk.id, 1)]


def test_a_bad_condition_is_shown_inline_naming_the_node_and_nothing_is_saved(
        tenant: Tenant, admin_client: Client) -> None:
    condition = ('{"all": [{"field": "weight", "op": "gt", "value": 1}, '
                 '{"field": "shoe_size", "op": "eq", "value": 3}]}')
    response = admin_client.post("/routing/user-groups/new/", _editor_post("Main", condition))
    assert response.status_code == 400
    assert "all[1]: unknown field &#x27;shoe_size&#x27;" in response.content.decode()
    assert not UserGroup.objects.filter(tenant=tenant).exists()
    assert not FilterGroup.objects.exists()


def test_a_second_failover_group_is_refused(tenant: Tenant, admin_client: Client) -> None:
    data = _editor_post("Main", "{}")
    data.update({"fg-TOTAL_FORMS": "2", "fg-0-is_failover": "on", "fg-1-name": "Other",
                 "fg-1-weight": "1", "fg-1-order": "1", "fg-1-condition": "{}",
                 "fg-1-is_failover": "on"})
    response = admin_client.post("/routing/user-groups/new/", data)
    assert response.status_code == 400
    assert "At most one filter group may be the failover." in response.content.decode()
    assert not UserGroup.objects.filter(tenant=tenant).exists()


@pytest.mark.parametrize("path", [
    "/routing/user-groups/", "/routing/user-groups/new/", "/routing/desks/",
    "/routing/agents/", "/routing/object-lists/",
])
def test_agents_cannot_open_routing_pages(agent_client: Client, path: str) -> None:
    assert agent_client.get(path).status_code == 403


def test_another_tenants_objects_answer_404(
        tenant: Tenant, other_tenant: Tenant, admin_client: Client) -> None:
    group = make_user_group(other_tenant, "Theirs", filters=[])
    desk = make_desk(other_tenant, "Theirs")
    obj = ObjectList.objects.create(tenant=other_tenant, name="Theirs", values=["US"])
    campaign = make_campaign(other_tenant)
    agent = make_agent(other_tenant, "zed")
    for path in (f"/routing/user-groups/{group.id}/", f"/routing/desks/{desk.id}/",
                 f"/routing/object-lists/{obj.id}/", f"/campaigns/{campaign.id}/users/",
                 f"/routing/agents/{agent.id}/"):
        assert admin_client.get(path).status_code == 404, path
    assert admin_client.post(f"/routing/user-groups/{group.id}/delete/").status_code == 404
    assert UserGroup.objects.filter(id=group.id).exists()


def test_desk_members_and_agent_settings_are_saved(
        tenant: Tenant, admin_client: Client) -> None:
    ann = make_agent(tenant, "ann")
    response = admin_client.post("/routing/desks/new/", {"name": "Sales", "description": "",
                                                         "members": [str(ann.id)]})
    assert response.status_code == 302
    profile = AgentProfile.objects.get(tenant=tenant, user=ann)
    assert [d.name for d in profile.desks.all()] == ["Sales"]
    response = admin_client.post(f"/routing/agents/{ann.id}/", {
        "desks": [], "time_zone": "America/Chicago", "language": "es", "assign_leads": "",
        "auto_dial": "on", "personal_queue_enabled": "on", "personal_queue_ratio": "2",
        "personal_queue_sorting": "weight_desc_callback", "caller_id_name": "",
        "caller_id_number": ""})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.time_zone, profile.language, profile.assign_leads, profile.auto_dial,
            profile.personal_queue_ratio) == ("America/Chicago", "es", False, True, 2)
    assert not profile.desks.exists()
    page = admin_client.get("/routing/agents/").content.decode()
    assert "America/Chicago" in page and "ratio 2" in page


def test_the_users_list_page_and_its_menu_entry(tenant: Tenant, admin_client: Client) -> None:
    campaign = make_campaign(tenant, name="Spring")
    desk = make_desk(tenant, "Sales")
    make_user_group(tenant, "Main", desks={desk: 2}, filters=[F(name="all")])
    make_agent(tenant, "ann", desks=[desk])
    assert f"/campaigns/{campaign.id}/users/" in admin_client.get("/campaigns/").content.decode()
    page = admin_client.get(f"/campaigns/{campaign.id}/users/").content.decode()
    assert "ann" in page and "Main" in page and "Sales" in page and "Online" in page


def test_editing_keeps_filter_group_ids_and_deletes_the_ticked_rows(
        tenant: Tenant, admin_client: Client) -> None:
    group = make_user_group(tenant, "Main", filters=[F(name="keep", weight=3),
                                                     F(name="drop", weight=1, order=1)])
    keep, drop = group.filter_groups.all()
    page = admin_client.get(f"/routing/user-groups/{group.id}/")
    assert page.status_code == 200 and "data-condition-builder" in page.content.decode()
    data = {
        "name": "Main", "description": "", "caller_id_name": "", "dial_ratio": "1",
        "fg-TOTAL_FORMS": "2", "fg-INITIAL_FORMS": "2",
        "fg-0-id": str(keep.id), "fg-0-name": "kept", "fg-0-weight": "5", "fg-0-order": "0",
        "fg-0-condition": '{"field": "weight", "op": "gt", "value": 10}',
        "fg-1-id": str(drop.id), "fg-1-name": "drop", "fg-1-weight": "1", "fg-1-order": "1",
        "fg-1-condition": "{}", "fg-1-DELETE": "on",
        "pg-TOTAL_FORMS": "0", "pg-INITIAL_FORMS": "0",
    }
    response = admin_client.post(f"/routing/user-groups/{group.id}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert [(f.id, f.name, f.weight) for f in group.filter_groups.all()] == [
        (keep.id, "kept", 5)]
