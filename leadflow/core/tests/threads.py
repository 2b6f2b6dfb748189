"""Running test work on several threads at once, each with its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def run_threads(threads: int, work: Callable[[int], object]) -> list[BaseException]:
    """Start ``work(index)`` on ``threads`` threads released together by a barrier; wait
    for all; return what they raised. Needs ``django_db(transaction=True)``: each thread
    opens its own connection (closed at its end) and sees only committed rows."""
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def body(index: int) -> None:
        try:
            start.wait()
            work(index)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()  # each thread had its own connection

    pool = [threading.Thread(target=body, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return errors
