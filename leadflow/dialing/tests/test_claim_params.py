"""The claim statement's shared parameters (``pgexec.shared_parameters``): each distinct
typed value once, never a text or NULL one, and ``bind`` moving what must move."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from leadflow.dialing import hot
from leadflow.dialing.pgexec import shared_parameters

TOKEN = uuid.UUID(int=0)
AGENT = -7
AT = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def test_equal_typed_values_share_one_placeholder() -> None:
    sql = ("a = %s AND b = %s AND c = ANY(%s) AND d = ANY(%s) AND e = %s AND f = %s "
           "AND g %% 2 = %s AND h = %s AND i = %s AND j = %s AND k = %s")
    params = [5, 5, [1, 2], [1, 2], "US", "US", True, 1, None, None, AT]
    plan = shared_parameters(sql, params, ["x"], token=TOKEN, agent_id=AGENT)
    # 5 and [1, 2] once each; text and NULL never shared (their type comes from where
    # they are used); True is not 1.
    assert plan.values == (5, [1, 2], "US", "US", True, 1, None, None, AT)
    assert plan.sql == (
        "a = %(p0)s AND b = %(p0)s AND c = ANY(%(p1)s) AND d = ANY(%(p1)s) "
        "AND e = %(p2)s AND f = %(p3)s AND g %% 2 = %(p4)s AND h = %(p5)s "
        "AND i = %(p6)s AND j = %(p7)s AND k = %(p8)s")
    assert plan.token_at is None and plan.agent_at is None


def test_bind_shifts_datetimes_and_puts_the_token_and_agent_in() -> None:
    later = AT + timedelta(hours=1)
    plan = shared_parameters("%s %s %s %s %s %s", [AT, TOKEN, AGENT, later, AGENT, AT],
                             ["x"], token=TOKEN, agent_id=AGENT)
    assert len(plan.values) == 4
    token = uuid.uuid4()
    bound = plan.bind(timedelta(seconds=12), token, 42)
    assert bound == {"p0": AT + timedelta(seconds=12), "p1": token, "p2": 42,
                     "p3": later + timedelta(seconds=12)}
    assert plan.values[0] == AT  # the plan itself is reused by every claim: untouched


def test_placeholders_and_parameters_must_match() -> None:
    with pytest.raises(AssertionError):
        shared_parameters("a = %s", [1, 2], [], token=TOKEN, agent_id=AGENT)


def test_hot_cache_reloads_after_its_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    """What another server process relies on: signals clear only the process that
    saved, so every other worker's cache must expire by itself within ``hot.TTL``."""
    now = [1000.0]
    monkeypatch.setattr(hot.time, "monotonic", lambda: now[0])
    cache: hot.TtlCache[int] = hot.TtlCache()
    loads = iter([1, 2])
    assert cache.get("k", lambda: next(loads)) == 1
    now[0] += hot.TTL - 0.01
    assert cache.get("k", lambda: next(loads)) == 1 and cache.peek("k") == 1
    now[0] += 0.02
    assert cache.peek("k") is None
    assert cache.get("k", lambda: next(loads)) == 2
