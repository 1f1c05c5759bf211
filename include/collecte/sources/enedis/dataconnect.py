"""Enedis Data Connect 2026 HTTP client: token, shared rate limits per API, retries, error meaning.

    client = EnedisDataConnectHook().get_conn()     # inside a task (collecte.airflow.hooks.enedis_dataconnect)
    body = client.measure("courbe_de_charge_consommation", prm, first, end)   # bytes, as received

Every request carries exactly the parameters of the official Swagger files (Data Connect 2026,
`swagger_mesure_synchrone_auto_v2.yaml` and the contract APIs'): measures `pointId`, `dateDebut`,
`dateFin`, plus `mesuresPas=P1D&grandeurPhysique=PMA` for the max power; contract APIs take the PRM
in the path and nothing else; `subscribed_services` a JSON body with an integer `autorisationId`.
Enedis answers anything else with an empty HTTP 500.

Quotas are per API (each Swagger: 5 calls per second and 1,000 per hour), so each API has its own
limiter shared by the process; a client-side hourly bucket that would hold a worker for long raises
a transient error instead (Airflow retries the task later). The token is cached per (root, client
id) for the process until a minute before it expires and renewed once on a 401. Calls go through the
shared resilient HTTP layer (collecte.sources.http): 429 (Retry-After honoured, which also pauses
the other callers of the API), 5xx, timeouts and bodies cut short are retried with backoff and
jitter; other errors are raised at once as `errors.error_for` maps them.

A 403 900908 (API not subscribed) is remembered for the process: the API is not called again
until the operator fixes the application's subscriptions and a new task starts.
The secret stays in this object: never in repr, logs, XCom or raw metadata.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson

from collecte.sources.enedis.errors import (
    ApiNotSubscribed,
    AuthenticationFailed,
    Transient,
    error_for,
)
from collecte.sources.http import Reply, ResilientClient, RetryPolicy, parse_json, retry_after_seconds
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


class _QuotaGate:
    """The API's limiter as ResilientClient sees it: an hourly bucket that would hold a worker longer than
    `max_wait` raises a TransientError (the task comes back later) instead of blocking."""

    def __init__(self, limiter: RateLimiter, api: str, max_wait: float) -> None:
        self.limiter, self.api, self.max_wait = limiter, api, max_wait

    def acquire(self) -> float:
        try:
            return self.limiter.acquire(max_wait=self.max_wait)
        except QuotaExhausted as exc:
            raise Transient(f"hourly quota of {self.api} reached, next call in {exc.wait:.0f} s", status=429,
                            code="quota", retry_after=exc.wait) from None

    def pause(self, seconds: float) -> None:
        self.limiter.pause(seconds)


@dataclass
class DataConnectClient:
    """One Data Connect application (client id/secret) seen from one process.

    Calls go through collecte.sources.http.ResilientClient (timeouts, retries with backoff and
    Retry-After, bodies cut short or unparsable are transient), one per API so each has its limiter.
    """

    base_url: str
    client_id: str
    client_secret: str = field(repr=False)
    calls_per_second: float = 5.0
    calls_per_hour: int = CALLS_PER_HOUR
    rate_margin: float = 0.05  # seconds added to each 1-s window: the jitter between our clock and the gateway's
    timeout: float = 30.0
    max_attempts: int = 6
    backoff_base: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 120.0
    limiter: RateLimiter | None = None  # one for every API (tests); default: a shared limiter per API
    _apis: dict[str, ResilientClient] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.policy = RetryPolicy(attempts=self.max_attempts, backoff=self.backoff_base, max_backoff=self.max_backoff,
                                  max_retry_after=self.max_retry_after, connect_timeout=min(10.0, self.timeout),
                                  read_timeout=self.timeout, total_timeout=self.timeout * 2)
        self._token_http = ResilientClient(self.base_url, policy=self.policy)

    def limiter_of(self, api: str) -> RateLimiter:
        """The process-wide limiter of one API (5/s and 1,000/h each, divided by the pool's slots)."""
        return self.limiter or shared_limiter(SOURCE, self.calls_per_second, margin=self.rate_margin, api=api,
                                              per_hour=self.calls_per_hour)

    def _http(self, api: str) -> ResilientClient:
        with self._lock:
            if api not in self._apis:
                self._apis[api] = ResilientClient(
                    self.base_url, policy=self.policy, auth=self._auth,
                    limiter=_QuotaGate(self.limiter_of(api), api, self.max_retry_after))
            return self._apis[api]

    @property
    def calls(self) -> int:
        """Requests sent (every API, retries included)."""
        return sum(c.stats["calls"] for c in list(self._apis.values()))

    @property
    def retried(self) -> int:
        """Retries made (every API)."""
        return sum(c.stats["retries"] for c in list(self._apis.values()))

    @property
    def waited(self) -> float:
        """Seconds callers of this client's limiters have waited (all APIs)."""
        limiters = {id(x): x for x in (self.limiter_of(api) for api in list(self._apis))}
        return sum(limiter.waited for limiter in limiters.values())

    @classmethod
    def from_connection(cls, conn_id: str = "enedis_dataconnect", **overrides: Any) -> DataConnectClient:
        """A client from an Airflow connection: the one place is collecte.airflow.hooks.enedis_dataconnect."""
        from collecte.airflow.hooks.enedis_dataconnect import EnedisDataConnectHook

        return EnedisDataConnectHook(conn_id).get_conn(**overrides)

    def close(self) -> None:
        """Close the connection pools."""
        for client in [self._token_http, *self._apis.values()]:
            client.close()

    def __enter__(self) -> DataConnectClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- token --------------------------------------------------------------------------------
    def token(self, *, renew: bool = False) -> str:
        """A bearer token, cached for the process until a minute before it expires."""
        key = (self.base_url, self.client_id)
        with _TOKENS_LOCK:
            cached = _TOKENS.get(key)
            if cached and not renew and cached[1] > time.monotonic() + 60:
                return cached[0]
        reply = self._token_http.post("/oauth2/v3/token", what="token", parse=parse_json, data={
            "grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret},
            error_for=lambda r: error_for(r.status, _json(r.content), "token"))
        payload = reply.data
        expires = time.monotonic() + float(payload.get("expires_in") or 3600)  # a string of seconds
        with _TOKENS_LOCK:
            _TOKENS[key] = (payload["access_token"], expires)
        return payload["access_token"]

    _token = token

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def _forget_token(self) -> None:
        with _TOKENS_LOCK:
            _TOKENS.pop((self.base_url, self.client_id), None)

    # -- calls --------------------------------------------------------------------------------
    def _call(self, api: str, method: str, path: str, what: str, *, params: dict[str, str] | None = None,
              body: dict[str, Any] | None = None) -> bytes:
        refused = _UNSUBSCRIBED.get((self.base_url, self.client_id, api))
        if refused:
            raise ApiNotSubscribed(f"{what}: not called, {refused}", status=403, code="900908")
        renewed = False

        def meaning(reply: Reply) -> BaseException:
            nonlocal renewed
            failure = error_for(reply.status, _json(reply.content), what)
            if isinstance(failure, ApiNotSubscribed):
                _UNSUBSCRIBED[(self.base_url, self.client_id, api)] = f"API {api} not subscribed: {failure}"
            if reply.status == 401 and not renewed:  # the token expired early: renew it once, try again
                renewed = True
                self._forget_token()
                return Transient(f"{what}: token refused, renewed", status=401, retry_after=0.0)
            if reply.status == 429:
                wait = retry_after_seconds(reply.headers.get("Retry-After"))
                return Transient(f"{what}: HTTP 429, quota of {api} reached (5/s and 1,000/h per API)"
                                 + (f", retry in {wait:.0f} s" if wait is not None else ""),
                                 status=429, code=failure.code, retry_after=wait)
            return failure

        options: dict[str, Any] = {"params": params} if params is not None else {}
        if body is not None:
            options["json"] = body
        return self._http(api).request(method, path, what=what, error_for=meaning, **options).content

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


def _json(content: bytes) -> dict[str, Any] | None:
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        return None
    return body if isinstance(body, dict) else None


__all__ = ["AuthenticationFailed", "DataConnectClient"]
