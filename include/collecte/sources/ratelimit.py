"""Client-side rate limit shared by every call of one source (and API): per process, or per deployment.

Operators cap calls per client: Enedis Data Connect 5 per second AND 1,000 per hour, per API (each
Swagger says so); GRDF ADICT 5 per second. Airflow's pool of the source bounds how many tasks call
at once; each process takes `rate / pool slots`, so all of them together stay under the limit.
Inside a task, threads share one limiter. Each bucket is a sliding window like the servers', with a
margin for network jitter, and a 429 pauses every caller of the process for its Retry-After. An
hourly bucket that would make a caller wait longer than `max_wait` raises `QuotaExhausted` instead
of blocking a worker for up to an hour (the task is retried later). Hand-written: it is short and
must honour server-imposed pauses, which generic token-bucket packages do not.

Several workers (Celery): with `COLLECTE_RATE_LIMIT_URL` set to a PostgreSQL URL (the warehouse),
`shared_limiter` returns a `PostgresRateLimiter` instead: the same sliding windows and pauses, kept in
a bucket row that every process locks (`SELECT ... FOR UPDATE`) and timed by the database clock, so
the quota holds for the whole deployment. Each task then takes the whole rate (`share_of`), and
Airflow's pool only bounds how many tasks wait on the bucket at once.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any


class QuotaExhausted(RuntimeError):
    """The next call would have to wait `wait` seconds (more than the caller accepts)."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"quota used up: the next call is allowed in {wait:.0f} s")
        self.wait = wait


class RateLimiter:
    """At most `rate` calls in any `window` seconds and, with `per_hour`, that many in any hour (thread-safe)."""

    def __init__(self, rate: float, window: float = 1.0, *, margin: float = 0.1, per_hour: int | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0 or (per_hour is not None and per_hour <= 0):
            raise ValueError("rates must be positive")
        self.capacity = max(1, int(rate * window))
        self.window = self.capacity / rate + margin
        self.per_hour = per_hour
        self._sent: deque[float] = deque()
        self._hour: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = threading.Lock()
        self._clock, self._sleep = clock, sleep
        self.waited = 0.0

    def _delay(self, now: float) -> tuple[float, float]:
        """(delay before the next call, the part of it due to the hourly bucket); lock held."""
        while self._sent and self._sent[0] <= now - self.window:
            self._sent.popleft()
        while self._hour and self._hour[0] <= now - 3600.0:
            self._hour.popleft()
        second = self._sent[0] + self.window - now if len(self._sent) >= self.capacity else 0.0
        hour = self._hour[0] + 3600.0 - now if self.per_hour and len(self._hour) >= self.per_hour else 0.0
        return max(self._paused_until - now, second, hour), hour

    def acquire(self, max_wait: float | None = None) -> float:
        """Wait until a call may be sent; return the seconds waited.

        Raises QuotaExhausted (sending nothing) when the hourly bucket would make it wait more than `max_wait`.
        """
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                delay, hourly = self._delay(now)
                if max_wait is not None and hourly > max_wait:
                    raise QuotaExhausted(hourly)
                if delay <= 0:
                    self._sent.append(now)
                    if self.per_hour:
                        self._hour.append(now)
                    self.waited += waited
                    return waited
            self._sleep(delay)
            waited += delay

    def pause(self, seconds: float) -> None:
        """Hold every caller for `seconds` (the server answered 429 with Retry-After)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)


_PG_CONNECTIONS: dict[tuple[str, int], Any] = {}
_PG_URL_LOCKS: dict[str, threading.Lock] = {}
_PG_LOCK = threading.Lock()


class PostgresRateLimiter:
    """`RateLimiter`'s contract (acquire, pause, waited) with the state in PostgreSQL: every process
    and worker that uses the same `bucket` shares one limit (migration 0030_rate_limit)."""

    def __init__(self, url: str, bucket: str, rate: float, window: float = 1.0, *, margin: float = 0.1,
                 per_hour: int | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0 or (per_hour is not None and per_hour <= 0):
            raise ValueError("rates must be positive")
        self.url, self.bucket = url, bucket
        self.capacity = max(1, int(rate * window))
        self.window = self.capacity / rate + margin
        self.per_hour = per_hour
        self._sleep = sleep
        with _PG_LOCK:
            self._lock = _PG_URL_LOCKS.setdefault(url, threading.Lock())  # one connection per process and URL
        self._ready_pid = 0
        self.waited = 0.0

    def _connection(self):  # noqa: ANN202 - a psycopg connection (imported lazily); url lock held
        """The process's connection to `url` (every bucket shares it: one connection per task process)."""
        key = (self.url, os.getpid())  # a forked child opens its own
        conn = _PG_CONNECTIONS.get(key)
        if conn is None or conn.closed:
            from collecte.warehouse.db import connect

            conn = _PG_CONNECTIONS[key] = connect(self.url)
            self._ready_pid = 0
        if self._ready_pid != os.getpid():
            with conn.transaction():
                conn.execute("INSERT INTO rate_limit_bucket (bucket) VALUES (%s) ON CONFLICT DO NOTHING", (self.bucket,))
            self._ready_pid = os.getpid()
        return conn

    def _try(self, max_wait: float | None) -> float:
        """Record a call and return 0, or return the delay before the next try; one transaction."""
        conn = self._connection()
        keep = 3600.0 if self.per_hour else self.window
        with conn.transaction():
            now, paused_until = conn.execute(
                "SELECT extract(epoch FROM clock_timestamp())::float8, paused_until FROM rate_limit_bucket"
                " WHERE bucket = %s FOR UPDATE", (self.bucket,)).fetchone()
            conn.execute("DELETE FROM rate_limit_call WHERE bucket = %s AND sent_at <= %s", (self.bucket, now - keep))
            in_window, first_in_window = conn.execute(
                "SELECT count(*), min(sent_at) FROM rate_limit_call WHERE bucket = %s AND sent_at > %s",
                (self.bucket, now - self.window)).fetchone()
            second = first_in_window + self.window - now if in_window >= self.capacity else 0.0
            hour = 0.0
            if self.per_hour:
                in_hour, first_in_hour = conn.execute(
                    "SELECT count(*), min(sent_at) FROM rate_limit_call WHERE bucket = %s", (self.bucket,)).fetchone()
                hour = first_in_hour + 3600.0 - now if in_hour >= self.per_hour else 0.0
            if max_wait is not None and hour > max_wait:
                raise QuotaExhausted(hour)
            delay = max(paused_until - now, second, hour)
            if delay <= 0:
                conn.execute("INSERT INTO rate_limit_call (bucket, sent_at) VALUES (%s, %s)", (self.bucket, now))
            return max(delay, 0.0)

    def acquire(self, max_wait: float | None = None) -> float:
        """Wait until a call may be sent (the bucket is locked only while deciding); return the seconds waited.

        Raises QuotaExhausted (sending nothing) when the hourly bucket would make it wait more than `max_wait`.
        """
        waited = 0.0
        while True:
            with self._lock:
                delay = self._try(max_wait)
            if delay <= 0:
                self.waited += waited
                return waited
            self._sleep(delay)
            waited += delay

    def pause(self, seconds: float) -> None:
        """Hold every caller of the deployment for `seconds` (the server answered 429 with Retry-After)."""
        with self._lock:
            conn = self._connection()
            with conn.transaction():
                conn.execute("UPDATE rate_limit_bucket SET paused_until = greatest(paused_until,"
                             " extract(epoch FROM clock_timestamp()) + %s) WHERE bucket = %s", (seconds, self.bucket))

    def close(self) -> None:
        """Close this process's connection to the URL (every bucket's; a later call opens a new one)."""
        with self._lock:
            conn = _PG_CONNECTIONS.pop((self.url, os.getpid()), None)
            if conn is not None:
                conn.close()


RATE_LIMIT_URL_ENV = "COLLECTE_RATE_LIMIT_URL"

_SHARED: dict[tuple[str, str, float, int | None], RateLimiter | PostgresRateLimiter] = {}
_SHARED_LOCK = threading.Lock()


def deployment_backend() -> str | None:
    """The PostgreSQL URL of the deployment-wide buckets (env COLLECTE_RATE_LIMIT_URL), None when per process."""
    return os.environ.get(RATE_LIMIT_URL_ENV) or None


def share_of(quota: float, pool_slots: int) -> float:
    """The rate one task may take: the whole quota when buckets are deployment-wide (the bucket
    divides it among callers), else its share of the pool (`quota / pool_slots`)."""
    return quota if deployment_backend() else quota / max(1, pool_slots)


def shared_limiter(source: str, rate: float, *, margin: float = 0.1, api: str = "",
                   per_hour: int | None = None) -> RateLimiter | PostgresRateLimiter:
    """The limiter of `source` (and `api`, for operators whose quotas are per API): process-wide, or
    deployment-wide in PostgreSQL when COLLECTE_RATE_LIMIT_URL is set."""
    url = deployment_backend()
    with _SHARED_LOCK:
        key = (source, api, rate, per_hour)
        if key not in _SHARED:
            _SHARED[key] = (PostgresRateLimiter(url, f"{source}:{api}" if api else source, rate, margin=margin,
                                                per_hour=per_hour) if url
                            else RateLimiter(rate, margin=margin, per_hour=per_hour))
        return _SHARED[key]
