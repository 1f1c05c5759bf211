"""Resilient HTTP for every REST client (Enedis Data Connect, GRDF ADICT, supplier APIs, the ERP).

    http = ResilientClient("https://api.example", policy=RetryPolicy(attempts=5))
    reply = http.request("GET", "/invoices", what="azur invoices page 1", parse=parse_json)
    reply.data        # the parsed body; reply.content: the exact bytes received

Every call gets connect/read timeouts and a total deadline well under a task's `execution_timeout`,
and is retried in place with exponential backoff and jitter when the failure is transient:

| what happened | transient? |
|---|---|
| HTTP 429, 408, 5xx (Retry-After honoured, also fed to a shared rate limiter) | yes |
| connection refused or reset, connect/read timeout, total deadline passed | yes |
| a body shorter than its Content-Length, a chunked body cut short | yes |
| a body `parse` cannot read (cut JSON, NDJSON without its status line) | yes: never handed on as complete |
| any other status (400, 401, 403, 404...) | no: `HTTPStatusError` (a NonRetryableError) or the caller's `error_for` |

A Retry-After longer than `max_retry_after` is not waited in place: the TransientError goes up to
the task, whose Airflow retry (with its own backoff) comes back later.

Why httpx + tenacity: httpx is what every client here already speaks (and Airflow ships it); its
transport `retries=` only covers failed connects. urllib3's `Retry` (through requests) retries
statuses and connects but not a body cut while it is read nor a body that does not parse, and would
mean rewriting every client on requests. tenacity (also an Airflow dependency, well kept) gives the
retry loop (stop, wait, predicate, before-sleep log); this module only decides what is transient and
how long to wait, so the rules live in one place.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from collecte.errors import NonRetryableError, TransientError
from collecte.retry import RetryPolicy, retrying

TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class TransientHTTPError(TransientError):
    """A call that failed in a way worth retrying; `status` is the HTTP status, None for network errors."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, retry_after=retry_after)
        self.status = status


class HTTPStatusError(NonRetryableError):
    """An answer no retry will change (4xx other than 408/429); `reply` holds what the server said."""

    def __init__(self, message: str, reply: Reply) -> None:
        super().__init__(message)
        self.reply = reply
        self.status = reply.status


@dataclass(frozen=True)
class Reply:
    """A complete answer: status, headers, the exact bytes received, the parsed body, attempts used."""

    status: int
    headers: httpx.Headers
    content: bytes = field(repr=False)
    data: Any = field(default=None, repr=False)
    attempts: int = 1
    url: str = ""

    def json(self) -> Any:
        """The body as JSON (orjson); None when it is not JSON."""
        import orjson

        try:
            return orjson.loads(self.content)
        except orjson.JSONDecodeError:
            return None

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (replacement characters for the rest)."""
        return self.content.decode("utf-8", "replace")


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds asked by a Retry-After header (delta-seconds or HTTP-date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


def parse_json(content: bytes) -> Any:
    """`parse` for JSON answers: a body that does not parse (cut short) raises ValueError, hence a retry."""
    import orjson

    return orjson.loads(content)


class ResilientClient:
    """An httpx client whose every call has timeouts and transient-failure retries (see module doc).

    `auth` is called before each attempt for headers that may change between attempts (a bearer
    token refreshed after a 401); `limiter` (collecte.sources.ratelimit) is acquired before each
    attempt and paused by a Retry-After, so every caller of the process waits too.
    """

    def __init__(self, base_url: str = "", *, policy: RetryPolicy | None = None,
                 headers: Mapping[str, str] | None = None, limiter: Any = None,
                 auth: Callable[[], Mapping[str, str]] | None = None, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.policy = policy or RetryPolicy()
        self.limiter = limiter
        self.auth = auth
        self.sleep = sleep
        self.rng = rng
        self.stats: Counter[str] = Counter()
        timeout = httpx.Timeout(connect=self.policy.connect_timeout, read=self.policy.read_timeout,
                                write=self.policy.read_timeout, pool=self.policy.connect_timeout)
        self._http = httpx.Client(headers=dict(headers or {}), timeout=timeout,
                                  transport=transport, follow_redirects=False)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> ResilientClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def url(self, path: str) -> str:
        """`path` joined to the base URL; absolute URLs are kept."""
        return path if "://" in path else f"{self.base_url}/{path.lstrip('/')}"

    def get(self, path: str, **kwargs: Any) -> Reply:
        """`request("GET", ...)`."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Reply:
        """`request("POST", ...)`."""
        return self.request("POST", path, **kwargs)

    def request(self, method: str, path: str, *, what: str | None = None, ok: Collection[int] = (200,),
                parse: Callable[[bytes], Any] | None = None,
                error_for: Callable[[Reply], BaseException | None] | None = None, **kwargs: Any) -> Reply:
        """One call, retried while transient; the complete answer or the error it stands for.

        `ok`: statuses that are answers; `parse(content)` must succeed for the answer to count
        (its failure is transient: a body cut short); `error_for(reply)` maps other answers to the
        caller's errors (None: the default mapping, 429/408/5xx transient, the rest HTTPStatusError).
        Keyword arguments go to httpx (params, json, data, content, files, headers).
        """
        label = what or f"{method} {path}"
        attempts = 0

        def once() -> Reply:
            nonlocal attempts
            attempts += 1
            reply = self._exchange(method, path, label, kwargs)
            if reply.status in ok:
                if parse is None:
                    return Reply(reply.status, reply.headers, reply.content, None, attempts, reply.url)
                try:
                    data = parse(reply.content)
                except TransientError:
                    raise
                except NonRetryableError:
                    raise
                except Exception as exc:  # a body that does not parse was cut or garbled on the way
                    self.stats["unparsable"] += 1
                    raise TransientHTTPError(f"{label}: unreadable body ({len(reply.content)} bytes, "
                                             f"{type(exc).__name__}: {str(exc)[:120]})", status=reply.status) from None
                return Reply(reply.status, reply.headers, reply.content, data, attempts, reply.url)
            raise self._error(reply, label, error_for)

        return retrying(once, what=label, policy=self.policy, sleep=self.sleep, stats=self.stats, rng=self.rng)

    # -- one attempt -----------------------------------------------------------------------------
    def _exchange(self, method: str, path: str, label: str, kwargs: dict[str, Any]) -> Reply:
        headers = dict(kwargs.get("headers") or {})
        if self.auth is not None:
            headers.update(self.auth())
        if self.limiter is not None:
            self.limiter.acquire()
        self.stats["calls"] += 1
        deadline = time.monotonic() + self.policy.total_timeout
        url = self.url(path)
        options = {k: v for k, v in kwargs.items() if k != "headers"}
        try:
            with self._http.stream(method, url, headers=headers, **options) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if time.monotonic() > deadline:
                        self.stats["timeouts"] += 1
                        raise TransientHTTPError(f"{label}: answer not complete within "
                                                 f"{self.policy.total_timeout:.0f} s")
        except httpx.TimeoutException as exc:
            self.stats["timeouts"] += 1
            raise TransientHTTPError(f"{label}: {type(exc).__name__} (no answer in time)") from None
        except httpx.TransportError as exc:  # refused, reset, a body cut short (h11 counts the bytes)
            self.stats["network_errors"] += 1
            raise TransientHTTPError(f"{label}: {type(exc).__name__}: {str(exc)[:160]}") from None
        _check_length(response, label)
        return Reply(response.status_code, response.headers, bytes(body), url=url)

    def _error(self, reply: Reply, label: str,
               error_for: Callable[[Reply], BaseException | None] | None) -> BaseException:
        retry_after = retry_after_seconds(reply.headers.get("Retry-After"))
        if reply.status in (429, 503) and retry_after is not None and self.limiter is not None:
            self.limiter.pause(min(retry_after, self.policy.max_retry_after))
        self.stats[f"http_{reply.status}"] += 1
        mapped = error_for(reply) if error_for is not None else None
        if mapped is not None:
            if isinstance(mapped, TransientError) and mapped.retry_after is None:
                mapped.retry_after = retry_after
            return mapped
        if reply.status in TRANSIENT_STATUSES or reply.status >= 500:
            return TransientHTTPError(f"{label}: HTTP {reply.status}"
                                      + (f", Retry-After {retry_after:.0f} s" if retry_after is not None else ""),
                                      status=reply.status, retry_after=retry_after)
        return HTTPStatusError(f"{label}: HTTP {reply.status}: {reply.text[:300]}", reply)


def _check_length(response: httpx.Response, label: str) -> None:
    """Raise unless the body arrived whole: as many bytes on the wire as its Content-Length says."""
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.isdigit() and response.num_bytes_downloaded != int(declared):
        raise TransientHTTPError(f"{label}: body cut short ({response.num_bytes_downloaded} of {declared} bytes)",
                                 status=response.status_code)


__all__ = ["HTTPStatusError", "Reply", "ResilientClient", "RetryPolicy", "TransientHTTPError", "parse_json",
           "retry_after_seconds", "retrying"]
