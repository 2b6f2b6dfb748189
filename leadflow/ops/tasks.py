"""Worker health: a task that proves the queue and a consumer are alive."""

from __future__ import annotations

from huey.contrib.djhuey import task


@task()
def worker_ping(value: str) -> str:
    return f"pong:{value}"
