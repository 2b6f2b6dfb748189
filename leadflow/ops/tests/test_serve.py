"""The multi-process server (``leadflow run --workers N``, the next-lead bench)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from leadflow.ops.serve import default_workers, gunicorn_command, wait_until_listening


def test_gunicorn_command_serves_with_gthread_workers() -> None:
    command = gunicorn_command(host="127.0.0.1", port=8123, workers=3, threads=4)
    assert command[:3] == [sys.executable, "-m", "gunicorn"]
    assert {"--bind=127.0.0.1:8123", "--workers=3", "--worker-class=gthread",
            "--threads=4", "--no-control-socket"} <= set(command)
    assert command[-1] == "config.wsgi:application"
    assert default_workers() >= 2


@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn is UNIX only")
def test_two_worker_processes_answer(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "LEADFLOW_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)  # the docs page needs no database: a throwaway SQLite
    server = subprocess.Popen(
        gunicorn_command(host="127.0.0.1", port=port, workers=2, threads=2), env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_until_listening(f"http://127.0.0.1:{port}/api/docs", attempts=150)
        # The master's children: one process per worker.
        children = [d for d in os.listdir("/proc") if d.isdigit()
                    and _parent(d) == server.pid] if os.path.isdir("/proc") else None
        assert children is None or len(children) == 2
    finally:
        server.terminate()
        assert server.wait(timeout=30) == 0


def _parent(pid: str) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # ended meanwhile
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])


def test_the_wsgi_application_keeps_its_startup_objects_out_of_the_collector() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", "import gc, config.wsgi; print(gc.get_freeze_count())"],
        capture_output=True, text=True, timeout=120, check=True)
    # Django and the apps: tens of thousands of objects a full collection skips.
    assert int(probe.stdout) > 10_000
