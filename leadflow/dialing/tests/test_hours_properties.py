"""Property tests of calling hours: zones (half-hour ones too), multi-zone leads, DST
gaps and overlaps, the federal 08:00–21:00 boundaries, and callbacks across DST."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from leadflow.campaigns.calling_hours import WEEKDAYS, parse_calling_hours
from leadflow.dialing.hours import HoursPolicy, Rule

ZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "America/St_Johns",
         "Asia/Kolkata", "Asia/Kathmandu", "Australia/Adelaide", "Australia/Lord_Howe",
         "Europe/London", "Pacific/Chatham", "UTC"]
ALL_DAY = parse_calling_hours({d: {"start": "00:00", "end": "23:59"} for d in WEEKDAYS})
NINE_TO_EIGHT = parse_calling_hours({d: {"start": "09:00", "end": "20:00"} for d in WEEKDAYS})
FEDERAL = Rule("US", "", time(8), time(21), frozenset())


def _policy(windows: object = ALL_DAY) -> HoursPolicy:
    return HoursPolicy(windows=windows, default_zone="UTC", rules=[FEDERAL])  # type: ignore[arg-type]


moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31),
                       timezones=st.just(UTC))


@given(zone=st.sampled_from(ZONES), at=moments)
def test_federal_rule_is_exactly_local_08_to_21_in_any_zone(zone: str, at: datetime) -> None:
    local = at.astimezone(ZoneInfo(zone)).time()
    expected = time(8) <= local < time(21) and local < time(23, 59)
    assert _policy().is_open([zone], at, country="US") is expected


@given(zone=st.sampled_from(ZONES), at=moments)
def test_the_federal_rule_does_not_touch_other_countries(zone: str, at: datetime) -> None:
    local = at.astimezone(ZoneInfo(zone)).time()
    assert _policy().is_open([zone], at, country="GB") is (local < time(23, 59))


@given(zones=st.lists(st.sampled_from(ZONES), min_size=1, max_size=3, unique=True), at=moments)
def test_a_multi_zone_lead_is_open_only_when_every_zone_is(zones: list[str],
                                                          at: datetime) -> None:
    policy = _policy(NINE_TO_EIGHT)
    assert policy.is_open(zones, at, country="US") is all(
        policy.is_open([z], at, country="US") for z in zones)


@given(zone=st.sampled_from(ZONES), day=st.dates(min_value=datetime(2024, 1, 1).date(),
                                                 max_value=datetime(2028, 12, 31).date()))
def test_federal_boundaries_07_59_59_08_00_00_20_59_59_21_00_00(zone: str, day: object) -> None:
    tz = ZoneInfo(zone)
    policy = _policy()
    for clock, expected in ((time(7, 59, 59), False), (time(8), True),
                            (time(20, 59, 59), True), (time(21), False)):
        local = datetime.combine(day, clock, tzinfo=tz)  # type: ignore[arg-type]
        # A DST gap can shift a nonexistent wall time; check what it really is locally.
        real = local.astimezone(UTC).astimezone(tz)
        if real.time() != clock:
            continue
        assert policy.is_open([zone], local.astimezone(UTC), country="US") is expected


def test_dst_gap_and_overlap_in_new_york() -> None:
    policy = _policy(NINE_TO_EIGHT)
    ny = ["America/New_York"]
    # 8 March 2026: 02:00 → 03:00. 09:00 EDT is 13:00 UTC (not 14:00 as in winter).
    assert policy.is_open(ny, datetime(2026, 3, 8, 13, 0, tzinfo=UTC), country="US")
    assert not policy.is_open(ny, datetime(2026, 3, 8, 12, 59, 59, tzinfo=UTC), country="US")
    # 1 November 2026: 02:00 → 01:00; the repeated hour is outside any window either way,
    # and 20:00 EST is 01:00 UTC next day.
    assert policy.is_open(ny, datetime(2026, 11, 2, 0, 59, tzinfo=UTC), country="US")
    assert not policy.is_open(ny, datetime(2026, 11, 2, 1, 0, tzinfo=UTC), country="US")
    assert not policy.is_open(ny, datetime(2026, 11, 1, 5, 30, tzinfo=UTC), country="US")
    assert not policy.is_open(ny, datetime(2026, 11, 1, 6, 30, tzinfo=UTC), country="US")


@settings(max_examples=60, deadline=None)
@given(zone=st.sampled_from(ZONES), after=moments)
def test_a_moved_callback_lands_open_and_nothing_open_was_skipped(zone: str,
                                                                  after: datetime) -> None:
    """Across DST changes too: the next window is never missed nor jumped over."""
    policy = _policy(NINE_TO_EIGHT)
    moved = policy.next_open([zone], after, country="US")
    assert moved is not None and moved >= after
    assert policy.is_open([zone], moved, country="US")
    probe = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while probe < moved:
        assert not policy.is_open([zone], probe, country="US")
        probe += timedelta(minutes=7)
