"""Work done ahead of need, in one background thread per process.

The claim statement is compiled once per calling-hours state (``claim._plan``): ~60–110
ms of Python per distinct set of lead sources, twice (to tell fixed datetimes from
moving ones). Done by the first claim after a window opens or closes, that time held
the interpreter lock while every other request thread of the process waited: a burst
of 100–400 ms latencies. Compiled here in the last seconds of the minute before, the
same work runs in the interpreter's 5 ms slices between requests instead.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Hashable, MutableMapping
from typing import Any

from django.db import connection

logger = logging.getLogger(__name__)


class Ahead:
    """``submit(key, make)``: ``results[key] = make()`` soon, in the background, once
    per key however often it is submitted before it is done."""

    def __init__(self, results: MutableMapping[Any, Any]) -> None:
        self.results = results
        self._pending: set[Hashable] = set()
        self._queue: queue.Queue[tuple[Hashable, Callable[[], Any]]] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, key: Hashable, make: Callable[[], Any]) -> None:
        with self._lock:
            if key in self._pending or key in self.results:
                return
            self._pending.add(key)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, daemon=True,
                                                 name="leadflow-ahead")
                self._thread.start()
        self._queue.put((key, make))

    def wait(self) -> None:
        """Until everything submitted is done (tests, shutdown)."""
        self._queue.join()

    def _run(self) -> None:
        while True:
            key, make = self._queue.get()
            try:
                if key not in self.results:
                    self.results[key] = make()
            except Exception:  # the claim compiles it itself when the time comes
                logger.exception("compiling ahead failed for %r", key)
            finally:
                with self._lock:
                    self._pending.discard(key)
                    idle = self._queue.empty()
                if idle:
                    # Idle until the next minute: give the connection back rather than
                    # hold one per process (and none is left open when tests end).
                    connection.close()
                self._queue.task_done()
