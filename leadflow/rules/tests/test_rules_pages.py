"""The Rules pages through Django's test client: list, group and rule editors, dry run."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from leadflow.campaigns.models import Campaign
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.rules.models import Rule, RuleGroup
from leadflow.statuses.tests.factories import make_lead, statuses_of
from leadflow.tenants.models import Tenant

pytestmark = pytest.mark.django_db


def _rule_post(group: RuleGroup, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Busy twice: weight +5", "group": group.id, "is_active": "on", "kind": "event",
        "triggers": json.dumps([{"event": "feedback_submitted"}]),
        "conditions": json.dumps({"all": [{"field": "weight", "op": "gt", "value": 5}]}),
        "actions": json.dumps([{"type": "change_weight", "mode": "add", "value": 5}]),
    }
    data.update(overrides)
    return data


def _first_group(campaign: Campaign) -> RuleGroup:
    return RuleGroup.objects.filter(campaign=campaign).order_by("position").first()  # type: ignore[return-value]


def test_the_rules_page_lists_the_template_groups_and_rules_of_a_new_campaign(
        admin_client: Client, tenant: Tenant) -> None:
    campaign = make_campaign(tenant, name="Spring")
    response = admin_client.get(f"/campaigns/{campaign.id}/rules/")
    assert response.status_code == 200
    page = response.content.decode()
    for group in RuleGroup.objects.filter(campaign=campaign):
        assert group.title in page
    for rule in Rule.objects.filter(campaign=campaign):
        assert rule.name.replace("'", "&#x27;") in page
    # Summaries name statuses and windows, not ids.
    assert "Times in “No Answer” in the last 12 h ≥ 3" in page
    assert "Freeze 1 day" in page
    assert "Expand All" in page and "New group" in page


def test_the_campaigns_frequent_menu_links_to_its_rules(admin_client: Client,
                                                        tenant: Tenant) -> None:
    campaign = make_campaign(tenant)
    page = admin_client.get("/campaigns/").content.decode()
    assert f'href="/campaigns/{campaign.id}/rules/">Rules</a>' in page


def test_a_supervisor_may_open_the_rules_page_and_an_agent_may_not(
        supervisor_client: Client, agent_client: Client, tenant: Tenant) -> None:
    campaign = make_campaign(tenant)
    assert supervisor_client.get(f"/campaigns/{campaign.id}/rules/").status_code == 200
    rule = Rule.objects.filter(campaign=campaign).first()
    assert rule is not None
    for url in (f"/campaigns/{campaign.id}/rules/", f"/campaigns/{campaign.id}/rules/new/",
                f"/campaigns/{campaign.id}/rules/{rule.id}/edit/"):
        assert agent_client.get(url).status_code == 403


def test_another_tenants_campaign_group_and_rule_are_not_found(
        admin_client: Client, tenant: Tenant, other_tenant: Tenant) -> None:
    mine, theirs = make_campaign(tenant), make_campaign(other_tenant)
    their_rule = Rule.objects.filter(campaign=theirs).first()
    their_group = _first_group(theirs)
    assert their_rule is not None
    for url in (f"/campaigns/{theirs.id}/rules/",
                f"/campaigns/{mine.id}/rules/{their_rule.id}/edit/",
                f"/campaigns/{mine.id}/rules/{their_rule.id}/delete/",
                f"/campaigns/{mine.id}/rules/groups/{their_group.id}/edit/",
                f"/campaigns/{mine.id}/rules/new/?group={their_group.id}"):
        assert admin_client.get(url).status_code == 404, url
    assert admin_client.post(f"/campaigns/{mine.id}/rules/{their_rule.id}/delete/"
                             ).status_code == 404
    assert Rule.objects.filter(id=their_rule.id).exists()


def test_a_rule_of_another_campaign_of_the_tenant_is_not_found_under_this_one(
        admin_client: Client, tenant: Tenant) -> None:
    one, two = make_campaign(tenant), make_campaign(tenant)
    rule = Rule.objects.filter(campaign=two).first()
    assert rule is not None
    assert admin_client.get(f"/campaigns/{one.id}/rules/{rule.id}/edit/").status_code == 404


def test_an_admin_creates_edits_and_deletes_a_group(admin_client: Client,
                                                     tenant: Tenant) -> None:
    campaign = make_campaign(tenant)
    response = admin_client.post(f"/campaigns/{campaign.id}/rules/groups/new/",
                                 {"title": "Night shift", "is_enabled": "on"})
    assert response.status_code == 302
    group = RuleGroup.objects.get(campaign=campaign, title="Night shift")
    assert group.is_enabled

    response = admin_client.post(f"/campaigns/{campaign.id}/rules/groups/{group.id}/edit/",
                                 {"title": "Late shift"})
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.title, group.is_enabled) == ("Late shift", False)

    response = admin_client.post(f"/campaigns/{campaign.id}/rules/new/?group={group.id}",
                                 _rule_post(group))
    assert response.status_code == 302
    confirm = admin_client.get(f"/campaigns/{campaign.id}/rules/groups/{group.id}/delete/")
    assert "1 rule</strong> goes with it" in confirm.content.decode()
    response = admin_client.post(f"/campaigns/{campaign.id}/rules/groups/{group.id}/delete/",
                                 follow=True)
    assert "deleted with 1 rule." in response.content.decode()
    assert not RuleGroup.objects.filter(id=group.id).exists()
    assert not Rule.objects.filter(name="Busy twice: weight +5").exists()


def test_a_blank_group_title_is_a_form_error(admin_client: Client, tenant: Tenant) -> None:
    campaign = make_campaign(tenant)
    response = admin_client.post(f"/campaigns/{campaign.id}/rules/groups/new/",
                                 {"title": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["title"]


def test_an_admin_creates_edits_and_deletes_a_rule(admin_client: Client,
                                                    tenant: Tenant) -> None:
    campaign = make_campaign(tenant)
    group = _first_group(campaign)
    busy = statuses_of(campaign)["Busy"]
    response = admin_client.post(f"/campaigns/{campaign.id}/rules/new/", _rule_post(
        group, stop_processing="on",
        triggers=json.dumps([{"event": "status_changed", "to_status": busy.id}])))
    assert response.status_code == 302
    rule = Rule.objects.get(name="Busy twice: weight +5")
    assert (rule.group_id, rule.kind, rule.stop_processing) == (group.id, "event", True)
    assert rule.triggers == [{"event": "status_changed", "to_status": busy.id}]
    assert rule.actions == [{"type": "change_weight", "mode": "add", "value": 5}]

    edit = admin_client.get(f"/campaigns/{campaign.id}/rules/{rule.id}/edit/")
    assert edit.status_code == 200 and "Busy twice" in edit.content.decode()
    response = admin_client.post(f"/campaigns/{campaign.id}/rules/{rule.id}/edit/", _rule_post(
        group, name="Nightly thaw", kind="time", hours=["3", "15"], weekdays=["0", "4"],
        conditions="{}", actions=json.dumps([{"type": "unfreeze"}])))
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.kind, rule.hours, rule.weekdays, rule.triggers, rule.is_active) == (
        "Nightly thaw", "time", [3, 15], [0, 4], [], True)

    assert admin_client.get(f"/campaigns/{campaign.id}/rules/{rule.id}/delete/"
                            ).status_code == 200
    assert admin_client.post(f"/campaigns/{campaign.id}/rules/{rule.id}/delete/"
                             ).status_code == 302
    assert not Rule.objects.filter(id=rule.id).exists()


def test_the_services_validation_errors_are_shown_on_their_fields_not_as_a_server_error(
        admin_client: Client, tenant: Tenant) -> None:
    campaign = make_campaign(tenant)
    group = _first_group(campaign)
    response = admin_client.post(f"/campaigns/{campaign.id}/rules/new/", _rule_post(
        group, triggers="[]",
        actions=json.dumps([{"type": "freeze", "days": 0}, {"type": "teleport"}])))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["triggers"] == ["An event-based rule needs at least one trigger."]
    assert errors["actions"][0].startswith("Action 1 (freeze): 'days' must be")
    assert errors["actions"][1].startswith("Action 2: unknown type")
    assert "teleport" in errors["actions"][1]
    page = response.content.decode()
    assert 'data-field="actions"' in page and 'data-field="triggers"' in page
    assert not Rule.objects.filter(name="Busy twice: weight +5").exists()


def test_a_time_rule_without_hours_or_with_event_fields_is_refused_on_its_fields(
        admin_client: Client, tenant: Tenant) -> None:
    campaign = make_campaign(tenant)
    group = _first_group(campaign)
    response = admin_client.post(f"/campaigns/{campaign.id}/rules/new/", _rule_post(
        group, kind="time", conditions=json.dumps(
            {"all": [{"field": "event.new_weight", "op": "gt", "value": 1}]})))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "hours" in errors and "conditions" in errors


def test_a_condition_on_an_unknown_field_is_an_error_on_the_conditions(
        admin_client: Client, tenant: Tenant) -> None:
    campaign = make_campaign(tenant)
    group = _first_group(campaign)
    response = admin_client.post(f"/campaigns/{campaign.id}/rules/new/", _rule_post(
        group, conditions=json.dumps({"all": [{"field": "shoe_size", "op": "gt", "value": 1}]})))
    assert response.status_code == 200
    assert "shoe_size" in response.context["form"].errors["conditions"][0]


def test_the_editor_offers_the_campaigns_window_counts_by_name(admin_client: Client,
                                                               tenant: Tenant) -> None:
    campaign = make_campaign(tenant)
    busy = statuses_of(campaign)["Busy"]
    page = admin_client.get(f"/campaigns/{campaign.id}/rules/new/").content.decode()
    assert f'"status_count.{busy.id}.7d"' in page
    assert "Times in \\u201cBusy\\u201d in the last 7 days" in page
    assert "Calls \\u201cNo answer\\u201d in the last 24 h" in page
    assert '"event.new_status"' in page


def test_a_dry_run_counts_the_matching_leads_and_shows_ten_with_masked_phones(
        admin_client: Client, tenant: Tenant) -> None:
    campaign = make_campaign(tenant)
    busy = statuses_of(campaign)["Busy"]
    for weight in range(14):
        make_lead(campaign, status=busy, weight=weight, phone=f"+1202555{weight:04d}")
    make_lead(campaign, status="No Answer", weight=50)
    tree = {"all": [{"field": "weight", "op": "gt", "value": 1},
                    {"field": "status", "op": "eq", "value": busy.id},
                    {"field": "event.dial_result", "op": "eq", "value": "busy"}]}
    response = admin_client.post(f"/campaigns/{campaign.id}/rules/dry-run/",
                                 {"conditions": json.dumps(tree)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Matches 12 leads now" in page
    assert page.count('data-testid="dry-run-row"') == 10
    assert "Event fields (event.*) were left out" in page
    # The first ten by id (weights 2–11), masked like the agent's screen: last four shown.
    assert "+1202555" not in page and "+•••••••0002" in page


def test_a_dry_run_of_a_bad_condition_shows_the_message(admin_client: Client,
                                                        tenant: Tenant) -> None:
    campaign = make_campaign(tenant)
    url = f"/campaigns/{campaign.id}/rules/dry-run/"
    bad = admin_client.post(url, {"conditions": json.dumps(
        {"all": [{"field": "weight", "op": "contains", "value": "x"}]})})
    assert bad.status_code == 200 and 'data-testid="dry-run-error"' in bad.content.decode()
    broken = admin_client.post(url, {"conditions": "{not json"})
    assert "not valid JSON" in broken.content.decode()


def test_a_dry_run_with_no_condition_matches_every_lead(admin_client: Client,
                                                        tenant: Tenant) -> None:
    campaign = make_campaign(tenant)
    make_lead(campaign)
    make_lead(campaign)
    response = admin_client.post(f"/campaigns/{campaign.id}/rules/dry-run/",
                                 {"conditions": "{}"})
    assert "Matches 2 leads now" in response.content.decode()
