"""Enedis Data Connect 2026 HTTP client: token, shared rate limit, retries, error meaning.

    client = DataConnectClient.from_connection("enedis_dataconnect")   # inside a task
    body = client.measure("courbe_de_charge_consommation", prm, first, end)   # bytes, as received

The token is cached per (API, client id) for the process until a minute before it expires and
refreshed once on a 401. Every call waits for the limiter shared by the process; 429 (honouring
Retry-After, which also pauses the other callers), 5xx and timeouts are retried with exponential
backoff and jitter; other errors are raised at once as `errors.error_for` maps them. The loop is
hand-written (not tenacity) because Retry-After must reach the shared limiter and the token
refresh happens in the same loop.

Connection (Airflow, conn type http): host = API root (e.g. https://gw.ext.prod.api.enedis.fr),
login = client id, password = client secret, extra = {"calls_per_second": 5, "pool_slots": 1,
"timeout": 30}. The secret stays in this object: never in repr, logs, XCom or raw metadata.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import orjson

from collecte.sources.enedis.errors import (
    AuthenticationFailed,
    EnedisError,
    Transient,
    error_for,
)
from collecte.sources.ratelimit import RateLimiter, shared_limiter

log = logging.getLogger(__name__)

SOURCE = "enedis"
MEASURE_PATH = "/mesure_synchrone_auto/v2/{resource}"
CONTRACT_PATH = "/{resource}/v1/{prm}"
CONTRACT_RESOURCES = ("situation_contrat_auto", "synth_contrat_auto", "comptage_auto", "donnees_generales_auto")

_TOKENS: dict[tuple[str, str], tuple[str, float]] = {}
_TOKENS_LOCK = threading.Lock()


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


@dataclass
class DataConnectClient:
    """One Data Connect application (client id/secret) seen from one process."""

    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    calls_per_second: float = 5.0
    timeout: float = 30.0
    max_attempts: int = 6
    backoff_base: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 120.0
    limiter: RateLimiter | None = None
    calls: int = 0
    retried: int = 0
    _http: httpx.Client | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.limiter = self.limiter or shared_limiter(SOURCE, self.calls_per_second, margin=0.08)
        self._http = httpx.Client(base_url=self.base_url, timeout=self.timeout,
                                  limits=httpx.Limits(max_keepalive_connections=8))

    @classmethod
    def from_connection(cls, conn_id: str = "enedis_dataconnect", **overrides: Any) -> DataConnectClient:
        """A client from an Airflow connection; the rate is divided by the pool's slots."""
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(conn_id)
        extra = conn.extra_dejson
        host = conn.host or ""
        if not host.startswith("http"):
            host = f"{conn.schema or 'https'}://{host}" + (f":{conn.port}" if conn.port else "")
        rate = float(extra.get("calls_per_second", 5)) / max(1, int(extra.get("pool_slots", 1)))
        settings = {"calls_per_second": rate, "timeout": float(extra.get("timeout", 30))} | overrides
        return cls(host, conn.login or "", conn.password or "", **settings)

    def close(self) -> None:
        """Close the connection pool."""
        if self._http is not None:
            self._http.close()

    def __enter__(self) -> DataConnectClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- token --------------------------------------------------------------------------------
    def _token(self, *, renew: bool = False) -> str:
        key = (self.base_url, self.client_id)
        with _TOKENS_LOCK:
            cached = _TOKENS.get(key)
            if cached and not renew and cached[1] > time.monotonic() + 60:
                return cached[0]
        answer = self._http.post("/oauth2/v3/token", data={
            "grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret})
        if answer.status_code != 200:
            raise error_for(answer.status_code, _json(answer), "token")
        payload = answer.json()
        expires = time.monotonic() + float(payload.get("expires_in") or 3600)
        with _TOKENS_LOCK:
            _TOKENS[key] = (payload["access_token"], expires)
        return payload["access_token"]

    # -- calls --------------------------------------------------------------------------------
    def _get(self, path: str, params: dict[str, str] | None, what: str) -> bytes:
        renewed = False
        attempt = 0
        while True:
            token = self._token()
            self.limiter.acquire()
            self.calls += 1
            try:
                answer = self._http.get(path, params=params, headers={"Authorization": f"Bearer {token}"})
            except httpx.TimeoutException:
                failure: EnedisError = Transient(f"{what}: no answer within {self.timeout:.0f} s")
                wait = None
            except httpx.TransportError as exc:
                failure, wait = Transient(f"{what}: {type(exc).__name__}"), None
            else:
                if answer.status_code == 200:
                    return answer.content
                failure = error_for(answer.status_code, _json(answer), what)
                if answer.status_code == 401 and not renewed:
                    self._token(renew=True)
                    renewed = True
                    continue
                wait = _retry_after(answer.headers.get("Retry-After"))
                if answer.status_code == 429 and wait is not None:
                    if wait > self.max_retry_after:
                        raise Transient(f"{what}: hourly quota reached, retry in {wait:.0f} s",
                                        status=429, code="quota")
                    self.limiter.pause(wait)
            if not failure.retryable:
                raise failure
            attempt += 1
            if attempt >= self.max_attempts:
                raise failure
            self.retried += 1
            delay = wait if wait is not None else min(self.max_backoff, self.backoff_base * 2 ** (attempt - 1))
            delay *= 1 + random.random() * 0.2
            log.info("%s: %s; retry %d/%d in %.1f s", what, failure.code or "transient", attempt,
                     self.max_attempts - 1, delay)
            time.sleep(delay)

    def measure(self, resource: str, prm: str, first: date, end: date) -> bytes:
        """Raw body of one measure call over Paris days [first, end) (end excluded)."""
        return self._get(MEASURE_PATH.format(resource=resource),
                         {"pointId": prm, "dateDebut": first.isoformat(), "dateFin": end.isoformat()},
                         f"{resource} {prm} {first}..{end}")

    def contract(self, resource: str, prm: str) -> bytes:
        """Raw body of one contract endpoint (PRM in the path)."""
        if resource not in CONTRACT_RESOURCES:
            raise ValueError(f"unknown contract resource {resource!r}")
        return self._get(CONTRACT_PATH.format(resource=resource, prm=prm), None, f"{resource} {prm}")

    def subscribed_services(self, authorization_id: str) -> dict[str, Any]:
        """Services of a consent (`etatCode` ACTIF, DEMANDE, TERMINE, SUPPRIME)."""
        token = self._token()
        self.limiter.acquire()
        answer = self._http.post("/subscribed_services/v1", headers={"Authorization": f"Bearer {token}"},
                                 json={"autorisationId": authorization_id, "comptage": False})
        if answer.status_code != 200:
            raise error_for(answer.status_code, _json(answer), f"subscribed_services {authorization_id}")
        return answer.json()


def _json(answer: httpx.Response) -> dict[str, Any] | None:
    try:
        body = orjson.loads(answer.content)
    except orjson.JSONDecodeError:
        return None
    return body if isinstance(body, dict) else None


__all__ = ["AuthenticationFailed", "DataConnectClient"]
