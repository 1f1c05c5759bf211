"""What the ADICT sandbox remembers: clients and tokens, access rights, limits, faults, counters.

Limits follow the issue: 5 calls per second per client (a sliding one-second window) and an
hourly quota; past them the call gets 429 with a Retry-After header and is counted in
`stats["throttled"]`, so tests can prove a run stays under the limit.
"""

from __future__ import annotations

import itertools
import random
import secrets
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.grdf.access_rights import (
    ACTIVE,
    OBSOLETE,
    PROOF_OK,
    REFUSED,
    REVOKED,
    TO_VALIDATE,
    AccessRight,
)

PARIS = ZoneInfo("Europe/Paris")
DEMO_CLIENT_ID = "collecte-demo"
DEMO_CLIENT_SECRET = "collecte-demo-secret"
SCOPE = "/adict/v2"
FAULTS = ("500", "timeout", "truncate", "429")

# (state, accepted automatically) of the fixed demo PCEs (see /tmp gate contract / config grdf.yaml)
DEMO_RIGHTS: dict[str, str] = {
    "21100000000001": ACTIVE,
    "21100000000002": ACTIVE,
    "GI000123": ACTIVE,
    "21100000000003": REVOKED,
    "21100000000004": TO_VALIDATE,
}


@dataclass
class Token:
    """An issued bearer token."""

    value: str
    client_id: str
    scope: str
    expires_at: float


@dataclass
class SandboxState:
    """All mutable state of one sandbox, guarded by one lock."""

    rate_per_second: int = 5
    hourly_quota: int = 20_000
    token_ttl_s: float = 14400.0                # ADICT tokens live about 4 hours
    acceptance_delay_s: float | None = None
    timeout_delay_s: float = 5.0
    today_override: date | None = None
    fault_rate: float = 0.0                     # share of data calls failing at random (500 or timeout)
    fault_seed: int = 20261129
    clients: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    rights: dict[str, AccessRight] = field(default_factory=dict)
    faults: deque = field(default_factory=deque)
    stats: Counter = field(default_factory=Counter)
    calls: list[tuple[float, str, str, int]] = field(default_factory=list)
    # every answer given (method, path, status, content type, body), for shape checks in tests
    answers: list[tuple[str, str, int, str, bytes]] = field(default_factory=list)
    max_answers: int = 5_000
    _window: dict[str, deque] = field(default_factory=dict)
    _hourly: dict[str, deque] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _random: random.Random = field(default_factory=random.Random)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.reset()

    # -- set-up --------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the demo state: one demo client, the demo PCEs' rights, no faults, no counts."""
        with self.lock:
            self.clients = {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET}
            self.tokens.clear()
            self.rights.clear()
            self.faults.clear()
            self.stats.clear()
            self.calls.clear()
            self._window.clear()
            self._hourly.clear()
            self._ids = itertools.count(1)
            self.acceptance_delay_s = None
            self.fault_rate = 0.0
            self._random = random.Random(self.fault_seed)
            self.token_ttl_s = 14400.0
            self.answers.clear()
            self.rate_per_second, self.hourly_quota = 5, 20_000
            for pce, state in DEMO_RIGHTS.items():
                self.seed_right(DEMO_CLIENT_ID, pce, state)

    def today(self) -> date:
        """The sandbox's Paris day (overridable by tests)."""
        return self.today_override or datetime.now(PARIS).date()

    def seed_right(self, client_id: str, pce: str, state: str, **overrides: Any) -> AccessRight:
        """Create a right in a given state, with a full scope over five years (demo and tests)."""
        today = self.today()
        fields = {
            "code_postal": "69003", "courriel_titulaire": "energie@example.org",
            "raison_sociale": "CLIENT DEMO", "role_tiers": "AUTORISE_CONTRAT_FOURNITURE",
            "date_debut_droit_acces": (today - timedelta(days=30)).isoformat(),
            "date_fin_droit_acces": (today + timedelta(days=3 * 365)).isoformat(),
            "perim_donnees_conso_debut": (today - timedelta(days=5 * 365)).isoformat(),
            "perim_donnees_conso_fin": (today + timedelta(days=3 * 365)).isoformat(),
            "perim_donnees_contractuelles": "Vrai", "perim_donnees_techniques": "Vrai",
            "perim_donnees_informatives": "Vrai", "perim_donnees_publiees": "Vrai",
        }
        fields.update(overrides)
        right = self.new_right(client_id, pce, fields)
        self.set_state(right.id, state, source="TITULAIRE")
        right.accept_automatically = False
        if state == ACTIVE:
            right.proof_status = PROOF_OK
        return right

    def new_right(self, client_id: str, pce: str, fields: dict[str, Any]) -> AccessRight:
        """Register a declaration ("A valider")."""
        with self.lock:
            right = AccessRight(id=f"DA{next(self._ids):08d}", client_id=client_id, pce=pce, fields=fields)
            self.rights[right.id] = right
            return right

    def inject(self, fault: str, count: int = 1) -> None:
        """Make the next `count` data or access-right calls fail with `fault` (500, timeout, truncate, 429)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; expected one of {FAULTS}")
        with self.lock:
            self.faults.extend([fault] * count)

    def take_fault(self) -> str | None:
        """The next injected fault, if any; else a random one at `fault_rate` (seeded, reproducible)."""
        with self.lock:
            if self.faults:
                return self.faults.popleft()
            if self.fault_rate and self._random.random() < self.fault_rate:
                return self._random.choice(("500", "timeout"))
            return None

    # -- tokens ---------------------------------------------------------------------------
    def issue_token(self, client_id: str, secret: str, scope: str) -> Token | None:
        """A new token for valid credentials, else None."""
        with self.lock:
            known = self.clients.get(client_id)
            if known is None or not secrets.compare_digest(known, secret):
                return None
            token = Token(secrets.token_urlsafe(24), client_id, scope, time.monotonic() + self.token_ttl_s)
            self.tokens[token.value] = token
            self.stats["tokens"] += 1
            return token

    def client_of(self, bearer: str | None) -> str | None:
        """The client owning a valid, unexpired token."""
        with self.lock:
            token = self.tokens.get(bearer or "")
            if token is None or token.expires_at < time.monotonic():
                return None
            return token.client_id

    # -- limits ---------------------------------------------------------------------------
    def throttle(self, client_id: str) -> float | None:
        """Seconds to wait if this call exceeds the rate or the quota, else None (call counted)."""
        now = time.monotonic()
        with self.lock:
            window = self._window.setdefault(client_id, deque())
            hourly = self._hourly.setdefault(client_id, deque())
            while window and window[0] <= now - 1.0:
                window.popleft()
            while hourly and hourly[0] <= now - 3600.0:
                hourly.popleft()
            if len(hourly) >= self.hourly_quota:
                return max(1.0, hourly[0] + 3600.0 - now)
            if len(window) >= self.rate_per_second:
                return max(0.05, window[0] + 1.0 - now)
            window.append(now)
            hourly.append(now)
            return None

    def record(self, client_id: str, path: str, status: int) -> None:
        """Count a call by outcome."""
        with self.lock:
            self.calls.append((time.monotonic(), client_id, path, status))
            self.stats["calls"] += 1
            self.stats[f"status_{status}"] += 1
            if status == 429:
                self.stats["throttled"] += 1

    # -- access rights --------------------------------------------------------------------
    def settle(self) -> None:
        """Apply time-based acceptance: declarations older than the delay become Active."""
        if self.acceptance_delay_s is None:
            return
        now = datetime.now()
        with self.lock:
            for right in self.rights.values():
                if right.state == TO_VALIDATE and right.accept_automatically and \
                        (now - right.created_at).total_seconds() >= self.acceptance_delay_s:
                    right.state = ACTIVE

    def rights_of(self, client_id: str, pce: str | None = None) -> list[AccessRight]:
        """Rights of one client, optionally on one PCE, oldest first."""
        self.settle()
        with self.lock:
            return [r for r in self.rights.values()
                    if r.client_id == client_id and (pce is None or r.pce == pce)]

    def current_right(self, client_id: str, pce: str) -> AccessRight | None:
        """The client's latest right on `pce`."""
        found = self.rights_of(client_id, pce)
        return found[-1] if found else None

    def set_state(self, right_id: str, state: str, *, source: str = "GRDF") -> AccessRight:
        """Change a right's state (holder's answer, GRDF re-check, revocation by `source`)."""
        stamp = datetime.now(PARIS).strftime("%Y-%m-%d %H:%M:%S")
        with self.lock:
            right = self.rights[right_id]
            right.state = state
            if state == REVOKED:
                right.changes.update(date_revocation=stamp, source_revocation=source)
            elif state == OBSOLETE:
                right.changes["date_passage_a_obsolete"] = stamp
            elif state == REFUSED:
                right.changes["date_passage_a_refuse"] = stamp
            return right

    def keep_answer(self, method: str, path: str, status: int, content_type: str, body: bytes) -> None:
        """Remember an answer for the shape checks of the tests (bounded)."""
        with self.lock:
            if len(self.answers) < self.max_answers:
                self.answers.append((method, path, status, content_type, body))
