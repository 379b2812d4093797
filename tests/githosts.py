"""A local HTTP server that speaks a git host's documented REST paths and records what
it was sent: the stand-in for GitHub, GitLab and Gitea in tests."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, Any, dict[str, str]]
Route = Callable[["Received", re.Match[str]], Answer]


@dataclass
class Received:
    method: str
    path: str
    body: Any
    headers: dict[str, str]


@dataclass
class FakeHost:
    routes: list[tuple[str, re.Pattern[str], Route]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    # Answers given before any route, in order: (status, body, headers), to test retries.
    failures: list[Answer] = field(default_factory=list)
    url: str = ""

    def route(self, method: str, pattern: str, answer: Route) -> None:
        self.routes.append((method, re.compile(f"^{pattern}$"), answer))

    def sent(self, method: str, pattern: str) -> list[Received]:
        compiled = re.compile(f"^{pattern}$")
        return [r for r in self.received if r.method == method and compiled.match(r.path)]

    def answer(self, received: Received) -> Answer:
        self.received.append(received)
        if self.failures:
            return self.failures.pop(0)
        for method, pattern, route in self.routes:
            match = pattern.match(received.path.split("?")[0])
            if method == received.method and match:
                return route(received, match)
        return 404, {"message": "Not Found"}, {}


@contextmanager
def serving(host: FakeHost) -> Iterator[FakeHost]:
    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
            status, answer, headers = host.answer(
                Received(
                    self.command, self.path, body, {k.lower(): v for k, v in self.headers.items()}
                )
            )
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()
