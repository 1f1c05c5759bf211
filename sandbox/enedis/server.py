"""The Enedis sandbox HTTP server (Data Connect REST + SGE SOAP) and its launcher.

Built on the standard library's ThreadingHTTPServer: it starts in a thread in milliseconds, needs
no event loop inside Airflow tasks or pytest, and the routing is a handful of paths.

Control endpoints for tests and the demo: `GET /_sandbox/stats` (calls, 429s sent, statuses) and
`POST /_sandbox/control` (JSON: today, error_rate, timeout_rate, fail_next, calls_per_hour,
calls_per_second, token_ttl_seconds, unsubscribed (APIs the main client lacks), reset_stats).

Data Connect requests go through the gateway's steps in the order WSO2 applies them: the API must
exist with that method (else HTTP 500, empty body: outside the Swagger), the token must be valid (401),
the application subscribed to the API (403 900908), within its quotas per API (429), then the API
checks its parameters against its Swagger (500, empty body) and answers.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import orjson

from sandbox.enedis import dataconnect, sge
from sandbox.enedis.dataconnect import Answer, ApiError, OutsideSwagger
from sandbox.enedis.state import Faults, Limits, SandboxState

log = logging.getLogger(__name__)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        log.debug(format, *args)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, answer: Answer) -> None:
        try:
            self.send_response(answer.status)
            for key, value in answer.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout injection)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        self._dispatch("POST")

    def do_PUT(self) -> None:  # noqa: N802 - stdlib name
        self._dispatch("PUT")

    def do_DELETE(self) -> None:  # noqa: N802 - stdlib name
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:  # noqa: N802 - stdlib name
        self._dispatch("PATCH")

    def _dispatch(self, method: str) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        body = self._body()
        resource = parts[0] if parts else ""
        try:
            answer = self._route(state, method, parts, url.query, body)
        except (ApiError, OutsideSwagger) as exc:
            answer = exc.answer()
        except sge.SgeFault as exc:
            answer = exc.answer()
        state.record(answer.status, resource if resource != "mesure_synchrone_auto" else parts[-1])
        self._send(answer)

    def _route(self, state: SandboxState, method: str, parts: list[str], query: str, body: bytes) -> Answer:
        if parts[:1] == ["_sandbox"]:
            return _control(state, parts, body)
        if method == "POST" and parts == ["oauth2", "v3", "token"]:
            return dataconnect.token(state, body)
        if method == "POST" and len(parts) == 2 and parts[1][:1] == "v" and parts[0][:1].isupper():
            return sge.handle(state, "/" + "/".join(parts), body)  # SGE SOAP, at the WSDLs' paths
        api = _api_of(method, parts)
        if api is None:
            raise OutsideSwagger
        self._authorize(state, api)
        if state_fault := state.fault():
            if state_fault == "hang":
                time.sleep(state.faults.hang_seconds)
            raise ApiError(500, "ADAM-DC-0500", "Problème technique dans l'interrogation du SI coeur")
        if api == "mesure_synchrone_auto":
            return dataconnect.measure(state, parts[2], query)
        if api == "subscribed_services":
            return dataconnect.subscribed_services(state, body, query)
        if body:
            raise OutsideSwagger  # a GET with a body
        return dataconnect.contract(state, parts[0], parts[2], query)

    def _authorize(self, state: SandboxState, api: str) -> None:
        header = self.headers.get("Authorization", "")
        client = state.client_of(header.removeprefix("Bearer ").strip()) if header.startswith("Bearer ") else None
        if client is None:
            raise ApiError(401, "900901", "Invalid Credentials. Make sure you have given the correct access token")
        dataconnect.unsubscribed(state, client, api)
        retry_after = state.admit(client, api)
        if retry_after is not None:
            raise ApiError(429, "429", "SLA dépassé", {"Retry-After": str(retry_after)})


def _api_of(method: str, parts: list[str]) -> str | None:
    """The Data Connect API a request addresses with a method its Swagger lists, else None."""
    if method == "GET" and len(parts) == 3 and parts[:2] == ["mesure_synchrone_auto", "v2"]:
        return "mesure_synchrone_auto"
    if method == "GET" and len(parts) == 3 and parts[0] in dataconnect.CONTRACT and parts[1] == "v1":
        return parts[0]
    if method == "POST" and parts == ["subscribed_services", "v1"]:
        return "subscribed_services"
    return None


def _control(state: SandboxState, parts: list[str], body: bytes) -> Answer:
    if parts[1:] == ["stats"]:
        return Answer(200, orjson.dumps(state.stats.as_dict()), {"Content-Type": "application/json"})
    settings = orjson.loads(body or b"{}")
    if "today" in settings:
        state.today = date.fromisoformat(settings["today"]) if settings["today"] else None
    for key in ("error_rate", "timeout_rate", "fail_next", "hang_seconds"):
        if key in settings:
            setattr(state.faults, key, settings[key])
    for key in ("calls_per_hour", "calls_per_second", "token_ttl_seconds"):
        if key in settings:
            setattr(state.limits, key, settings[key])
    if "unsubscribed" in settings:
        from sandbox.enedis.state import CLIENT_ID

        with state.lock:
            state.unsubscribed[CLIENT_ID] = set(settings["unsubscribed"] or ())
    if settings.get("reset_stats"):
        state.reset_stats()
    if "flows" in settings and state.flows is not None:  # R50/R151 knobs and delivery (sandbox.enedis.flows)
        written = state.flows.control(state, settings["flows"])
        return Answer(200, orjson.dumps({"flows_written": written}), {"Content-Type": "application/json"})
    return Answer(200, b"{}", {"Content-Type": "application/json"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: SandboxState


@dataclass
class EnedisSandbox:
    """A running sandbox: its base URL, its state (clock, faults, counters), and stop()."""

    base_url: str
    state: SandboxState
    _server: _Server
    _thread: threading.Thread

    def stop(self) -> None:
        """Shut the server down and cancel pending M023 deliveries."""
        for timer in self.state.timers:
            timer.cancel()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> EnedisSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_enedis(port: int = 0, sftp_dir: Path | str | None = None, *, today: date | None = None,
                 limits: Limits | None = None, faults: Faults | None = None,
                 m023_delay_seconds: float = 1.0, flows_dir: Path | str | None = None,
                 flows_interval_seconds: float | None = None, flows_backfill_days: int = 0) -> EnedisSandbox:
    """Start the sandbox on 127.0.0.1:`port` (0: any free port) in a thread; M023 files go to `sftp_dir`.

    With `flows_dir`, R50/R151 archives of active recurring subscriptions go there
    (sandbox.enedis.flows): every `flows_interval_seconds`, or on `state.flows.deliver(state)`.
    """
    state = SandboxState(today=today, sftp_dir=Path(sftp_dir) if sftp_dir else None, limits=limits,
                         faults=faults, m023_delay_seconds=m023_delay_seconds)
    if flows_dir is not None:
        from sandbox.enedis.flows import FlowDelivery

        state.flows = FlowDelivery(Path(flows_dir), backfill_days=flows_backfill_days)
        if flows_interval_seconds:
            state.timers.append(state.flows.start_ticker(state, flows_interval_seconds))
    server = _Server(("127.0.0.1", port), _Handler)
    server.state = state
    thread = threading.Thread(target=server.serve_forever, name="enedis-sandbox", daemon=True)
    thread.start()
    host, bound = server.server_address[:2]
    return EnedisSandbox(f"http://{host}:{bound}", state, server, thread)


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """`python -m sandbox.enedis --port 8601 --sftp-dir /srv/sftp/enedis` for the demo."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8601)
    parser.add_argument("--sftp-dir", default=None)
    parser.add_argument("--calls-per-hour", type=int, default=1000)
    parser.add_argument("--m023-delay", type=float, default=30.0)
    parser.add_argument("--flows-dir", default=None, help="R50/R151 folder (default: `flows` beside --sftp-dir)")
    parser.add_argument("--flows-interval", type=float, default=10.0, help="seconds between flow deliveries")
    parser.add_argument("--flows-backfill-days", type=int, default=3,
                        help="also deliver the days before each subscription (so the demo has data at once)")
    parser.add_argument("--state-file", default=None,
                        help="remember orders, subscriptions and flow sequence numbers across restarts")
    args = parser.parse_args()
    flows_dir = args.flows_dir or (str(Path(args.sftp_dir).parent / "flows") if args.sftp_dir else None)
    sandbox = start_enedis(args.port, args.sftp_dir, limits=Limits(calls_per_hour=args.calls_per_hour),
                           m023_delay_seconds=args.m023_delay, flows_dir=flows_dir,
                           flows_interval_seconds=args.flows_interval, flows_backfill_days=args.flows_backfill_days)
    if args.state_file:
        import signal

        from sandbox.enedis import persist

        state_file = Path(args.state_file)
        if persist.load(sandbox.state, state_file):
            print(f"Enedis sandbox: state restored from {state_file}", flush=True)
        sandbox.state.timers.append(persist.start_saver(sandbox.state, state_file))  # saved once more on stop
        signal.signal(signal.SIGTERM, _interrupt)  # `make stop` sends SIGTERM: stop cleanly, saving the state
    print(f"Enedis sandbox on {sandbox.base_url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            time.sleep(3600)
    sandbox.stop()


__all__ = ["EnedisSandbox", "Faults", "Limits", "start_enedis"]
