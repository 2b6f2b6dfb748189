"""The telephony boundary: what Leadflow needs from a dialer, and a simulated one.

Leadflow never places calls itself (SIP and media live in the PBX). A ``Dialer`` is the
seam where a real PBX adapter plugs in: ``originate`` a call, follow its ``events``
(ringing, answered, ended with a ``DialResult`` and the talk time), ``hang_up``.

``SimulatedDialer`` draws every outcome from a seeded ``random.Random``: equal seeds
give equal calls. It never sleeps: each event says how many seconds after the previous
one it happens, and the caller decides whether to wait (``leadflow simulate`` waits,
compressed by its speed factor; tests do not wait at all).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from leadflow.dialing.models import DialResult


class EventKind(StrEnum):
    RINGING = "ringing"
    ANSWERED = "answered"
    ENDED = "ended"


@dataclass(frozen=True)
class CallSpec:
    """What to dial: the number, the caller ID to present, and our ids for the logs."""

    number: str
    caller_id: str = ""
    lead_id: int | None = None
    call_id: int | None = None


@dataclass(frozen=True)
class CallHandle:
    """The dialer's reference to one call it originated."""

    id: str
    spec: CallSpec


@dataclass(frozen=True)
class DialerEvent:
    """One step of a call. ``after_seconds``: time since the previous event of the call
    (since ``originate`` for the first). ``dial_result`` and ``talk_seconds`` are final
    on the ENDED event; talk time is zero unless the call was answered."""

    handle: CallHandle
    kind: EventKind
    after_seconds: float
    dial_result: DialResult | None = None
    talk_seconds: float = 0.0


class Dialer(Protocol):
    def originate(self, spec: CallSpec) -> CallHandle: ...

    def events(self, handle: CallHandle) -> Iterator[DialerEvent]: ...

    def hang_up(self, handle: CallHandle) -> None: ...


# The outcomes a dialer can report for a call it placed. ABANDONED is the predictive
# dialer's own verdict (answered with no agent free), not a line outcome: never drawn.
LINE_OUTCOMES = (DialResult.ANSWERED, DialResult.NO_ANSWER, DialResult.BUSY,
                 DialResult.VOICEMAIL, DialResult.FAILED)


@dataclass(frozen=True)
class SimulationProfile:
    """Outcome probabilities (weights, normalised) and durations in simulated seconds.

    Talk time is log-normal around ``talk_median_seconds`` (calls are mostly short
    with a long tail), clipped to ``[talk_min_seconds, talk_max_seconds]``."""

    answered: float = 0.35
    no_answer: float = 0.30
    busy: float = 0.10
    voicemail: float = 0.15
    failed: float = 0.10
    ring_min_seconds: float = 4.0
    ring_max_seconds: float = 25.0
    busy_seconds: float = 3.0
    failed_seconds: float = 1.0
    talk_median_seconds: float = 90.0
    talk_sigma: float = 0.8
    talk_min_seconds: float = 5.0
    talk_max_seconds: float = 1200.0
    wrap_seconds: float = 10.0  # the agent's after-call work before feedback

    def __post_init__(self) -> None:
        weights = self.weights()
        if any(w < 0 or not math.isfinite(w) for w in weights.values()):
            raise ValueError("Outcome probabilities must be finite and not negative.")
        if sum(weights.values()) <= 0:
            raise ValueError("At least one outcome needs a probability above zero.")
        if not 0 <= self.ring_min_seconds <= self.ring_max_seconds:
            raise ValueError("Ring time: 0 ≤ ring_min_seconds ≤ ring_max_seconds.")
        if not 0 <= self.talk_min_seconds <= self.talk_max_seconds:
            raise ValueError("Talk time: 0 ≤ talk_min_seconds ≤ talk_max_seconds.")
        if self.talk_median_seconds <= 0 or self.talk_sigma < 0:
            raise ValueError("Talk time: the median must be positive, sigma not negative.")

    def weights(self) -> dict[DialResult, float]:
        return {DialResult.ANSWERED: self.answered, DialResult.NO_ANSWER: self.no_answer,
                DialResult.BUSY: self.busy, DialResult.VOICEMAIL: self.voicemail,
                DialResult.FAILED: self.failed}

    def probabilities(self) -> dict[DialResult, float]:
        weights = self.weights()
        total = sum(weights.values())
        return {result: weight / total for result, weight in weights.items()}


@dataclass
class _Planned:
    result: DialResult
    ring_seconds: float
    talk_seconds: float


@dataclass
class SimulatedDialer:
    """A ``Dialer`` whose calls are drawn at ``originate`` from ``rng``.

    Not thread-safe: give each simulated agent its own instance (and seed), which also
    keeps a run reproducible whatever order the threads interleave in."""

    profile: SimulationProfile = field(default_factory=SimulationProfile)
    rng: random.Random = field(default_factory=random.Random)
    _calls: dict[str, _Planned] = field(default_factory=dict, init=False, repr=False)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1), init=False,
                                repr=False)

    @classmethod
    def seeded(cls, seed: int, profile: SimulationProfile | None = None) -> SimulatedDialer:
        return cls(profile=profile or SimulationProfile(), rng=random.Random(seed))

    def originate(self, spec: CallSpec) -> CallHandle:
        # Draw everything now, in a fixed order, so the sequence of calls depends on the
        # seed alone, not on when or whether the caller reads the events.
        weights = self.profile.weights()
        result = self.rng.choices(list(weights), weights=list(weights.values()))[0]
        ring = self.rng.uniform(self.profile.ring_min_seconds, self.profile.ring_max_seconds)
        talk = self._talk_seconds() if result == DialResult.ANSWERED else 0.0
        if result == DialResult.BUSY:
            ring = self.profile.busy_seconds
        elif result == DialResult.FAILED:
            ring = self.profile.failed_seconds
        handle = CallHandle(id=f"sim-{next(self._ids)}", spec=spec)
        self._calls[handle.id] = _Planned(result=result, ring_seconds=ring, talk_seconds=talk)
        return handle

    def _talk_seconds(self) -> float:
        p = self.profile
        drawn = self.rng.lognormvariate(math.log(p.talk_median_seconds), p.talk_sigma)
        return min(p.talk_max_seconds, max(p.talk_min_seconds, drawn))

    def outcome(self, handle: CallHandle) -> tuple[DialResult, float]:
        """The call's dial result and talk seconds without walking its events."""
        planned = self._calls[handle.id]
        return planned.result, planned.talk_seconds

    def events(self, handle: CallHandle) -> Iterator[DialerEvent]:
        planned = self._calls.get(handle.id)
        if planned is None:  # hung up (or never ours): nothing more will happen
            return
        yield DialerEvent(handle=handle, kind=EventKind.RINGING, after_seconds=0.0)
        if planned.result == DialResult.ANSWERED:
            yield DialerEvent(handle=handle, kind=EventKind.ANSWERED,
                              after_seconds=planned.ring_seconds)
            yield DialerEvent(handle=handle, kind=EventKind.ENDED,
                              after_seconds=planned.talk_seconds,
                              dial_result=planned.result, talk_seconds=planned.talk_seconds)
        else:
            yield DialerEvent(handle=handle, kind=EventKind.ENDED,
                              after_seconds=planned.ring_seconds, dial_result=planned.result)

    def hang_up(self, handle: CallHandle) -> None:
        # A simulated line has nothing to tear down; forgetting the call keeps a
        # long run's memory flat and makes later events() on it empty.
        self._calls.pop(handle.id, None)
