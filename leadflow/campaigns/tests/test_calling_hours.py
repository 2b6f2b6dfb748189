"""Calling hours: validation messages and evaluation in the lead's own zone(s)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from leadflow.campaigns.calling_hours import (
    WEEKDAYS,
    default_calling_hours,
    is_open_in_all_zones,
    is_open_in_zone,
    parse_calling_hours,
)

NINE_TO_EIGHT = parse_calling_hours({d: {"start": "09:00", "end": "20:00"} for d in WEEKDAYS})


def test_default_hours_are_weekdays_and_saturday_with_sunday_closed() -> None:
    windows = parse_calling_hours(default_calling_hours())
    assert windows["sun"] is None
    assert windows["mon"] is not None and str(windows["mon"].start) == "09:00:00"
    assert windows["sat"] is not None and str(windows["sat"].end) == "18:00:00"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"mon": {"start": "20:00", "end": "09:00"}}, "Monday: the window must start before"),
        ({"tue": {"start": "9am", "end": "10:00"}}, "Tuesday start: '9am' is not a time"),
        ({"funday": None}, "Unknown weekday(s) funday"),
        ({"wed": {"start": "09:00"}}, "Wednesday must be null (closed) or {start, end}"),
        ({"thu": {"start": 9, "end": "10:00"}}, "Thursday start must be a time written HH:MM"),
        (["09:00"], "must be an object keyed by weekday"),
    ],
)
def test_bad_calling_hours_name_the_day_and_the_problem(raw: object, message: str) -> None:
    with pytest.raises(ValidationError) as error:
        parse_calling_hours(raw)
    assert message in error.value.messages[0]


def test_window_includes_its_start_and_excludes_its_end() -> None:
    # 2026-12-07 is a Monday; London is on UTC in December.
    assert is_open_in_zone(NINE_TO_EIGHT, "Europe/London", datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    assert is_open_in_zone(NINE_TO_EIGHT, "Europe/London",
                           datetime(2026, 12, 7, 19, 59, tzinfo=UTC))
    assert not is_open_in_zone(NINE_TO_EIGHT, "Europe/London",
                               datetime(2026, 12, 7, 20, 0, tzinfo=UTC))


def test_half_hour_zone_is_evaluated_on_its_own_offset() -> None:
    # Kolkata is UTC+05:30: 03:29 UTC is 08:59 there (closed), 03:30 UTC is 09:00 (open).
    assert not is_open_in_zone(NINE_TO_EIGHT, "Asia/Kolkata",
                               datetime(2026, 12, 7, 3, 29, tzinfo=UTC))
    assert is_open_in_zone(NINE_TO_EIGHT, "Asia/Kolkata", datetime(2026, 12, 7, 3, 30, tzinfo=UTC))


def test_weekday_is_the_leads_local_weekday_not_utcs() -> None:
    weekdays_only = parse_calling_hours(
        {d: {"start": "09:00", "end": "20:00"} for d in WEEKDAYS[:5]}
    )
    # Saturday 2026-12-12 00:30 UTC is still Friday 19:30 in New York: open there.
    moment = datetime(2026, 12, 12, 0, 30, tzinfo=UTC)
    assert is_open_in_zone(weekdays_only, "America/New_York", moment)
    assert not is_open_in_zone(weekdays_only, "Europe/London", moment)


def test_daylight_saving_shifts_the_utc_hours_of_a_window() -> None:
    # New York: 09:00 local is 14:00 UTC in winter (EST) and 13:00 UTC in summer (EDT).
    assert not is_open_in_zone(NINE_TO_EIGHT, "America/New_York",
                               datetime(2026, 12, 7, 13, 30, tzinfo=UTC))
    assert is_open_in_zone(NINE_TO_EIGHT, "America/New_York",
                           datetime(2026, 7, 6, 13, 30, tzinfo=UTC))


def test_a_lead_with_several_zones_is_callable_only_when_all_are_inside_hours() -> None:
    # 14:30 UTC in December: 09:30 in New York (open), 08:30 in Chicago (closed).
    moment = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)
    assert is_open_in_zone(NINE_TO_EIGHT, "America/New_York", moment)
    assert not is_open_in_all_zones(NINE_TO_EIGHT, ["America/New_York", "America/Chicago"],
                                    moment)
    later = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)
    assert is_open_in_all_zones(NINE_TO_EIGHT, ["America/New_York", "America/Chicago"], later)


def test_no_zone_at_all_is_never_open() -> None:
    assert not is_open_in_all_zones(NINE_TO_EIGHT, [], datetime(2026, 12, 7, 12, tzinfo=UTC))
