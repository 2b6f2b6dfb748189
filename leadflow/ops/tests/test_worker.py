"""The in-process Huey worker runs queued tasks on SQLite storage and on real Redis."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from huey import Huey, RedisHuey, SqliteHuey

from config.huey_config import huey_settings
from leadflow.ops.worker import start_in_process_worker

REDIS_URL = os.environ.get("LEADFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_reachable() -> bool:
    if not REDIS_URL:
        return False
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return False
    return True


def _round_trip(huey: Huey) -> str:
    @huey.task()
    def double(value: str) -> str:
        return value * 2

    consumer = start_in_process_worker(huey=huey, workers=1)
    try:
        result = double("ab")
        return str(result.get(blocking=True, timeout=15))
    finally:
        consumer.stop(graceful=True)


def test_embedded_mode_uses_sqlite_storage_and_redis_url_switches_to_redis(
    tmp_path: Path,
) -> None:
    embedded = huey_settings(redis_url="", var_dir=tmp_path)
    scaled = huey_settings(redis_url="redis://queue:6379/0", var_dir=tmp_path)
    assert embedded["huey_class"] == "huey.SqliteHuey"
    assert embedded["filename"] == str(tmp_path / "huey.sqlite3")
    assert scaled["huey_class"] == "huey.RedisHuey" and scaled["url"] == "redis://queue:6379/0"


def test_in_process_worker_runs_a_task_queued_in_sqlite_storage(tmp_path: Path) -> None:
    huey = SqliteHuey(name="test", filename=str(tmp_path / "queue.sqlite3"))
    assert _round_trip(huey) == "abab"


@pytest.mark.skipif(not _redis_reachable() and not os.environ.get("CI"),
                    reason="Redis unreachable (required in CI)")
def test_in_process_worker_runs_a_task_queued_in_redis() -> None:
    huey = RedisHuey(name=f"leadflow-test-{uuid.uuid4().hex}", url=REDIS_URL)
    try:
        assert _round_trip(huey) == "abab"
    finally:
        huey.storage.flush_all()


def test_starting_the_in_process_worker_keeps_the_servers_signal_handlers(
    tmp_path: Path,
) -> None:
    import signal

    def mine(signum: int, frame: object) -> None:  # pragma: no cover - never delivered
        pass

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        consumer = start_in_process_worker(
            huey=SqliteHuey(name="signals", filename=str(tmp_path / "q.sqlite3")), workers=1)
        try:
            assert signal.getsignal(signal.SIGTERM) is mine
        finally:
            consumer.stop(graceful=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
