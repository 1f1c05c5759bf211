"""Mutable state of one sandbox instance: clock, tokens, limits, faults, orders, counters."""

from __future__ import annotations

import collections
import math
import random
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sandbox.enedis.measures import PARIS

CLIENT_ID = "collecte-sandbox"
CLIENT_SECRET = "sandbox-secret"
# A second application whose subscriptions on Enedis's portal lack the measures and comptage_auto APIs
# (every call to them answers 403 900908, as comptage_auto did for a real application in October 2026).
UNSUBSCRIBED_CLIENT_ID = "collecte-sandbox-unsubscribed"
CLIENTS = {CLIENT_ID: CLIENT_SECRET, UNSUBSCRIBED_CLIENT_ID: CLIENT_SECRET}
APIS = ("mesure_synchrone_auto", "situation_contrat_auto", "synth_contrat_auto", "comptage_auto",
        "donnees_generales_auto", "subscribed_services")


@dataclass
class Limits:
    """Operator limits the sandbox enforces, per client and per API (each Swagger: 5 calls/s, 1,000/h)."""

    calls_per_second: int = 5
    calls_per_hour: int = 1000
    token_ttl_seconds: int = 12600


@dataclass
class Faults:
    """Injected trouble: a share of calls answer 500 or hang past the client's timeout."""

    error_rate: float = 0.0
    timeout_rate: float = 0.0
    hang_seconds: float = 5.0
    fail_next: int = 0  # the next N measure calls answer 500 ADAM-DC-0500, deterministically


@dataclass
class Stats:
    """What the tests read: calls served, 429s sent, statuses by code."""

    calls: int = 0
    rate_limited: int = 0
    by_status: collections.Counter = field(default_factory=collections.Counter)
    by_resource: collections.Counter = field(default_factory=collections.Counter)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly copy."""
        return {"calls": self.calls, "rate_limited": self.rate_limited,
                "by_status": dict(self.by_status), "by_resource": dict(self.by_resource)}


class SandboxState:
    """Everything one running sandbox remembers; thread-safe."""

    def __init__(self, *, today: date | None = None, sftp_dir: Path | None = None,
                 limits: Limits | None = None, faults: Faults | None = None, seed: int = 1,
                 m023_delay_seconds: float = 1.0) -> None:
        self.lock = threading.Lock()
        self._today = today
        self.sftp_dir = sftp_dir
        self.limits = limits or Limits()
        self.faults = faults or Faults()
        self.stats = Stats()
        self.rng = random.Random(seed)
        self.m023_delay_seconds = m023_delay_seconds
        self.tokens: dict[str, tuple[str, float]] = {}  # token -> (client_id, expires_at)
        self._recent: dict[str, collections.deque] = collections.defaultdict(collections.deque)
        self._hour: dict[str, collections.deque] = collections.defaultdict(collections.deque)
        self.curve_activated: dict[str, date] = {}  # PRM -> day the load curve started recording
        self.services: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
        self.unsubscribed: dict[str, set[str]] = {UNSUBSCRIBED_CLIENT_ID: {"mesure_synchrone_auto", "comptage_auto"}}
        self._affaire = 0
        self.timers: list[threading.Timer] = []
        self.flows: Any = None  # sandbox.enedis.flows.FlowDelivery when R50/R151 files are delivered

    # -- clock -------------------------------------------------------------------------------
    @property
    def today(self) -> date:
        """The sandbox's Paris day (fixed for tests, the real one otherwise)."""
        return self._today or datetime.now(PARIS).date()

    @today.setter
    def today(self, value: date | None) -> None:
        self._today = value

    # -- tokens ------------------------------------------------------------------------------
    def issue_token(self, client_id: str) -> str:
        """A new bearer token for `client_id`."""
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = (client_id, time.monotonic() + self.limits.token_ttl_seconds)
        return token

    def client_of(self, token: str) -> str | None:
        """The client a valid token belongs to, or None (unknown or expired)."""
        with self.lock:
            found = self.tokens.get(token)
        if not found or found[1] < time.monotonic():
            return None
        return found[0]

    def unsubscribed_apis(self, client_id: str) -> set[str]:
        """APIs the client's application is not subscribed to (403 900908)."""
        with self.lock:
            return set(self.unsubscribed.get(client_id, ()))

    # -- limits ------------------------------------------------------------------------------
    def admit(self, client_id: str, api: str = "") -> int | None:
        """Count one call of `api`; None if admitted, else the Retry-After seconds of a 429."""
        now = time.monotonic()
        with self.lock:
            recent, hour = self._recent[f"{client_id}/{api}"], self._hour[f"{client_id}/{api}"]
            while recent and recent[0] <= now - 1.0:
                recent.popleft()
            while hour and hour[0] <= now - 3600.0:
                hour.popleft()
            if len(hour) >= self.limits.calls_per_hour:
                self.stats.rate_limited += 1
                return max(1, math.ceil(hour[0] + 3600.0 - now))
            if len(recent) >= self.limits.calls_per_second:
                self.stats.rate_limited += 1
                return 1
            recent.append(now)
            hour.append(now)
            self.stats.calls += 1
            return None

    def fault(self) -> str | None:
        """'error', 'hang' or None for the next measure call."""
        with self.lock:
            if self.faults.fail_next > 0:
                self.faults.fail_next -= 1
                return "error"
            draw = self.rng.random()
        if draw < self.faults.error_rate:
            return "error"
        if draw < self.faults.error_rate + self.faults.timeout_rate:
            return "hang"
        return None

    def record(self, status: int, resource: str) -> None:
        """Count one answer."""
        with self.lock:
            self.stats.by_status[status] += 1
            self.stats.by_resource[resource] += 1

    def next_affaire(self) -> str:
        """A new SGE order number."""
        with self.lock:
            self._affaire += 1
            return f"A{self._affaire:08d}"

    def reset_stats(self) -> None:
        """Zero the counters (between test phases)."""
        with self.lock:
            self.stats = Stats()
