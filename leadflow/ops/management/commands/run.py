"""``leadflow run``: migrate, load the demo into an empty database, serve with a worker.

One process by default (waitress threads + the Huey consumer): ``make run``.
``--workers N`` (Linux/UNIX): gunicorn with N worker processes in a subprocess, while
*this* process keeps the one Huey consumer — the web workers never start one, so
periodic tasks are scheduled once, not N times. With ``--no-worker`` run the consumer
elsewhere (``leadflow run_huey``; with Redis, on any machine).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from leadflow.ops.demo import DEMO_PASSWORD


class Command(BaseCommand):
    help = "Serve Leadflow (waitress) with the Huey consumer in-process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8,
                            help="Threads per server process.")
        parser.add_argument("--workers", type=int, default=1, metavar="N",
                            help="Server processes. 1 (default): waitress in this "
                                 "process; more: gunicorn with N gthread workers "
                                 "(UNIX only), the Huey consumer staying in this process.")
        parser.add_argument("--no-worker", action="store_true",
                            help="Do not start the in-process Huey consumer.")
        parser.add_argument("--no-demo", action="store_true",
                            help="Do not load the demo tenant into an empty database.")
        parser.add_argument("--simulate", type=int, default=0, metavar="AGENTS",
                            help="Also run this many simulated agents against the server "
                                 "until it stops, so the figures move (see leadflow "
                                 "simulate).")

    def handle(self, *args: Any, **options: Any) -> None:
        import waitress

        from config.wsgi import application
        from leadflow.leads.imports import max_upload_bytes
        from leadflow.ops.worker import start_in_process_worker

        call_command("migrate", interactive=False, verbosity=0)
        if not options["no_demo"]:
            call_command("demo", if_empty=True)
        consumer = None if options["no_worker"] else start_in_process_worker()
        # SIGTERM (systemd, docker stop) ends like Ctrl-C: through ``finally`` below, so
        # the worker finishes its current task instead of being cut off.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        queue = "Redis" if settings.REDIS_URL else "SQLite"
        url = f"http://{options['host']}:{options['port']}"
        processes = (f", gunicorn: {options['workers']} processes"
                     if options["workers"] > 1 else "")
        self.stdout.write(self.style.SUCCESS(
            f"Leadflow on {url}  (database: {database}, jobs: Huey on {queue}"
            f"{', worker in-process' if consumer else ', no worker'}{processes})\n"
            f"  Log in: admin / {DEMO_PASSWORD}  ·  supervisor / {DEMO_PASSWORD}  ·  "
            f"agent1…agent10 / {DEMO_PASSWORD}\n"
            f"  API docs: {url}/api/docs"
        ))
        stop = threading.Event()
        if options["simulate"] > 0:
            self._start_simulation(url, options["simulate"], stop)
        try:
            if options["workers"] > 1:
                self._serve_processes(options)
            else:
                # waitress buffers a whole request body before Django sees it: cap it
                # just above the upload limit so an oversized upload is refused, not
                # stored.
                waitress.serve(application, host=options["host"], port=options["port"],
                               threads=options["threads"], ident="leadflow",
                               max_request_body_size=max_upload_bytes() + 64 * 1024)
        finally:
            stop.set()
            if consumer is not None:
                consumer.stop(graceful=True)

    def _serve_processes(self, options: dict[str, Any]) -> None:
        """gunicorn in a child process until it ends or we are stopped."""
        from django.db import connections

        from leadflow.ops.serve import gunicorn_command

        # The workers open their own connections; ours (migrate, demo) is not needed
        # while we wait.
        connections.close_all()
        command = gunicorn_command(host=options["host"], port=options["port"],
                                   workers=options["workers"], threads=options["threads"])
        server = subprocess.Popen(command)
        try:
            code = server.wait()
            if code:
                raise SystemExit(code)
        finally:
            if server.poll() is None:
                # SIGTERM: gunicorn's graceful stop (workers finish their requests).
                server.terminate()
                try:
                    server.wait(timeout=35)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()

    def _start_simulation(self, url: str, agents: int, stop: threading.Event) -> None:
        from django.db import connection

        from leadflow.ops.serve import wait_until_listening
        from leadflow.ops.simulate import simulate

        # The clients need an address to connect to, not the wildcard one served on.
        local = url.replace("://0.0.0.0:", "://127.0.0.1:")

        def body() -> None:
            try:
                if wait_until_listening(f"{local}/api/docs"):
                    simulate(agents=agents, minutes=None, url=local, stop=stop,
                             log=lambda message: print(message, file=sys.stderr, flush=True))
            finally:
                connection.close()  # this thread's own connection (set-up, teardown)

        # A daemon: stopping the server must not wait for agents in the middle of a call.
        threading.Thread(target=body, name="leadflow-simulate", daemon=True).start()
        self.stdout.write(f"  Simulating {agents} agents (leadflow simulate) until stopped")
