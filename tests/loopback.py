"""A loopback HTTP server that replays recorded platform responses and records every request.

Stands in for a platform's servers (the one thing tests may fake), on 127.0.0.1 only:

    with Loopback() as srv:
        srv.route("/api/v1/timelines/tag/osint", [Reply(200, body, headers), Reply(429, ...)])
        ... srv.url("/api/v1/...") ...
        assert srv.requests[0].path == ...

Each route answers its replies in order (the last one repeats). A reply can be cut short
(`truncate`: the body stops early though Content-Length says more) or stall (`delay` seconds,
for timeouts). Requests are kept with path, query and headers, so tests can check what was sent
and that nothing else was asked.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    truncate: int | None = None  # send only this many bytes of the body
    delay: float = 0.0  # wait before answering


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


class Loopback:
    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.hits: dict[str, int] = {}
        self.requests: list[Seen] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                parts = urlsplit(self.path)
                with outer.lock:
                    outer.requests.append(Seen("GET", parts.path, parse_qs(parts.query),
                                               {k.lower(): v for k, v in self.headers.items()}))
                    replies = outer.routes.get(parts.path)
                    n = outer.hits.get(parts.path, 0)
                    outer.hits[parts.path] = n + 1
                if not replies:
                    reply = Reply(404, b'{"error": "not found"}')
                else:
                    reply = replies[min(n, len(replies) - 1)]
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                body = reply.body if reply.truncate is None else reply.body[:reply.truncate]
                try:
                    self.wfile.write(body)
                    if reply.truncate is not None:
                        self.wfile.flush()
                        self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, replies: list[Reply]) -> None:
        with self.lock:
            self.routes[path] = list(replies)
            self.hits[path] = 0

    def __enter__(self) -> Loopback:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
