"""statuses_allowed: what an agent may choose after a call, and why the rest is left out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from leadflow.campaigns.services import campaign_update
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.statuses.defaults import DEFAULT_STATUSES
from leadflow.statuses.models import StatusTransition
from leadflow.statuses.selectors import Refusal, statuses_allowed
from leadflow.statuses.services import status_create
from leadflow.statuses.tests.factories import make_agent, make_lead, statuses_of
from leadflow.statuses.workflow import TransitionSpec, workflow_save

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
CONTRADICTION = {"all": [{"field": "comment", "op": "empty"},
                         {"field": "comment", "op": "not_empty"}]}


def _codes(choices, status) -> list[Refusal]:
    return [r.code for r in choices.reasons_for(status.id)]


# --- the workflow row ---------------------------------------------------------------------

def test_only_the_cells_ticked_in_the_leads_row_are_allowed(tenant):
    campaign = make_campaign(tenant)
    by_name = statuses_of(campaign)
    workflow_save(tenant=tenant, campaign_id=campaign.id, transitions=[
        TransitionSpec(by_name["Busy"].id, by_name["No Answer"].id),
        TransitionSpec(by_name["Busy"].id, by_name["Busy"].id),
        TransitionSpec(by_name["No Answer"].id, by_name["Converted"].id),
    ])
    lead = make_lead(campaign, status="Busy")

    choices = statuses_allowed(lead=lead, agent=make_agent(tenant), at=NOW)

    assert [s.name for s in choices.allowed] == ["No Answer", "Busy"]
    converted = by_name["Converted"]
    assert _codes(choices, converted) == [Refusal.NOT_IN_WORKFLOW]
    assert "“Converted” cannot follow “Busy”" in choices.reasons_for(converted.id)[0].message


def test_a_lead_without_a_status_follows_the_row_of_the_campaigns_default_status(tenant):
    campaign = make_campaign(tenant)
    lead = make_lead(campaign, status=None)
    lead.status = None
    lead.save()

    choices = statuses_allowed(lead=lead, agent=make_agent(tenant), at=NOW)

    assert choices.from_status is not None and choices.from_status.name == "New"
    assert "No Answer" in [s.name for s in choices.allowed]


def test_every_status_of_the_campaign_is_either_allowed_or_refused_with_a_reason(tenant):
    campaign = make_campaign(tenant)
    make_campaign(tenant)  # another campaign's statuses never show up
    lead = make_lead(campaign, status="Voicemail")

    choices = statuses_allowed(lead=lead, agent=make_agent(tenant), at=NOW)

    ids = {s.id for s in choices.allowed} | {r.status.id for r in choices.refused}
    assert ids == {s.id for s in statuses_of(campaign).values()}
    assert all(r.reasons for r in choices.refused)


# --- the default workflow -----------------------------------------------------------------

def test_the_default_workflow_never_offers_new_and_always_offers_do_not_call_when_dialable(
    tenant,
):
    campaign = make_campaign(tenant)
    by_name = statuses_of(campaign)
    agent = make_agent(tenant)
    for spec in DEFAULT_STATUSES:
        lead = make_lead(campaign, status=spec["name"])
        allowed = {s.name for s in statuses_allowed(lead=lead, agent=agent, at=NOW).allowed}
        assert "New" not in allowed
        if spec.get("is_dialable", True):
            assert "Do Not Call" in allowed, spec["name"]
            assert allowed >= {"No Answer", "Busy", "Converted", "Not Interested"}
    assert not StatusTransition.objects.filter(from_status=by_name["Do Not Call"]).exists()
    converted_row = StatusTransition.objects.filter(from_status=by_name["Converted"])
    assert [t.to_status.name for t in converted_row] == ["Do Not Call"]


# --- system statuses ------------------------------------------------------------------------

def test_a_status_whose_required_fields_contradict_is_a_system_status_agents_cannot_choose(
    tenant,
):
    campaign = make_campaign(tenant)
    by_name = statuses_of(campaign)
    # Tick New in the workflow on purpose: the contradiction still keeps it out.
    workflow_save(tenant=tenant, campaign_id=campaign.id, transitions=[
        TransitionSpec(by_name["No Answer"].id, by_name["New"].id),
        TransitionSpec(by_name["No Answer"].id, by_name["Busy"].id),
    ])
    lead = make_lead(campaign, status="No Answer")

    choices = statuses_allowed(lead=lead, agent=make_agent(tenant), at=NOW)

    new = by_name["New"]
    assert new.is_system
    assert _codes(choices, new) == [Refusal.SYSTEM_STATUS]
    assert "agents can't choose it" in choices.reasons_for(new.id)[0].message
    assert choices.is_allowed(by_name["Busy"].id)


@pytest.mark.parametrize("contradiction", [
    CONTRADICTION,
    {"all": [{"field": "date", "op": "gt", "value": "2026-05-01"},
             {"field": "date", "op": "lt", "value": "2026-04-01"}]},
    {"all": [{"field": "status", "op": "in", "value": []}]},
], ids=["empty-and-not-empty", "after-and-before", "in-nothing"])
def test_any_unsatisfiable_condition_makes_a_new_status_a_system_status(tenant, contradiction):
    campaign = make_campaign(tenant)
    status = status_create(tenant=tenant, campaign_id=campaign.id, name="Robot",
                           required_fields=contradiction)
    assert status.is_system


def test_a_satisfiable_condition_is_not_a_system_status(tenant):
    campaign = make_campaign(tenant)
    personal = statuses_of(campaign)["Call Again - Personal"]
    assert personal.required_fields and not personal.is_system


def test_a_status_can_be_refused_for_several_reasons_at_once(tenant):
    campaign = make_campaign(tenant)
    lead = make_lead(campaign, status="Do Not Call")

    choices = statuses_allowed(lead=lead, agent=make_agent(tenant), at=NOW)

    assert _codes(choices, statuses_of(campaign)["New"]) == [Refusal.NOT_IN_WORKFLOW,
                                                            Refusal.SYSTEM_STATUS]


# --- Assigned Limit -------------------------------------------------------------------------

@pytest.fixture
def limited_campaign(tenant):
    campaign = make_campaign(tenant)
    campaign_update(tenant=tenant, campaign_id=campaign.id, assigned_limit=2)
    return campaign


def test_at_the_assigned_limit_statuses_that_assign_the_lead_are_refused(tenant, limited_campaign):
    agent = make_agent(tenant)
    make_lead(limited_campaign, status="Call Again - Personal", assigned_agent=agent)
    make_lead(limited_campaign, status="Personal Meeting", assigned_agent=agent)
    lead = make_lead(limited_campaign, status="No Answer")

    choices = statuses_allowed(lead=lead, agent=agent, at=NOW)

    by_name = statuses_of(limited_campaign)
    for name in ("Call Again - Personal", "Personal Meeting"):
        assert _codes(choices, by_name[name]) == [Refusal.ASSIGNED_LIMIT_REACHED]
        message = choices.reasons_for(by_name[name].id)[0].message
        assert "you already hold 2 leads" in message and "Assigned Limit 2" in message
    # Statuses that do not assign stay available.
    assert choices.is_allowed(by_name["Call Again - General"].id)


def test_below_the_assigned_limit_the_statuses_are_allowed(tenant, limited_campaign):
    agent = make_agent(tenant)
    make_lead(limited_campaign, assigned_agent=agent)
    lead = make_lead(limited_campaign, status="No Answer")

    choices = statuses_allowed(lead=lead, agent=agent, at=NOW)

    assert choices.is_allowed(statuses_of(limited_campaign)["Call Again - Personal"].id)


def test_the_lead_being_handled_does_not_count_against_its_own_agents_limit(
    tenant, limited_campaign,
):
    agent = make_agent(tenant)
    make_lead(limited_campaign, assigned_agent=agent)
    lead = make_lead(limited_campaign, status="No Answer", assigned_agent=agent,
                     created_at=NOW - timedelta(days=1))

    choices = statuses_allowed(lead=lead, agent=agent, at=NOW)

    assert choices.is_allowed(statuses_of(limited_campaign)["Call Again - Personal"].id)


def test_other_agents_and_other_campaigns_leads_do_not_count(tenant, limited_campaign):
    agent, colleague = make_agent(tenant), make_agent(tenant)
    elsewhere = make_campaign(tenant)
    for _ in range(2):
        make_lead(limited_campaign, assigned_agent=colleague)
        make_lead(elsewhere, assigned_agent=agent)
    lead = make_lead(limited_campaign, status="No Answer")

    choices = statuses_allowed(lead=lead, agent=agent, at=NOW)

    assert choices.is_allowed(statuses_of(limited_campaign)["Personal Meeting"].id)


def test_an_assigned_limit_of_0_means_no_limit(tenant):
    campaign = make_campaign(tenant)
    agent = make_agent(tenant)
    for _ in range(5):
        make_lead(campaign, assigned_agent=agent)
    lead = make_lead(campaign, status="No Answer")

    choices = statuses_allowed(lead=lead, agent=agent, at=NOW)

    assert choices.is_allowed(statuses_of(campaign)["Call Again - Personal"].id)
