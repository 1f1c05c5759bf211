"""The resilient HTTP layer (collecte.sources.http) through the fault-injecting proxy."""

from __future__ import annotations

import json
import random
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from collecte.errors import NonRetryableError, TransientError
from collecte.sources.http import (
    HTTPStatusError,
    ResilientClient,
    RetryPolicy,
    TransientHTTPError,
    parse_json,
    retry_after_seconds,
)
from tests.faults.proxy import FaultProxy

FAST = RetryPolicy(attempts=8, backoff=0.01, max_backoff=0.05, connect_timeout=1, read_timeout=0.4,
                   total_timeout=5)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    hits: dict[str, int] = {}

    def log_message(self, *args):  # quiet
        pass

    def do_GET(self):
        self.hits[self.path] = self.hits.get(self.path, 0) + 1
        if self.path.startswith("/item/"):
            n = int(self.path.rsplit("/", 1)[1])
            self._send(200, json.dumps({"n": n, "payload": "x" * 2000}).encode())
        elif self.path == "/missing":
            self._send(404, b'{"error": "not_found"}')
        elif self.path == "/garbled-once":
            # first answer: JSON cut short with no Content-Length (only the parse can tell)
            if self.hits[self.path] == 1:
                self.send_response(200)
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(b'{"n": 1, "payl')
                self.close_connection = True
            else:
                self._send(200, b'{"n": 1}')
        else:
            self._send(500, b"{}")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        self.hits["POST"] = self.hits.get("POST", 0) + 1
        self._send(201, body)

    def _send(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def upstream():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_every_answer_arrives_whole_through_30_percent_faults(upstream):
    """Every fault kind is injected; every answer comes back complete and equal to the truth."""
    with FaultProxy(upstream, rate=0.3, seed=11, stall=1.0, retry_after=0) as proxy, \
            ResilientClient(proxy.url, policy=FAST, rng=random.Random(1)) as http:
        got = [http.get(f"/item/{n}", parse=parse_json).data for n in range(60)]
    assert got == [{"n": n, "payload": "x" * 2000} for n in range(60)]
    assert {f for f in proxy.counts if f != "passed"} == {"500", "503", "429", "reset", "stall", "short"}
    assert http.stats["retries"] == sum(v for k, v in proxy.counts.items() if k != "passed")
    assert http.stats["timeouts"] >= proxy.counts["stall"]


def test_short_body_is_never_an_answer(upstream):
    with FaultProxy(upstream, rate=1.0, faults=["short"]) as proxy, \
            ResilientClient(proxy.url, policy=RetryPolicy(attempts=3, backoff=0.01)) as http, \
            pytest.raises(TransientHTTPError, match="RemoteProtocolError|cut short"):
        http.get("/item/1")
    assert proxy.counts["short"] == 3


def test_unparsable_body_is_retried(upstream):
    with ResilientClient(upstream, policy=FAST) as http:
        reply = http.get("/garbled-once", parse=parse_json)
    assert reply.data == {"n": 1} and reply.attempts == 2 and http.stats["unparsable"] == 1


def test_retry_after_is_honoured_and_a_long_one_goes_to_airflow(upstream):
    waits: list[float] = []
    with FaultProxy(upstream, rate=1.0, faults=["429"], retry_after=3) as proxy, \
            ResilientClient(proxy.url, policy=RetryPolicy(attempts=4), sleep=waits.append) as http:
        with pytest.raises(TransientError, match="HTTP 429, Retry-After 3 s"):
            http.get("/item/1")
        assert waits == [3.0, 3.0, 3.0]
        waits.clear()
        with ResilientClient(proxy.url, policy=RetryPolicy(attempts=4, max_retry_after=2),
                             sleep=waits.append) as impatient, pytest.raises(TransientError):
            impatient.get("/item/1")
        assert waits == []  # not waited in place: the task's own retry comes back later


def test_non_transient_errors_raise_at_once(upstream):
    calls_before = _Handler.hits.get("/missing", 0)
    with ResilientClient(upstream, policy=FAST) as http, pytest.raises(HTTPStatusError) as raised:
        http.get("/missing")
    assert isinstance(raised.value, NonRetryableError) and raised.value.status == 404
    assert _Handler.hits["/missing"] == calls_before + 1


def test_caller_maps_errors_and_auth_is_asked_each_attempt(upstream):
    tokens = iter(["t1", "t2", "t3"])
    seen: list[str] = []

    def auth():
        token = next(tokens)
        seen.append(token)
        return {"Authorization": f"Bearer {token}"}

    class Refused(NonRetryableError):
        pass

    with FaultProxy(upstream, rate=1.0, faults=["500"]) as proxy, \
            ResilientClient(proxy.url, policy=RetryPolicy(attempts=2, backoff=0.01), auth=auth) as http:
        with pytest.raises(TransientError):
            http.get("/item/1")
        assert seen == ["t1", "t2"]
        with pytest.raises(Refused):
            http.get("/item/1", error_for=lambda reply: Refused(f"HTTP {reply.status}"))
        assert seen == ["t1", "t2", "t3"]


def test_retry_after_forms():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
