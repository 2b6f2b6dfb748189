"""Run the Huey consumer inside the web process (the embedded default)."""

from __future__ import annotations

from huey import Huey
from huey.consumer import Consumer
from huey.contrib.djhuey import HUEY


def start_in_process_worker(*, huey: Huey | None = None, workers: int = 2) -> Consumer:
    """Start worker and scheduler threads and return at once; call ``.stop()`` to end."""
    consumer = (huey or HUEY).create_consumer(workers=workers, worker_type="thread",
                                              periodic=True, check_worker_health=False)
    consumer.start()
    return consumer
