"""Run the Huey consumer inside the web process (the embedded default)."""

from __future__ import annotations

import signal

from django.utils.module_loading import autodiscover_modules
from huey import Huey
from huey.consumer import Consumer
from huey.contrib.djhuey import HUEY

_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def start_in_process_worker(*, huey: Huey | None = None, workers: int = 2) -> Consumer:
    """Start worker and scheduler threads and return at once; call ``.stop()`` to end.

    ``Consumer.start()`` installs signal handlers that only its own ``run()`` loop acts
    on; we never call ``run()``, so the web server's handlers are put back — otherwise
    Ctrl-C and SIGTERM would be swallowed and the process could only be killed.
    """
    if huey is None:
        # Register every app's tasks (periodic ones included) the way ``run_huey`` does:
        # nothing else imports the ``tasks`` modules, and a consumer only schedules the
        # periodic tasks registered when it looks.
        autodiscover_modules("tasks")
    consumer = (huey or HUEY).create_consumer(workers=workers, worker_type="thread",
                                              periodic=True, check_worker_health=False)
    saved = {sig: signal.getsignal(sig) for sig in _SIGNALS}
    consumer.start()
    for sig, handler in saved.items():
        signal.signal(sig, handler)
    return consumer
