"""Serving the app: wait for a server to listen, run one inside this process on a free
port (tests, simulator), or the command line of the multi-process server.

Two servers, one app:

- **waitress** (one process, threads): ``make run`` / ``leadflow run``, the tests. Fine
  for a demo and a small floor; every request shares one GIL.
- **gunicorn, gthread workers** (``leadflow run --workers N``, the next-lead bench): N
  worker processes, each with a few threads, under one master that restarts a worker
  that dies or hangs. The usual production server for Django on Linux: Python CPU
  (the GIL) scales with the processes, threads overlap the database waits, keep-alive
  connections from a dialer stay open. UNIX only (``fork``).

Per-process state with several workers: every worker has its own ``dialing.hot``
caches (3 s TTL) and claim contexts (2 s TTL); an admin edit reaches the other workers
within those TTLs (see ``dialing.hot``). Everything that must be exact (leases,
round-robin positions) lives in the database.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, connections

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def wait_until_listening(url: str, *, attempts: int = 100, pause: float = 0.2) -> bool:
    """True once ``url`` answers (any status), False after ``attempts`` tries."""
    for _ in range(attempts):
        try:
            urllib.request.urlopen(url, timeout=1)
            return True
        except Exception:  # noqa: BLE001 - waiting for the server to listen
            time.sleep(pause)
    return False


def _per_request_connections(app: WsgiApp) -> WsgiApp:
    """Close the worker thread's database connections after each request.

    Connections are thread-local and waitress's worker threads end with the server,
    leaving persistent connections (``conn_max_age``) open behind them: a test could
    then not drop its PostgreSQL database. Django's own live server does the same."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            return list(app(environ, start_response))
        finally:
            connections.close_all()

    return wrapped


def _shared_in_memory_sqlite(app: WsgiApp) -> WsgiApp:
    """The test suite's in-memory SQLite database exists in one connection only: hand it
    to each request, one request at a time (a connection runs one transaction)."""
    shared = connections["default"]  # the object itself, not the per-thread proxy
    lock = threading.Lock()

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with lock:
            connections["default"] = shared
            return list(app(environ, start_response))

    return wrapped


@contextmanager
def serve_in_thread(*, host: str = "127.0.0.1", port: int = 0, threads: int = 8,
                    app: WsgiApp | None = None) -> Iterator[str]:
    """Serve the Django app with waitress in a thread; yields the base URL.

    ``port=0`` takes a free port. Stops the server (and its threads) on exit."""
    import waitress.server

    if app is None:
        from config.wsgi import application

        app = application
    in_memory = (connection.vendor == "sqlite"
                 and connection.is_in_memory_db())  # type: ignore[attr-defined]
    app = _shared_in_memory_sqlite(app) if in_memory else _per_request_connections(app)
    if in_memory:
        connections["default"].inc_thread_sharing()
    server: Any = waitress.server.create_server(app, host=host, port=port, threads=threads,
                                                ident="leadflow")
    thread = threading.Thread(target=server.run, name="leadflow-server", daemon=True)
    thread.start()
    url = f"http://{host}:{server.effective_port}"
    try:
        if not wait_until_listening(f"{url}/api/docs"):
            raise RuntimeError(f"the in-process server on {url} did not answer")
        yield url
    finally:
        # Let the worker threads finish their requests, then close every socket from
        # the server's own loop thread (waitress is not thread-safe there); the loop
        # ends when nothing is left to watch.
        server.task_dispatcher.shutdown()

        def close_all() -> None:
            for dispatcher in list(server._map.values()):
                dispatcher.close()

        try:
            server.trigger.pull_trigger(close_all)
        except OSError:
            # The wake-up pipe is already closed (seen once in CI: EBADF), so the loop
            # cannot run the thunk; close from here. The loop ends at its next poll,
            # when nothing is left to watch.
            close_all()
        thread.join(timeout=10)
        if in_memory:
            connections["default"].dec_thread_sharing()


def gunicorn_command(*, host: str, port: int, workers: int, threads: int,
                     app: str = "config.wsgi:application") -> list[str]:
    """The command line serving ``app`` with gunicorn: ``workers`` processes of
    ``threads`` threads each (gthread). The environment (``DATABASE_URL``,
    ``DJANGO_SETTINGS_MODULE``) is the caller's: pass it to the subprocess.

    No body-size cap is needed here, unlike waitress: gunicorn streams request bodies
    to Django, whose upload handlers enforce the import limit (``leads.uploads``)."""
    if sys.platform == "win32":  # pragma: no cover
        raise RuntimeError("several worker processes need gunicorn, which is UNIX only")
    command = [
        sys.executable, "-m", "gunicorn", f"--bind={host}:{port}", f"--workers={workers}",
        "--worker-class=gthread", f"--threads={threads}",
        # A dialer keeps its connection open between requests (gthread parks idle
        # keep-alive connections without holding a thread).
        "--keep-alive=5", "--backlog=2048",
        # No control socket: its fixed default path would clash between two servers
        # (a bench next to a running instance).
        "--no-control-socket",
        "--access-logfile=-" if os.environ.get("LEADFLOW_ACCESS_LOG") else "--log-level=warning",
    ]
    if os.path.isdir("/dev/shm"):
        # The workers' heartbeat files in memory: on a disk-backed /tmp a slow fsync
        # can make the master think a busy worker hangs and kill it.
        command.append("--worker-tmp-dir=/dev/shm")
    return [*command, app]


def default_workers() -> int:
    """Worker processes for this machine: one per core, at least two (a worker can
    restart while the other serves)."""
    return max(2, os.cpu_count() or 1)
