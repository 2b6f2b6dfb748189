"""The simulated dialer: seeded, never sleeping, outcomes that the dialing API accepts."""

from __future__ import annotations

from collections import Counter

import pytest

from leadflow.dialing.models import DialResult
from leadflow.dialing.telephony import (
    CallSpec,
    Dialer,
    EventKind,
    SimulatedDialer,
    SimulationProfile,
)

SPEC = CallSpec(number="+442079460000", caller_id="+442079460999", lead_id=1)


def _calls(dialer: SimulatedDialer, count: int) -> list[tuple[DialResult, float, float]]:
    out = []
    for _ in range(count):
        handle = dialer.originate(SPEC)
        events = list(dialer.events(handle))
        ended = events[-1]
        assert ended.dial_result is not None
        out.append((ended.dial_result, ended.talk_seconds,
                    sum(e.after_seconds for e in events)))
        dialer.hang_up(handle)
    return out


def test_the_simulated_dialer_satisfies_the_dialer_interface() -> None:
    dialer: Dialer = SimulatedDialer.seeded(1)
    handle = dialer.originate(SPEC)
    assert handle.spec == SPEC
    assert [e.kind for e in dialer.events(handle)][0] == EventKind.RINGING


def test_outcome_frequencies_converge_to_the_profile_for_a_seeded_run() -> None:
    profile = SimulationProfile(answered=0.4, no_answer=0.3, busy=0.1, voicemail=0.15,
                                failed=0.05)
    calls = _calls(SimulatedDialer.seeded(2026, profile), 20_000)
    seen = Counter(result for result, _, _ in calls)
    for result, expected in profile.probabilities().items():
        assert seen[result] / len(calls) == pytest.approx(expected, abs=0.015), result


def test_equal_seeds_give_equal_calls_and_other_seeds_do_not() -> None:
    first = _calls(SimulatedDialer.seeded(7), 200)
    assert _calls(SimulatedDialer.seeded(7), 200) == first
    assert _calls(SimulatedDialer.seeded(8), 200) != first


def test_every_outcome_is_a_dial_result_the_api_accepts() -> None:
    results = {result for result, _, _ in _calls(SimulatedDialer.seeded(3), 2_000)}
    assert results <= set(DialResult.values)
    assert results == {DialResult.ANSWERED, DialResult.NO_ANSWER, DialResult.BUSY,
                       DialResult.VOICEMAIL, DialResult.FAILED}


def test_talk_time_is_zero_unless_the_call_was_answered() -> None:
    for result, talk, total in _calls(SimulatedDialer.seeded(4), 2_000):
        if result == DialResult.ANSWERED:
            assert 5.0 <= talk <= 1200.0
            assert total > talk  # it rang first
        else:
            assert talk == 0.0
        assert total >= 0.0


def test_an_answered_call_rings_then_is_answered_then_ends() -> None:
    dialer = SimulatedDialer.seeded(5, SimulationProfile(answered=1, no_answer=0, busy=0,
                                                         voicemail=0, failed=0))
    events = list(dialer.events(dialer.originate(SPEC)))
    assert [e.kind for e in events] == [EventKind.RINGING, EventKind.ANSWERED, EventKind.ENDED]
    assert events[-1].dial_result == DialResult.ANSWERED
    assert events[-1].after_seconds == events[-1].talk_seconds


def test_a_hung_up_call_has_no_more_events() -> None:
    dialer = SimulatedDialer.seeded(6)
    handle = dialer.originate(SPEC)
    dialer.hang_up(handle)
    assert list(dialer.events(handle)) == []


def test_a_profile_without_any_possible_outcome_is_refused() -> None:
    with pytest.raises(ValueError):
        SimulationProfile(answered=0, no_answer=0, busy=0, voicemail=0, failed=0)
    with pytest.raises(ValueError):
        SimulationProfile(busy=-0.1)
