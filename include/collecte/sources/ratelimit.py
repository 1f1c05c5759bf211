"""Client-side rate limit shared by every call of one source in this process.

Operators cap calls per client (Enedis Data Connect and GRDF ADICT: 5 per second). Airflow's pool
of the source bounds how many tasks call at once; each process takes `rate / pool slots`, so all
of them together stay under the limit. Inside a task, threads share one limiter. It is a sliding
window like the servers', with a margin for network jitter, and a 429 pauses every caller of the
process for its Retry-After. Hand-written: it is 40 lines and must honour server-imposed pauses,
which generic token-bucket packages do not.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """At most `rate` calls in any `window` seconds (thread-safe, blocking)."""

    def __init__(self, rate: float, window: float = 1.0, *, margin: float = 0.1,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.capacity = max(1, int(rate * window))
        self.window = self.capacity / rate + margin
        self._sent: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = threading.Lock()
        self._clock, self._sleep = clock, sleep
        self.waited = 0.0

    def acquire(self) -> float:
        """Wait until a call may be sent; return the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and self._sent[0] <= now - self.window:
                    self._sent.popleft()
                full = len(self._sent) >= self.capacity
                delay = max(self._paused_until - now, self._sent[0] + self.window - now if full else 0.0)
                if delay <= 0:
                    self._sent.append(now)
                    self.waited += waited
                    return waited
            self._sleep(delay)
            waited += delay

    def pause(self, seconds: float) -> None:
        """Hold every caller for `seconds` (the server answered 429 with Retry-After)."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)


_SHARED: dict[tuple[str, float], RateLimiter] = {}
_SHARED_LOCK = threading.Lock()


def shared_limiter(source: str, rate: float, *, margin: float = 0.1) -> RateLimiter:
    """The process-wide limiter of `source` at `rate` calls per second."""
    with _SHARED_LOCK:
        return _SHARED.setdefault((source, rate), RateLimiter(rate, margin=margin))
