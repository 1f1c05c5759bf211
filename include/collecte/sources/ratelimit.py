"""Client-side rate limit shared by every call of one source (and API): per process, or per deployment.

Operators cap calls per client: Enedis Data Connect 5 per second AND 1,000 per hour, per API (each
Swagger says so); GRDF ADICT 5 per second. Airflow's pool of the source bounds how many tasks call
at once; each process takes `rate / pool slots`, so all of them together stay under the limit.
Inside a task, threads share one limiter. Each bucket is a sliding window like the servers', with a
margin for network jitter, and a 429 pauses every caller of the process for its Retry-After. An
hourly bucket that would make a caller wait longer than `max_wait` raises `QuotaExhausted` instead
of blocking a worker for up to an hour (the task is retried later). Hand-written: it is short and
must honour server-imposed pauses, which generic token-bucket packages do not.

A caller reserves its slot: the earliest moment the windows allow (`schedule`), recorded at once,
then sleeps until it. The schedule is therefore exact however late sleepers wake up (a limiter that
sleeps, then asks again, adds every wake-up's and every lock's delay to each slot, ~10 % of the rate
on a loaded machine), and the waiters never stampede. A caller that wakes more than `late` seconds
after its slot gives it up and takes the next one (at most twice per call): a call sent late would
shorten the window the server sees before the calls after it, so the margin only has to cover the
network's jitter. A pause voids the reservations not yet due; their callers take new ones after it.

Several workers (Celery): with `COLLECTE_RATE_LIMIT_URL` set to a PostgreSQL URL (the warehouse),
`shared_limiter` returns a `PostgresRateLimiter` instead: the same windows, reservations and pauses,
kept in a bucket row that every process locks (`SELECT ... FOR UPDATE`) and timed by the database
clock, so the quota holds for the whole deployment. Each task then takes the whole rate (`share_of`),
and Airflow's pool only bounds how many tasks wait on the bucket at once.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

HOUR = 3600.0


class QuotaExhausted(RuntimeError):
    """The next call would have to wait `wait` seconds (more than the caller accepts)."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"quota used up: the next call is allowed in {wait:.0f} s")
        self.wait = wait


def schedule(now: float, recent: Sequence[float], hour: Sequence[float], *, capacity: int, window: float,
             per_hour: int | None, paused_until: float = 0.0) -> tuple[float, float]:
    """(the earliest moment >= now a call may go, the earliest the hourly bucket alone allows).

    `recent` and `hour` are the moments of the calls already granted (reservations included), oldest
    first, each call >= the one before: the `capacity`-th latest call must be a `window` old, the
    `per_hour`-th latest an hour old, and a slot never goes before an earlier one, so the moments stay
    ordered.
    """
    hourly = hour[-per_hour] + HOUR if per_hour and len(hour) >= per_hour else now
    at = max(now, paused_until, hourly)
    if recent:
        at = max(at, recent[-1])
    if len(recent) >= capacity:
        at = max(at, recent[-capacity] + window)
    return at, hourly


LATE = 0.02  # seconds after its slot a caller may still send (else it takes the next slot)
LATE_RETRIES = 2  # slots a caller gives up at most, then sends however late (a machine that is always late)


class RateLimiter:
    """At most `rate` calls in any `window` seconds and, with `per_hour`, that many in any hour (thread-safe)."""

    def __init__(self, rate: float, window: float = 1.0, *, margin: float = 0.1, per_hour: int | None = None,
                 late: float | None = LATE, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0 or (per_hour is not None and per_hour <= 0):
            raise ValueError("rates must be positive")
        self.capacity = max(1, int(rate * window))
        self.window = self.capacity / rate + margin
        self.per_hour = per_hour
        self._sent: deque[float] = deque()
        self._hour: deque[float] = deque()
        self._paused_until = 0.0
        self._pauses = 0  # bumped by every pause: a sleeper whose reservation a pause voided asks again
        self._lock = threading.Lock()
        self._clock, self._sleep = clock, sleep
        self.late = late
        self.waited = 0.0
        self.given_up = 0  # slots callers woke too late for

    def _reserve(self, max_wait: float | None) -> tuple[float, float, int]:
        """Record the next slot; (its moment, seconds until it, the pause count it was taken under)."""
        with self._lock:
            now = self._clock()
            while self._sent and self._sent[0] <= now - self.window:
                self._sent.popleft()
            while self._hour and self._hour[0] <= now - HOUR:
                self._hour.popleft()
            at, hourly = schedule(now, self._sent, self._hour, capacity=self.capacity, window=self.window,
                                  per_hour=self.per_hour, paused_until=self._paused_until)
            if max_wait is not None and hourly - now > max_wait:
                raise QuotaExhausted(hourly - now)
            self._sent.append(at)
            if self.per_hour:
                self._hour.append(at)
            return at, at - now, self._pauses

    def _give_up(self, at: float) -> None:
        """Forget a slot its caller woke too late for (no call went: the hour's quota keeps it); lock held."""
        for granted in (self._sent, self._hour):
            if at in granted:
                granted.remove(at)
        self.given_up += 1

    def acquire(self, max_wait: float | None = None) -> float:
        """Wait until a call may be sent; return the seconds waited.

        Raises QuotaExhausted (sending nothing) when the hourly bucket would make it wait more than `max_wait`.
        """
        waited, given_up = 0.0, 0
        while True:
            at, delay, pauses = self._reserve(max_wait)
            if delay > 0:
                self._sleep(delay)
                waited += delay
            with self._lock:
                if self._pauses != pauses:  # a pause voided the slot
                    continue
                if self.late is not None and given_up < LATE_RETRIES and self._clock() - at > self.late:
                    self._give_up(at)
                    given_up += 1
                    continue
                self.waited += waited
            return waited

    def pause(self, seconds: float) -> None:
        """Hold every caller for `seconds` (the server answered 429 with Retry-After)."""
        with self._lock:
            now = self._clock()
            if now + seconds <= self._paused_until:
                return
            self._paused_until = now + seconds
            for granted in (self._sent, self._hour):  # reservations not yet due are void
                while granted and granted[-1] > now:
                    granted.pop()
            self._pauses += 1


_PG_CONNECTIONS: dict[tuple[str, int], Any] = {}
_PG_OFFSETS: dict[tuple[str, int], float] = {}  # (url, pid) -> database clock - time.monotonic()
PAUSE_CHECK = 0.01  # seconds before its slot a sleeper looks whether a pause voided it
_PG_URL_LOCKS: dict[str, threading.Lock] = {}
_PG_LOCK = threading.Lock()


class PostgresRateLimiter:
    """`RateLimiter`'s contract (acquire, pause, waited) with the state in PostgreSQL: every process
    and worker that uses the same `bucket` shares one limit (migration 0030_rate_limit)."""

    def __init__(self, url: str, bucket: str, rate: float, window: float = 1.0, *, margin: float = 0.1,
                 per_hour: int | None = None, late: float | None = LATE,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0 or (per_hour is not None and per_hour <= 0):
            raise ValueError("rates must be positive")
        self.url, self.bucket, self.late = url, bucket, late
        self.given_up = 0
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

    def _reserve(self, max_wait: float | None) -> tuple[float, float]:
        """Record the next slot (one transaction); (its moment, the bucket's pause it was taken under)."""
        conn = self._connection()
        keep = HOUR if self.per_hour else self.window
        with conn.transaction():
            now, paused_until = conn.execute(
                "SELECT extract(epoch FROM clock_timestamp())::float8, paused_until FROM rate_limit_bucket"
                " WHERE bucket = %s FOR UPDATE", (self.bucket,)).fetchone()
            conn.execute("DELETE FROM rate_limit_call WHERE bucket = %s AND sent_at <= %s", (self.bucket, now - keep))
            recent = [row[0] for row in conn.execute(
                "SELECT sent_at FROM rate_limit_call WHERE bucket = %s ORDER BY sent_at DESC LIMIT %s",
                (self.bucket, self.capacity))][::-1]
            hour: list[float] = []
            if self.per_hour:  # the per_hour-th latest call is all the hourly bucket needs
                row = conn.execute("SELECT sent_at FROM rate_limit_call WHERE bucket = %s ORDER BY sent_at DESC"
                                   " OFFSET %s LIMIT 1", (self.bucket, self.per_hour - 1)).fetchone()
                hour = [row[0]] if row else []
            at, hourly = schedule(now, recent, hour, capacity=self.capacity, window=self.window,
                                  per_hour=1 if hour else None, paused_until=paused_until)
            if max_wait is not None and hourly - now > max_wait:
                raise QuotaExhausted(hourly - now)
            conn.execute("INSERT INTO rate_limit_call (bucket, sent_at) VALUES (%s, %s)", (self.bucket, at))
            return at, paused_until

    def _give_up(self, at: float) -> None:
        """Delete a slot its caller woke too late for (no call went: the hour's quota keeps it); url lock held."""
        conn = self._connection()
        with conn.transaction():
            conn.execute("DELETE FROM rate_limit_call WHERE ctid = (SELECT ctid FROM rate_limit_call"
                         " WHERE bucket = %s AND sent_at = %s LIMIT 1)", (self.bucket, at))
        self.given_up += 1

    def _paused_since(self, seen: float) -> bool:
        """Whether a pause was set after a reservation taken under `seen` (it voided the reservation)."""
        conn = self._connection()
        with conn.transaction():
            row = conn.execute("SELECT paused_until FROM rate_limit_bucket WHERE bucket = %s",
                               (self.bucket,)).fetchone()
        return row[0] != seen

    def _offset(self) -> float:
        """The database clock minus this process's monotonic clock (the quickest of 3 round trips)."""
        key = (self.url, os.getpid())
        if key not in _PG_OFFSETS:
            conn = self._connection()
            samples = []
            for _ in range(3):
                before = time.monotonic()
                db = conn.execute("SELECT extract(epoch FROM clock_timestamp())::float8").fetchone()[0]
                after = time.monotonic()
                conn.commit()
                samples.append((after - before, db - (before + after) / 2))
            _PG_OFFSETS[key] = min(samples)[1]
        return _PG_OFFSETS[key]

    def acquire(self, max_wait: float | None = None) -> float:
        """Wait until a call may be sent (the bucket is locked only while reserving); return the seconds waited.

        The slot is a database-clock moment, slept to on this process's clock; a pause set meanwhile is
        checked just before it, off the slot's own moment. Raises QuotaExhausted (sending nothing) when
        the hourly bucket would make it wait more than `max_wait`.
        """
        waited, given_up, started = 0.0, 0, time.monotonic()
        while True:
            with self._lock:
                offset = self._offset()
                at, seen = self._reserve(max_wait)
            slot = at - offset  # the slot on time.monotonic()
            early = slot - PAUSE_CHECK - time.monotonic()
            if early > 0:
                self._sleep(early)
                with self._lock:
                    if self._paused_since(seen):
                        continue
            rest = slot - time.monotonic()
            if rest > 0:
                self._sleep(rest)
            if self.late is not None and given_up < LATE_RETRIES and time.monotonic() - slot > self.late:
                with self._lock:
                    self._give_up(at)
                given_up += 1
                continue
            waited = max(0.0, time.monotonic() - started)
            self.waited += waited
            return waited

    def pause(self, seconds: float) -> None:
        """Hold every caller of the deployment for `seconds` (the server answered 429 with Retry-After);
        the reservations not yet due are void (their callers, in any process, take new ones after it)."""
        with self._lock:
            conn = self._connection()
            with conn.transaction():
                extended = conn.execute(
                    "UPDATE rate_limit_bucket SET paused_until = extract(epoch FROM clock_timestamp()) + %s"
                    " WHERE bucket = %s AND paused_until < extract(epoch FROM clock_timestamp()) + %s"
                    " RETURNING extract(epoch FROM clock_timestamp())::float8",
                    (seconds, self.bucket, seconds)).fetchone()
                if extended:
                    conn.execute("DELETE FROM rate_limit_call WHERE bucket = %s AND sent_at > %s",
                                 (self.bucket, extended[0]))

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
