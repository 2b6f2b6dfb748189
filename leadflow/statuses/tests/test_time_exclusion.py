"""Workflow time exclusions: how days are counted, and every mode at the range's edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from leadflow.campaigns.tests.factories import make_campaign
from leadflow.statuses.exclusion import ExcludeMode, call_day, is_excluded
from leadflow.statuses.models import StatusTransition
from leadflow.statuses.selectors import Refusal, statuses_allowed
from leadflow.statuses.tests.factories import make_agent, make_lead, statuses_of

ENTERED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
FROM_DAY, TO_DAY = 3, 5
DAY = timedelta(days=1)
MICROSECOND = timedelta(microseconds=1)


# --- day counting ------------------------------------------------------------------------

def test_a_call_within_the_first_24_hours_is_day_0():
    assert call_day(entered_at=ENTERED, call_at=ENTERED) == 0
    assert call_day(entered_at=ENTERED, call_at=ENTERED + DAY - MICROSECOND) == 0


def test_a_day_starts_exactly_24_hours_after_the_previous_one():
    assert call_day(entered_at=ENTERED, call_at=ENTERED + DAY) == 1
    assert call_day(entered_at=ENTERED, call_at=ENTERED + 3 * DAY - MICROSECOND) == 2
    assert call_day(entered_at=ENTERED, call_at=ENTERED + 3 * DAY) == 3


def test_days_are_elapsed_time_whatever_the_time_zones_of_the_instants():
    in_tokyo = (ENTERED + 2 * DAY).astimezone(ZoneInfo("Asia/Tokyo"))
    assert call_day(entered_at=ENTERED, call_at=in_tokyo) == 2


def test_a_call_before_the_entry_has_a_negative_day_and_is_never_in_a_range():
    day = call_day(entered_at=ENTERED, call_at=ENTERED - timedelta(minutes=1))
    assert day == -1
    assert not is_excluded(from_day=0, to_day=10, mode=ExcludeMode.IGNORE, day=day,
                           permanent=False)


def test_a_cell_without_a_range_never_excludes_whatever_its_mode():
    for mode in ExcludeMode.values:
        for permanent in (True, False):
            assert not is_excluded(from_day=None, to_day=None, mode=mode, day=0,
                                   permanent=permanent)


# --- every mode at the boundaries, through statuses_allowed ------------------------------

# (day of the call, inside the range [3, 5]?)
BOUNDARY_DAYS = [(FROM_DAY - 1, False), (FROM_DAY, True), (TO_DAY, True), (TO_DAY + 1, False)]


def _expected_excluded(mode: str, inside: bool, permanent: bool) -> bool:
    if not inside:
        return False
    return {ExcludeMode.IGNORE: True, ExcludeMode.WHEN_PERMANENT: permanent,
            ExcludeMode.WHEN_NON_PERMANENT: not permanent}[ExcludeMode(mode)]


@pytest.fixture
def busy_after_no_answer(tenant):
    """A campaign whose only exclusion is on No Answer → Busy, days 3–5."""
    campaign = make_campaign(tenant)
    by_name = statuses_of(campaign)
    cell = StatusTransition.objects.get(from_status=by_name["No Answer"], to_status=by_name["Busy"])
    return campaign, by_name, cell


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ExcludeMode.values)
@pytest.mark.parametrize("permanent", [False, True], ids=["not-permanent", "permanent"])
@pytest.mark.parametrize(("day", "inside"), BOUNDARY_DAYS,
                         ids=["from-1", "from", "to", "to+1"])
def test_every_mode_excludes_exactly_inside_the_range_and_only_when_it_applies(
    tenant, busy_after_no_answer, mode, permanent, day, inside
):
    campaign, by_name, cell = busy_after_no_answer
    cell.exclude_from_day, cell.exclude_to_day, cell.exclude_mode = FROM_DAY, TO_DAY, mode
    cell.save()
    agent = make_agent(tenant)
    lead = make_lead(campaign, status="No Answer", created_at=ENTERED,
                     assigned_agent=make_agent(tenant) if permanent else None)
    # One hour into the day; the edges of a day itself are tested below.
    choices = statuses_allowed(lead=lead, agent=agent, at=ENTERED + day * DAY + timedelta(hours=1))

    assert choices.day == day
    excluded = _expected_excluded(mode, inside, permanent)
    busy = by_name["Busy"]
    assert choices.is_allowed(busy.id) is not excluded
    if excluded:
        [reason] = choices.reasons_for(busy.id)
        assert reason.code is Refusal.EXCLUDED_BY_TIME
        assert f"day {day}" in reason.message and "days 3–5" in reason.message
    # Other cells of the row are untouched by this cell's exclusion.
    assert choices.is_allowed(by_name["Voicemail"].id)


@pytest.mark.django_db
@pytest.mark.parametrize(("offset", "excluded"), [
    (FROM_DAY * DAY - MICROSECOND, False),  # the last instant of day 2
    (FROM_DAY * DAY, True),  # the first instant of day 3
    ((TO_DAY + 1) * DAY - MICROSECOND, True),  # the last instant of day 5
    ((TO_DAY + 1) * DAY, False),  # the first instant of day 6
], ids=["end-of-day-2", "start-of-day-3", "end-of-day-5", "start-of-day-6"])
def test_both_ends_of_the_range_are_whole_days_included(tenant, busy_after_no_answer, offset,
                                                        excluded):
    campaign, by_name, cell = busy_after_no_answer
    cell.exclude_from_day, cell.exclude_to_day = FROM_DAY, TO_DAY
    cell.save()
    lead = make_lead(campaign, status="No Answer", created_at=ENTERED)

    choices = statuses_allowed(lead=lead, agent=make_agent(tenant), at=ENTERED + offset)

    assert choices.is_allowed(by_name["Busy"].id) is not excluded


@pytest.mark.django_db
def test_a_one_day_range_excludes_that_day_only(tenant, busy_after_no_answer):
    campaign, by_name, cell = busy_after_no_answer
    cell.exclude_from_day = cell.exclude_to_day = 0
    cell.save()
    lead = make_lead(campaign, status="No Answer", created_at=ENTERED)
    agent = make_agent(tenant)

    assert not statuses_allowed(lead=lead, agent=agent, at=ENTERED).is_allowed(by_name["Busy"].id)
    assert statuses_allowed(lead=lead, agent=agent, at=ENTERED + DAY).is_allowed(by_name["Busy"].id)


@pytest.mark.django_db
def test_the_default_call_again_personal_exclusion_stops_renewing_a_permanent_hold_after_30_days(
    tenant,
):
    campaign = make_campaign(tenant)
    personal = statuses_of(campaign)["Call Again - Personal"]
    agent = make_agent(tenant)
    held = make_lead(campaign, status="Call Again - Personal", created_at=ENTERED,
                     assigned_agent=agent)
    pooled = make_lead(campaign, status="No Answer", created_at=ENTERED)

    assert statuses_allowed(lead=held, agent=agent, at=ENTERED + 29 * DAY).is_allowed(personal.id)
    assert not statuses_allowed(lead=held, agent=agent,
                                at=ENTERED + 30 * DAY).is_allowed(personal.id)
    # A lead nobody holds can still be taken personally on day 30.
    assert statuses_allowed(lead=pooled, agent=agent, at=ENTERED + 30 * DAY).is_allowed(personal.id)
