"""The next-lead bench's paced mode: agents ask on a schedule, and latency counts the
time a slow answer keeps the next request behind schedule."""

from __future__ import annotations

import itertools
import time

from leadflow.ops.bench.next_lead import _threads


def test_paced_agents_never_ask_more_often_than_the_offered_rate() -> None:
    ids = itertools.count(1)
    latencies, handed = _threads(4, 1.0, lambda index: next(ids), rate=40)
    assert len(handed) <= 40  # 4 agents × one slot every 100 ms × 1 s
    assert len(latencies) == len(handed)


def test_paced_latency_runs_from_the_scheduled_moment_so_falling_behind_counts() -> None:
    def slow(index: int) -> int:
        time.sleep(0.2)  # twice an agent's 100 ms slot: each answer starts later
        return 1

    latencies, _ = _threads(2, 1.0, slow, rate=20)
    # Measured from the request's own start, every latency would be ~200 ms; from the
    # schedule, the fourth request of an agent is already ≥ 300 ms behind plus 200 ms.
    assert max(latencies) >= 500


def test_closed_loop_agents_ask_again_at_once() -> None:
    ids = itertools.count(1)
    _, handed = _threads(2, 0.3, lambda index: next(ids))
    assert len(handed) > 100  # no schedule: far more than any paced rate above
