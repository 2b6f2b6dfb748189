"""A real local HTTP server standing in for a CRM's webhook endpoint in tests: it
records every request and answers with the status codes a test scripts."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeCrm:
    url: str
    received: list[Received] = field(default_factory=list)
    # Answers in order, one per request; when used up, ``default_status``.
    script: list[int] = field(default_factory=list)
    default_status: int = 200
    delay_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_status(self) -> int:
        with self.lock:
            return self.script.pop(0) if self.script else self.default_status


@contextmanager
def fake_crm() -> Iterator[FakeCrm]:
    crm: FakeCrm

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with crm.lock:
                crm.received.append(Received(self.path, dict(self.headers.items()), body))
            if crm.delay_seconds:
                time.sleep(crm.delay_seconds)
            status = crm.next_status()
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # keep the test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    crm = FakeCrm(url=f"http://127.0.0.1:{server.server_address[1]}/hooks/leadflow")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield crm
    finally:
        server.shutdown()
        server.server_close()
