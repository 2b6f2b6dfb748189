"""Object lists inside conditions, campaign coverage and the campaign's Users List."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.core.conditions import ConditionError
from leadflow.leads.models import Lead
from leadflow.leads.tests.factories import LeadFactory
from leadflow.routing.conditions import covers_campaign, resolve_object_lists, summarize
from leadflow.routing.selectors import agent_lead_sources, campaign_users
from leadflow.routing.services import FilterGroupInput as F
from leadflow.routing.services import agent_set_state, break_state_create, object_list_save
from leadflow.routing.tests.factories import make_agent, make_desk, make_user_group
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db


def test_editing_an_object_list_changes_what_the_compiled_filter_selects(
        tenant: Tenant) -> None:
    campaign = make_campaign(tenant)
    LeadFactory(campaign=campaign, country="US")
    LeadFactory(campaign=campaign, country="GB")
    countries = object_list_save(tenant=tenant, object_list_id=None, name="Markets",
                                 kind="text", values=["US"])
    desk = make_desk(tenant, "Sales")
    make_user_group(tenant, "Main", desks={desk: 1}, filters=[F(
        name="markets", condition={"field": "country", "op": "in",
                                   "value": {"object_list": countries.id}})])
    agent = make_agent(tenant, "ann", desks=[desk])

    def selected() -> list[str]:
        (source,) = agent_lead_sources(tenant=tenant, agent=agent, at=timezone.now())
        return sorted(Lead.objects.filter(source.q).values_list("country", flat=True))

    assert selected() == ["US"]
    object_list_save(tenant=tenant, object_list_id=countries.id, name="Markets", kind="text",
                     values=["US", "GB"])
    assert selected() == ["GB", "US"]


def test_a_reference_to_another_tenants_object_list_names_the_node(
        tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = object_list_save(tenant=other_tenant, object_list_id=None, name="X",
                              kind="text", values=["US"])
    tree = {"all": [{"field": "weight", "op": "gt", "value": 1},
                    {"field": "country", "op": "in", "value": {"object_list": theirs.id}}]}
    with pytest.raises(ConditionError) as error:
        resolve_object_lists(tree, tenant)
    assert error.value.path == "all[1]"


def test_an_object_list_edit_that_would_break_a_filter_is_refused(tenant: Tenant) -> None:
    ids = object_list_save(tenant=tenant, object_list_id=None, name="Ids", kind="number",
                           values=[1])
    make_user_group(tenant, "G", filters=[F(name="by status", condition={
        "field": "status", "op": "in", "value": {"object_list": ids.id}})])
    with pytest.raises(ValidationError, match="by status"):
        object_list_save(tenant=tenant, object_list_id=ids.id, name="Ids", kind="text",
                         values=["x"])


@pytest.mark.parametrize(("tree", "covered"), [
    ({}, {1, 2}),
    ({"field": "weight", "op": "gt", "value": 3}, {1, 2}),
    ({"field": "campaign", "op": "eq", "value": 1}, {1}),
    ({"field": "campaign", "op": "in", "value": [2, 3]}, {2}),
    ({"not": {"field": "campaign", "op": "eq", "value": 1}}, {2}),
    ({"any": [{"field": "campaign", "op": "eq", "value": 1},
              {"field": "weight", "op": "gt", "value": 3}]}, {1, 2}),
    ({"all": [{"field": "campaign", "op": "eq", "value": 2},
              {"field": "weight", "op": "gt", "value": 3}]}, {2}),
])
def test_a_filter_covers_the_campaigns_it_restricts_to_or_all_when_unrestricted(
        tree: dict[str, object], covered: set[int]) -> None:
    assert {c for c in (1, 2) if covers_campaign(tree, c)} == covered


def test_summaries_read_like_sentences() -> None:
    tree = {"all": [{"field": "campaign", "op": "eq", "value": 7},
                    {"field": "country", "op": "in", "value": {"object_list": 3}}]}
    text = summarize(tree, names={"campaign": {7: "Spring"}}, list_names={3: "Markets"})
    assert text == "campaign = Spring and country is one of list “Markets”"


def test_users_list_shows_who_gets_a_campaigns_leads_and_through_what(
        tenant: Tenant, other_tenant: Tenant) -> None:
    spring, autumn = make_campaign(tenant, name="Spring"), make_campaign(tenant, name="Autumn")
    sales, night, empty = (make_desk(tenant, n) for n in ("Sales", "Night", "Empty"))
    make_user_group(tenant, "Spring only", desks={sales: 1}, filters=[F(
        name="spring", condition={"field": "campaign", "op": "eq", "value": spring.id})])
    make_user_group(tenant, "Everything", desks={night: 3, empty: 1},
                    filters=[F(name="all", condition={})])
    make_user_group(tenant, "Autumn only", desks={sales: 2}, filters=[F(
        name="autumn", condition={"field": "campaign", "op": "eq", "value": autumn.id})])
    make_user_group(tenant, "Switched off", desks={sales: 4}, filters=[F(name="off", weight=0)])
    make_agent(tenant, "ann", desks=[sales])
    bob = make_agent(tenant, "bob", desks=[night])
    make_agent(tenant, "carl")  # in no desk
    break_state_create(tenant=tenant, name="Lunch")
    agent_set_state(tenant=tenant, agent=bob, state="Lunch")
    foreign_desk = make_desk(other_tenant, "Sales")
    make_user_group(other_tenant, "Theirs", desks={foreign_desk: 1}, filters=[F(name="all")])
    make_agent(other_tenant, "zed", desks=[foreign_desk])

    rows = campaign_users(tenant=tenant, campaign_id=spring.id)
    assert [(r.user.username, r.user_group.name, r.desk.name, r.priority, r.is_online, r.state)
            for r in rows] == [
        ("ann", "Spring only", "Sales", 1, True, "online"),
        ("bob", "Everything", "Night", 3, False, "Lunch"),
    ]
