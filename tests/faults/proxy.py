"""Fault-injecting proxies for the fault suite and benchmarks/faults.py (loopback only, seeded).

    with FaultProxy("http://127.0.0.1:8601", rate=0.3, seed=7) as proxy:
        client = DataConnectClient(proxy.url, ...)       # talks to the stand-in through the faults

`FaultProxy` is an HTTP/1.1 reverse proxy. For a share `rate` of requests (drawn from a seeded
random generator, so a failing run reproduces) it injects one fault instead of, or on top of,
forwarding the request:

| fault | what the client sees |
|---|---|
| `500` | HTTP 500 at once (the request never reaches the stand-in) |
| `503` | HTTP 503 with `Retry-After: <retry_after>` |
| `429` | HTTP 429 with `Retry-After: <retry_after>` |
| `reset` | the connection reset (RST), half of the time after the stand-in processed the request |
| `stall` | nothing for `stall` seconds (tests set client read timeouts lower), then the answer |
| `short` | the stand-in's answer with its full Content-Length but half of its body, then the end |

`FaultTcpProxy` does the same at TCP level for PostgreSQL and SFTP: a share of connections is
refused or cut (RST) after a short random time, and `drop_all()` cuts every open connection.
Both run an asyncio loop in a daemon thread and count what they injected (`counts`, `log`).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

HTTP_FAULTS = ("500", "503", "429", "reset", "stall", "short")
_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}
_REASONS = {200: "OK", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


def json_error(status: int) -> tuple[bytes, str]:
    """Default injected error body: a small JSON object, as REST APIs answer."""
    return (b'{"error": "injected_fault", "error_description": "fault injected by the test proxy"}',
            "application/json")


def s3_error(status: int) -> tuple[bytes, str]:
    """Injected error body as S3 answers it (XML, with the codes botocore retries on)."""
    code = {500: "InternalError", 503: "SlowDown", 429: "ThrottlingException"}.get(status, "InternalError")
    return (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>injected</Message>'
            f"</Error>".encode(), "application/xml")


def _rst(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a crashed peer or a middlebox does."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class _LoopThread:
    """An asyncio loop in a daemon thread serving one listening socket on 127.0.0.1."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.port = 0
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True, name=type(self).__name__)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    def start(self) -> _LoopThread:
        """Listen on a free loopback port and serve in the background."""
        self._thread.start()

        async def serve() -> None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, limit=2 ** 20)
            self.port = self._server.sockets[0].getsockname()[1]

        asyncio.run_coroutine_threadsafe(serve(), self.loop).result(timeout=10)
        return self

    def stop(self) -> None:
        """Stop listening, cancel what is in flight and end the thread."""
        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in pending:
                t.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(timeout=5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self.loop.is_running():  # let the connections accepted meanwhile end, then close the loop
            pending = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
            for t in pending:
                t.cancel()
            with contextlib.suppress(Exception):
                self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self.loop.close()

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class FaultProxy(_LoopThread):
    """HTTP reverse proxy to `upstream` injecting `faults` into a share `rate` of requests.

    `only`: inject only into requests whose path starts with one of these prefixes (the rest pass).
    `error_body(status)`: body of injected error answers (`json_error`, `s3_error`).
    `delay`: seconds every request waits before it is forwarded (a slow upstream keeps a task running).
    """

    def __init__(self, upstream: str, *, rate: float = 0.3, seed: int = 0, faults: Sequence[str] = HTTP_FAULTS,
                 stall: float = 5.0, retry_after: int = 1, only: Sequence[str] = (),
                 error_body: Callable[[int], tuple[bytes, str]] = json_error, delay: float = 0.0) -> None:
        super().__init__()
        self.delay = delay
        unknown = set(faults) - set(HTTP_FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}; choose among {HTTP_FAULTS}")
        self.upstream = upstream.rstrip("/")
        host_port = self.upstream.split("://", 1)[1].split("/", 1)[0]
        self._up_host, _, port = host_port.partition(":")
        self._up_port = int(port or 80)
        self.rate, self.faults, self.stall, self.retry_after = rate, tuple(faults), stall, retry_after
        self.only, self.error_body = tuple(only), error_body
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.log: list[tuple[str, str, str | None]] = []

    @property
    def url(self) -> str:
        """Base URL of the proxy (the upstream's path prefix kept)."""
        rest = self.upstream.split("://", 1)[1]
        path = rest[len(rest.split("/", 1)[0]):]
        return f"http://127.0.0.1:{self.port}{path}"

    def set_rate(self, rate: float) -> None:
        """Change the share of faulted requests (0 turns the proxy into a plain relay)."""
        self.rate = rate

    def _draw(self, method: str, target: str) -> str | None:
        with self._lock:
            roll, pick = self._rng.random(), self._rng.choice(self.faults)
            eligible = not self.only or target.startswith(self.only)
            fault = pick if eligible and roll < self.rate else None
            self.counts[fault or "passed"] += 1
            self.log.append((method, target, fault))
            return fault

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await _read_request(reader, writer)
            if request is None:
                return
            method, target, headers, body = request
            fault = self._draw(method, target)
            if fault in ("500", "503", "429"):
                status = int(fault)
                content, ctype = self.error_body(status)
                extra = {"Retry-After": str(self.retry_after)} if status != 500 else {}
                await _respond(writer, status, {"Content-Type": ctype, **extra}, content)
                return
            if fault == "reset" and self._rng.random() < 0.5:
                _rst(writer)
                return
            if fault == "stall":
                await asyncio.sleep(self.stall)
            if self.delay:
                await asyncio.sleep(self.delay)
            status, out_headers, content = await self._forward(method, target, headers, body)
            if fault == "reset":
                _rst(writer)
                return
            if fault == "short" and len(content) > 1:
                head = _head(status, out_headers, len(content))
                writer.write(head + content[: len(content) // 2])
                await writer.drain()
                writer.close()  # a clean end (FIN): only the byte count tells the body is short
                return
            await _respond(writer, status, out_headers, content)
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            writer.transport.abort()
        except asyncio.CancelledError:  # the proxy stops: end quietly
            writer.transport.abort()

    async def _forward(self, method: str, target: str, headers: list[tuple[str, str]],
                       body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        up_reader, up_writer = await asyncio.open_connection(self._up_host, self._up_port, limit=2 ** 20)
        try:
            lines = [f"{method} {target} HTTP/1.1"]
            lines += [f"{k}: {v}" for k, v in headers if k.lower() not in _HOP and k.lower() != "content-length"]
            lines += [f"Content-Length: {len(body)}", "Connection: close"]
            up_writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
            await up_writer.drain()
            return await _read_response(up_reader, method)
        finally:
            up_writer.close()


class FaultTcpProxy(_LoopThread):
    """TCP relay to 127.0.0.1:`upstream_port`: a share `rate` of connections is refused or cut (RST)
    after `cut_after` seconds (drawn in the range); `drop_all()` cuts every open connection now."""

    def __init__(self, upstream_port: int, *, rate: float = 0.3, seed: int = 0,
                 cut_after: tuple[float, float] = (0.05, 1.0)) -> None:
        super().__init__()
        self.upstream_port = upstream_port
        self.rate, self.cut_after = rate, cut_after
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._open: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self.counts: Counter[str] = Counter()

    def set_rate(self, rate: float) -> None:
        """Change the share of faulted connections."""
        self.rate = rate

    def drop_all(self) -> int:
        """Reset every connection open right now (a network blip, a server restart); return how many."""
        async def drop() -> int:
            pairs = list(self._open)
            for a, b in pairs:
                _rst(a)
                _rst(b)
            return len(pairs)

        n = asyncio.run_coroutine_threadsafe(drop(), self.loop).result(timeout=5)
        self.counts["dropped"] += n
        return n

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            roll, refuse, delay = self._rng.random(), self._rng.random() < 0.3, self._rng.uniform(*self.cut_after)
        fault = roll < self.rate
        if fault and refuse:
            self.counts["refused"] += 1
            _rst(writer)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            _rst(writer)
            return
        pair = (writer, up_writer)
        self._open.add(pair)
        self.counts["cut" if fault else "passed"] += 1

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(Exception):
                dst.write_eof() if dst.can_write_eof() else dst.close()

        pipes = [asyncio.ensure_future(pipe(reader, up_writer)), asyncio.ensure_future(pipe(up_reader, writer))]
        try:
            if fault:
                done, _ = await asyncio.wait(pipes, timeout=delay)
                if len(done) < 2:
                    _rst(writer)
                    _rst(up_writer)
            await asyncio.gather(*pipes, return_exceptions=True)
        finally:
            self._open.discard(pair)
            for w in (writer, up_writer):
                with contextlib.suppress(Exception):
                    w.close()


# -- HTTP/1.1 framing -------------------------------------------------------------------------------
async def _read_headers(reader: asyncio.StreamReader) -> tuple[str, list[tuple[str, str]]] | None:
    try:
        block = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    first, *rest = block.decode("latin-1").split("\r\n")
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in rest if ":" in line]
    return first, headers  # type: ignore[return-value]


def _get(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


async def _read_body(reader: asyncio.StreamReader, headers: list[tuple[str, str]], *,
                     until_close: bool = False) -> bytes:
    if (_get(headers, "transfer-encoding") or "").lower() == "chunked":
        body = bytearray()
        while True:
            size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while (await reader.readline()).strip():
                    pass
                return bytes(body)
            body += await reader.readexactly(size)
            await reader.readline()
    length = _get(headers, "content-length")
    if length is not None:
        return await reader.readexactly(int(length))
    return await reader.read() if until_close else b""


async def _read_request(reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> tuple[str, str, list[tuple[str, str]], bytes] | None:
    parsed = await _read_headers(reader)
    if parsed is None:
        return None
    first, headers = parsed
    method, target, _ = first.split(" ", 2)
    if (_get(headers, "expect") or "").lower() == "100-continue":  # botocore's PUTs: say go on, then read
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()
        headers = [(k, v) for k, v in headers if k.lower() != "expect"]
    return method, target, headers, await _read_body(reader, headers)


async def _read_response(reader: asyncio.StreamReader, method: str) -> tuple[int, list[tuple[str, str]], bytes]:
    parsed = await _read_headers(reader)
    if parsed is None:
        raise ConnectionError("upstream closed without answering")
    first, headers = parsed
    status = int(first.split(" ", 2)[1])
    body = b"" if method == "HEAD" or status in (204, 304) else await _read_body(reader, headers, until_close=True)
    if method == "HEAD":
        return status, [(k, v) for k, v in headers if k.lower() not in _HOP], body
    return status, [(k, v) for k, v in headers if k.lower() not in _HOP and k.lower() != "content-length"], body


def _head(status: int, headers: list[tuple[str, str]] | dict[str, str], length: int | None) -> bytes:
    items = list(headers.items()) if isinstance(headers, dict) else list(headers)
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"] + [f"{k}: {v}" for k, v in items]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _respond(writer: asyncio.StreamWriter, status: int, headers: list[tuple[str, str]] | dict[str, str],
                   content: bytes) -> None:
    items = list(headers.items()) if isinstance(headers, dict) else list(headers)
    has_length = any(k.lower() == "content-length" for k, _ in items)
    writer.write(_head(status, items, None if has_length else len(content)) + content)
    await writer.drain()
    writer.close()
