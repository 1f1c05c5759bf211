"""Enedis Data Connect 2026 HTTP client: token, shared rate limits per API, retries, error meaning.

    client = EnedisDataConnectHook().get_conn()     # inside a task (collecte.airflow.hooks.enedis_dataconnect)
    body = client.measure("courbe_de_charge_consommation", prm, first, end)   # bytes, as received

Every request carries exactly the parameters of the official Swagger files (Data Connect 2026,
`swagger_mesure_synchrone_auto_v2.yaml` and the contract APIs'): measures `pointId`, `dateDebut`,
`dateFin`, plus `mesuresPas=P1D&grandeurPhysique=PMA` for the max power; contract APIs take the PRM
in the path and nothing else; `subscribed_services` a JSON body with an integer `autorisationId`.
Enedis answers anything else with an empty HTTP 500.

Quotas are per API (each Swagger: 5 calls per second and 1,000 per hour), so each API has its own
limiter shared by the process. The token is cached per (root, client id) for the process until a
minute before it expires and refreshed once on a 401. 429 (honouring
Retry-After, which also pauses the other callers), 5xx and timeouts are retried with exponential
backoff and jitter; other errors are raised at once as `errors.error_for` maps them. The loop is
hand-written (not tenacity) because Retry-After must reach the shared limiter and the token
refresh happens in the same loop.

A 403 900908 (API not subscribed) is remembered for the process: the API is not called again
until the operator fixes the application's subscriptions and a new task starts.
The secret stays in this object: never in repr, logs, XCom or raw metadata.
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
    ApiNotSubscribed,
    AuthenticationFailed,
    EnedisError,
    Transient,
    error_for,
)
from collecte.sources.ratelimit import QuotaExhausted, RateLimiter, shared_limiter

log = logging.getLogger(__name__)

SOURCE = "enedis"
MEASURE_API = "mesure_synchrone_auto"
MEASURE_PATH = "/mesure_synchrone_auto/v2/{resource}"
CONTRACT_PATH = "/{resource}/v1/{prm}"
SERVICES_API = "subscribed_services"
CONTRACT_RESOURCES = ("situation_contrat_auto", "synth_contrat_auto", "comptage_auto", "donnees_generales_auto")
# Query parameters each measure resource takes beyond pointId/dateDebut/dateFin (the Swagger's list).
MEASURE_EXTRA: dict[str, dict[str, str]] = {
    "consommation_quotidienne": {}, "production_quotidienne": {},
    "courbe_de_charge_consommation": {}, "courbe_de_charge_production": {},
    "index_consommation": {}, "index_production": {},
    "puissance_conso_max_quotidienne": {"mesuresPas": "P1D", "grandeurPhysique": "PMA"},
}
CALLS_PER_HOUR = 1000

_TOKENS: dict[tuple[str, str], tuple[str, float]] = {}
_TOKENS_LOCK = threading.Lock()
_UNSUBSCRIBED: dict[tuple[str, str, str], str] = {}  # (root, client id, API) -> the 900908 message


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
    calls_per_hour: int = CALLS_PER_HOUR
    timeout: float = 30.0
    max_attempts: int = 6
    backoff_base: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 120.0
    limiter: RateLimiter | None = None  # one for every API (tests); default: a shared limiter per API
    calls: int = 0
    retried: int = 0
    _http: httpx.Client | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, timeout=self.timeout,
                                  limits=httpx.Limits(max_keepalive_connections=8))

    def limiter_of(self, api: str) -> RateLimiter:
        """The process-wide limiter of one API (5/s and 1,000/h each, divided by the pool's slots)."""
        return self.limiter or shared_limiter(SOURCE, self.calls_per_second, margin=0.08, api=api,
                                              per_hour=self.calls_per_hour)

    @property
    def waited(self) -> float:
        """Seconds callers of this client's limiters have waited (all APIs)."""
        apis = (MEASURE_API, SERVICES_API, *CONTRACT_RESOURCES)
        return sum(limiter.waited for limiter in {id(x): x for x in map(self.limiter_of, apis)}.values())

    @classmethod
    def from_connection(cls, conn_id: str = "enedis_dataconnect", **overrides: Any) -> DataConnectClient:
        """A client from an Airflow connection: the one place is collecte.airflow.hooks.enedis_dataconnect."""
        from collecte.airflow.hooks.enedis_dataconnect import EnedisDataConnectHook

        return EnedisDataConnectHook(conn_id).get_conn(**overrides)

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
    def _call(self, api: str, method: str, path: str, what: str, *, params: dict[str, str] | None = None,
              body: dict[str, Any] | None = None) -> bytes:
        refused = _UNSUBSCRIBED.get((self.base_url, self.client_id, api))
        if refused:
            raise ApiNotSubscribed(f"{what}: not called, {refused}", status=403, code="900908")
        limiter = self.limiter_of(api)
        renewed = False
        attempt = 0
        while True:
            token = self._token()
            try:
                limiter.acquire(max_wait=self.max_retry_after)
            except QuotaExhausted as exc:
                raise Transient(f"{what}: hourly quota of {api} reached ({self.calls_per_hour}/h), retry in "
                                f"{exc.wait:.0f} s", status=429, code="quota") from None
            self.calls += 1
            try:
                answer = self._http.request(method, path, params=params, json=body,
                                            headers={"Authorization": f"Bearer {token}"})
            except httpx.TimeoutException:
                failure: EnedisError = Transient(f"{what}: no answer within {self.timeout:.0f} s")
                wait = None
            except httpx.TransportError as exc:
                failure, wait = Transient(f"{what}: {type(exc).__name__}"), None
            else:
                if answer.status_code == 200:
                    return answer.content
                failure = error_for(answer.status_code, _json(answer), what)
                if isinstance(failure, ApiNotSubscribed):
                    _UNSUBSCRIBED[(self.base_url, self.client_id, api)] = f"API {api} not subscribed: {failure}"
                if answer.status_code == 401 and not renewed:
                    self._token(renew=True)
                    renewed = True
                    continue
                wait = _retry_after(answer.headers.get("Retry-After"))
                if answer.status_code == 429 and wait is not None:
                    if wait > self.max_retry_after:
                        raise Transient(f"{what}: hourly quota reached, retry in {wait:.0f} s",
                                        status=429, code="quota")
                    limiter.pause(wait)
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
        if resource not in MEASURE_EXTRA:
            raise ValueError(f"unknown measure resource {resource!r}")
        params = {"pointId": prm, "dateDebut": first.isoformat(), "dateFin": end.isoformat(),
                  **MEASURE_EXTRA[resource]}
        return self._call(MEASURE_API, "GET", MEASURE_PATH.format(resource=resource),
                          f"{resource} {prm} {first}..{end}", params=params)

    def contract(self, resource: str, prm: str) -> bytes:
        """Raw body of one contract API (PRM in the path, no parameter)."""
        if resource not in CONTRACT_RESOURCES:
            raise ValueError(f"unknown contract resource {resource!r}")
        return self._call(resource, "GET", CONTRACT_PATH.format(resource=resource, prm=prm), f"{resource} {prm}")

    def subscribed_services(self, authorization_id: int | str) -> dict[str, Any]:
        """Services of a consent (`serviceSouscrit[]`, `etatCode` ACTIF, DEMANDE, TERMINE, SUPPRIME).

        `autorisationId` is an int64 in the Swagger (the `autorisation_id` of the consent redirect).
        """
        number = int(authorization_id)
        body = self._call(SERVICES_API, "POST", "/subscribed_services/v1", f"subscribed_services {number}",
                          body={"autorisationId": number, "comptage": False})
        return orjson.loads(body)


def _json(answer: httpx.Response) -> dict[str, Any] | None:
    try:
        body = orjson.loads(answer.content)
    except orjson.JSONDecodeError:
        return None
    return body if isinstance(body, dict) else None


__all__ = ["AuthenticationFailed", "DataConnectClient"]
