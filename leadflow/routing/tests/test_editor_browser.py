"""The user-group editor in a browser: an object-list line added to a filter group."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from leadflow.routing.models import FilterGroup
from leadflow.routing.services import FilterGroupInput as F
from leadflow.routing.services import object_list_save
from leadflow.routing.tests.factories import make_user_group
from leadflow.tenants.models import Tenant


@pytest.mark.django_db(transaction=True)
def test_an_object_list_line_is_added_to_a_filter_and_survives_the_builder(
        tenant: Tenant, admin_user: str, log_in: Callable[[str], Page]) -> None:
    markets = object_list_save(tenant=tenant, object_list_id=None, name="Markets",
                               kind="text", values=["US", "CA"])
    group = make_user_group(tenant, "Main", filters=[F(
        name="heavy", condition={"field": "weight", "op": "gt", "value": 5})])
    page = log_in(admin_user)
    page.goto(f"/routing/user-groups/{group.id}/")
    first = page.get_by_test_id("filter-group-form").first
    expect(first.locator("[data-condition-root]")).not_to_be_empty()
    picker = first.locator("[data-object-list-picker]")
    picker.locator("[data-object-list-field]").select_option("country")
    picker.locator("[data-object-list-id]").select_option(label="Markets")
    picker.get_by_role("button", name="Add").click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("user-group-summary")).to_contain_text(
        "weight > 5 and country is one of list “Markets”")
    (saved,) = FilterGroup.objects.filter(user_group=group)
    assert saved.condition == {"all": [
        {"field": "weight", "op": "gt", "value": 5},
        {"field": "country", "op": "in", "value": {"object_list": markets.id}}]}
