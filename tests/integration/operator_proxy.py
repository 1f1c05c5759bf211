"""A small reverse proxy for the operator sandboxes: counts the calls per meter, fails one meter's calls.

    proxy = MeterProxy(sandbox_base_url).start()
    proxy.fail = {"30001234567890"}       # every call whose URL names this meter answers 503
    ... point the connection at proxy.url ...
    proxy.calls["30001234567890"]         # calls that named the meter (answered or failed)
    proxy.stop()

Test-only: the sandboxes stay as strict as the real services; faults come from outside, as a flaky
network or gateway would bring them. Loopback only.
"""

from __future__ import annotations

import collections
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

METER = re.compile(r"(?<![0-9A-Za-z])(\d{14}|GI\d{6})(?![0-9])")
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "host"}


class MeterProxy:
    """Forward every request to `upstream`; answer 503 for the meters in `fail`; count calls per meter."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.fail: set[str] = set()
        self.calls: collections.Counter = collections.Counter()
        self.failed: collections.Counter = collections.Counter()
        self.lock = threading.Lock()
        self._http = httpx.Client(timeout=30.0)
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """The proxy's root URL (same paths as the upstream's)."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def reset(self) -> None:
        """Counters back to zero."""
        with self.lock:
            self.calls.clear()
            self.failed.clear()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        meters = set(METER.findall(handler.path))
        with self.lock:
            for meter in meters:
                self.calls[meter] += 1
            failing = meters & self.fail
            for meter in failing:
                self.failed[meter] += 1
        if failing:
            payload = b'{"error": "service_unavailable", "error_description": "injected by the test proxy"}'
            handler.send_response(503)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
            return
        headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP}
        reply = self._http.request(handler.command, self.upstream + handler.path, headers=headers, content=body)
        handler.send_response(reply.status_code)
        for key, value in reply.headers.items():
            if key.lower() not in _HOP:
                handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(reply.content)))
        handler.end_headers()
        handler.wfile.write(reply.content)

    def start(self) -> MeterProxy:
        """Serve in a daemon thread on a free loopback port."""
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's names
                proxy._handle(self)

            do_POST = do_PUT = do_PATCH = do_DELETE = do_GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        self._http.close()
