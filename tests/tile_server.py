"""A tile server on 127.0.0.1 for the fetch tests (http.server in a thread, any free port).

Serves {(z, x, y): bytes} at /{z}/{x}/{y}.jpg. `script[(z, x, y)]` lists responses to give first,
each (status, headers, body) or ("slow", seconds): a 429 with Retry-After, a 500, an HTML page...
Tiles not in `tiles` are 404. Every request is logged (path, User-Agent, time) and the largest
number of requests in flight at once is kept.
"""

from __future__ import annotations

import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_PATH = re.compile(r"^/(\d+)/(\d+)/(\d+)\.jpg$")


class _Server(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A client that hangs up mid-answer (a fetch that stopped: all 404, cancelled, a silent link) is
        what a real server sees too; socketserver would print its BrokenPipeError traceback on stderr, where
        the tests look for the product's own tracebacks (seen once in CI, session 31)."""
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class TileServer:
    def __init__(self, tiles: dict, script: dict | None = None, delay_s: float = 0.0) -> None:
        self.tiles = dict(tiles)
        self.script = {k: list(v) for k, v in (script or {}).items()}
        self.delay_s = delay_s
        self.log: list[tuple[str, str, float]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802 - http.server's name
                with server._lock:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    server.log.append((self.path, self.headers.get("User-Agent", ""), time.monotonic()))
                self.counted = True
                try:
                    server._respond(self)
                finally:
                    server._release(self)

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{{z}}/{{x}}/{{y}}.jpg"

    def requests_for(self, z: int, x: int, y: int) -> list[float]:
        return [t for p, _, t in self.log if p == f"/{z}/{x}/{y}.jpg"]

    def _respond(self, h: BaseHTTPRequestHandler) -> None:
        m = _PATH.match(h.path)
        key = tuple(int(v) for v in m.groups()) if m else None
        with self._lock:
            todo = self.script.get(key)
            step = todo.pop(0) if todo else None
        if self.delay_s:
            time.sleep(self.delay_s)
        if step is not None and step[0] == "slow":
            time.sleep(step[1])
            step = None
        if step is not None:
            status, headers, body = step
            self._send(h, status, headers, body)
        elif key in self.tiles:
            self._send(h, 200, {"Content-Type": "image/jpeg"}, self.tiles[key])
        else:
            self._send(h, 404, {"Content-Type": "text/plain"}, b"no such tile")

    def _release(self, h) -> None:
        """This request leaves the in-flight count once, before its response goes out: released after
        the write, a client's next request could arrive first and count one too many (seen under load)."""
        with self._lock:
            if getattr(h, "counted", False):
                h.counted = False
                self.in_flight -= 1

    def _send(self, h, status, headers, body: bytes) -> None:
        self._release(h)
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    def __enter__(self) -> "TileServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class AnswerServer:
    """127.0.0.1 on a free port, each GET answered by the subclass's `answer(path) -> (status, body)`;
    every path asked for is logged in `log`. `base` is the server's root URL. A context manager: serves
    in a daemon thread inside the `with`."""

    def __init__(self) -> None:
        self.log: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802 - http.server's name
                server.log.append(self.path)
                status, body = server.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def answer(self, path: str) -> tuple[int, bytes]:
        raise NotImplementedError

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
