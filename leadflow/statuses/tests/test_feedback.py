"""feedback_validate: the status, its required fields and the call-after time, one error each."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from leadflow.campaigns.services import campaign_update
from leadflow.campaigns.tests.factories import make_campaign
from leadflow.statuses.feedback import feedback_errors_as_validation_error, feedback_validate
from leadflow.statuses.services import status_update
from leadflow.statuses.tests.factories import make_agent, make_lead, statuses_of

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def setup(tenant):
    campaign = make_campaign(tenant)
    lead = make_lead(campaign, status="No Answer", created_at=NOW - timedelta(days=1))
    return campaign, statuses_of(campaign), lead, make_agent(tenant)


def _check(setup, status_name, **form):
    campaign, by_name, lead, agent = setup
    return feedback_validate(lead=lead, agent=agent, status_id=by_name[status_name].id,
                             form=form, at=NOW)


def _codes(errors) -> list[str]:
    return [e.code for e in errors]


# --- Max Call After Days --------------------------------------------------------------------

def test_a_call_after_time_exactly_at_max_call_after_days_is_accepted(setup):
    # Call Again - Personal: 14 days.
    assert _check(setup, "Call Again - Personal", call_after=NOW + timedelta(days=14)) == []


def test_a_call_after_time_one_minute_past_max_call_after_days_is_refused(setup):
    errors = _check(setup, "Call Again - Personal",
                    call_after=NOW + timedelta(days=14) + MINUTE)
    assert _codes(errors) == ["call_after_too_far"]
    assert errors[0].field == "call_after"
    assert "at most 14 days ahead" in errors[0].message


def test_max_call_after_days_0_means_unlimited(setup):
    campaign, by_name, _, _ = setup
    status_update(tenant=campaign.tenant, status_id=by_name["Call Again - General"].id,
                  max_call_after_days=0)
    assert _check(setup, "Call Again - General", call_after=NOW + timedelta(days=3650)) == []


def test_the_limit_is_measured_from_the_moment_of_the_feedback(setup):
    campaign, by_name, lead, agent = setup
    later = NOW + timedelta(days=5)
    errors = feedback_validate(lead=lead, agent=agent, status_id=by_name["Personal Meeting"].id,
                               form={"call_after": later + timedelta(days=30)}, at=later)
    assert errors == []


# --- the call-after time itself ---------------------------------------------------------------

def test_a_call_after_time_in_the_past_is_refused(setup):
    errors = _check(setup, "Call Again - Personal", call_after=NOW - MINUTE)
    assert _codes(errors) == ["call_after_in_past"]


def test_now_itself_is_not_in_the_past(setup):
    assert _check(setup, "Call Again - General", call_after=NOW) == []


def test_a_call_after_time_for_a_status_that_does_not_allow_one_is_refused(setup):
    errors = _check(setup, "Busy", call_after=NOW + timedelta(hours=2))
    assert _codes(errors) == ["call_after_not_allowed"]
    assert "“Busy” does not allow choosing a call-after time" in errors[0].message


@pytest.mark.parametrize("bad", ["tomorrow", 12345, date(2026, 3, 5), "2026-13-01T10:00"])
def test_a_call_after_that_is_not_a_date_time_is_refused(setup, bad):
    errors = _check(setup, "Call Again - General", call_after=bad)
    assert _codes(errors) == ["call_after_invalid"]


def test_an_iso_text_call_after_is_read_like_a_date_time(setup):
    text = (NOW + timedelta(days=2)).isoformat()
    assert _check(setup, "Call Again - Personal", call_after=text) == []


def test_an_empty_call_after_counts_as_not_given(setup):
    assert _check(setup, "Busy", call_after="") == []


# --- required fields ----------------------------------------------------------------------------

def test_a_status_requiring_call_after_is_refused_without_one(setup):
    errors = _check(setup, "Call Again - Personal", comment="call me later")
    assert _codes(errors) == ["required_fields"]
    assert errors[0].field == "required_fields"
    assert "call_after" in errors[0].message


def test_required_fields_over_several_fields_are_checked_on_the_whole_form(setup):
    campaign, by_name, _, _ = setup
    status_update(tenant=campaign.tenant, status_id=by_name["Personal Meeting"].id,
                  required_fields={"all": [{"field": "call_after", "op": "not_empty"},
                                           {"field": "date", "op": "not_empty"}]})
    meeting_at = NOW + timedelta(days=2)
    assert _codes(_check(setup, "Personal Meeting", call_after=meeting_at)) == ["required_fields"]
    assert _check(setup, "Personal Meeting", call_after=meeting_at,
                  date=meeting_at.date().isoformat()) == []


def test_a_date_that_is_not_a_date_is_refused(setup):
    assert _codes(_check(setup, "Busy", date="31/02/2026")) == ["date_invalid"]


# --- the status ---------------------------------------------------------------------------------

def test_a_system_status_is_refused_with_both_of_its_reasons(setup):
    # New is ticked in no row of the default workflow, and its fields contradict.
    assert _codes(_check(setup, "New")) == ["not_in_workflow", "system_status"]


def test_a_status_not_in_the_workflow_is_refused_with_its_reason(setup):
    campaign, by_name, lead, agent = setup
    lead.status = by_name["Do Not Call"]
    lead.save()
    errors = feedback_validate(lead=lead, agent=agent, status_id=by_name["Busy"].id, form={},
                               at=NOW)
    assert _codes(errors) == ["not_in_workflow"]
    assert errors[0].field == "status_id"


def test_a_status_of_another_campaign_or_tenant_is_unknown(setup, tenant, other_tenant):
    _, _, lead, agent = setup
    for campaign in (make_campaign(tenant), make_campaign(other_tenant)):
        foreign = statuses_of(campaign)["Busy"]
        errors = feedback_validate(lead=lead, agent=agent, status_id=foreign.id, form={}, at=NOW)
        assert _codes(errors) == ["unknown_status"]


def test_at_the_assigned_limit_the_feedback_is_refused_with_the_limit_named(setup):
    campaign, by_name, _, agent = setup
    campaign_update(tenant=campaign.tenant, campaign_id=campaign.id, assigned_limit=1)
    make_lead(campaign, assigned_agent=agent)
    errors = _check(setup, "Call Again - Personal", call_after=NOW + timedelta(days=1))
    assert _codes(errors) == ["assigned_limit_reached"]
    assert "Assigned Limit 1" in errors[0].message


def test_every_problem_is_reported_once(setup):
    campaign, by_name, lead, agent = setup
    lead.status = by_name["Do Not Call"]
    lead.save()
    errors = feedback_validate(lead=lead, agent=agent, status_id=by_name["Busy"].id,
                               form={"call_after": "soon", "date": "never"}, at=NOW)
    assert sorted(_codes(errors)) == ["call_after_invalid", "date_invalid", "not_in_workflow"]
    as_django = feedback_errors_as_validation_error(errors)
    assert set(as_django.message_dict) == {"status_id", "call_after", "date"}


def test_valid_feedback_has_no_errors(setup):
    assert _check(setup, "Busy", comment="line busy") == []
