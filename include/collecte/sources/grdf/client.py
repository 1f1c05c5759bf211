"""ADICT HTTP client: OAuth2 client-credentials token, rate limit, retries, NDJSON answers.

    client = AdictClient.from_connection("grdf_adict")     # inside a task
    answer = client.consumption("daily", pce, start, end)  # list of NdjsonAnswer, one per window

The token comes from GRDF's OpenID host, separate from the API host (lowatt-grdf:
`https://adict-connexion.grdf.fr/oauth2/<server>/v1/token`, formerly
`https://sofit-sso-oidc.grdf.fr/openam/oauth2/realms/externeGrdf/access_token`): form
`grant_type=client_credentials`, `client_id`, `client_secret`, `scope`. It lives about 4 hours
(`expires_in` 14,400 s); it is reused for its lifetime and fetched again a minute before it
expires, and once on a 401. Calls go through the shared resilient HTTP layer
(`collecte.sources.http.ResilientClient`): the shared rate limiter before each attempt; 429, 5xx,
timeouts, cut bodies and answers without their final status line retried with backoff, honouring
Retry-After. Other errors are raised at once as the `errors` module maps them.

The Airflow connection is read in one place, `collecte.airflow.hooks.grdf_adict.GrdfAdictHook`
(`from_connection` below delegates to it); this module imports no Airflow. The secret never
leaves this object (not in repr, logs, XCom).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

import orjson

from collecte.sources.grdf.errors import (
    AdictError,
    AuthenticationFailed,
    TransientError,
    error_for,
)
from collecte.sources.grdf.ndjson import OK_STATUS, NdjsonAnswer, read_ndjson
from collecte.sources.grdf.resources import resource, windows
from collecte.sources.http import Reply, ResilientClient, RetryPolicy, retry_after_seconds
from collecte.sources.ratelimit import RateLimiter, shared_limiter

log = logging.getLogger(__name__)

DEFAULT_SCOPE = "/adict/v2"
DEFAULT_RATE = 5.0
TOKEN_MARGIN_S = 60.0


def _status_line(body: bytes) -> dict[str, Any] | None:
    """The last JSON object of an error answer (ADICT's status line), if any."""
    lines = [line for line in body.splitlines() if line.strip()]
    try:
        parsed = orjson.loads(lines[-1]) if lines else None
    except orjson.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None


class AdictClient:
    """One third party's access to ADICT, on the shared resilient HTTP layer
    (`collecte.sources.http`: timeouts, retries with backoff and Retry-After, cut bodies)."""

    def __init__(self, api_url: str, token_url: str, client_id: str, client_secret: str, *,
                 scope: str = DEFAULT_SCOPE, rate_per_second: float = DEFAULT_RATE,
                 limiter: RateLimiter | None = None, timeout: float = 20.0, max_attempts: int = 5,
                 backoff_s: float = 1.0, max_backoff_s: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.api_url = api_url.rstrip("/")
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self.limiter = limiter or shared_limiter("grdf", rate_per_second, margin=0.2)
        self.max_attempts = max_attempts
        policy = RetryPolicy(attempts=max_attempts, backoff=backoff_s, max_backoff=max_backoff_s,
                             connect_timeout=min(timeout, 5.0), read_timeout=timeout,
                             total_timeout=max(3 * timeout, 10.0))
        self._http = ResilientClient(self.api_url, policy=policy, limiter=self.limiter, auth=self._auth,
                                     sleep=sleep)
        # the token comes from another host and is not counted against the API's rate
        self._token_http = ResilientClient(policy=policy, sleep=sleep)
        self.stats = self._http.stats
        self._token: str | None = None
        self._token_expires = 0.0
        self._refreshed_after_401 = False

    def __repr__(self) -> str:
        return f"AdictClient(api_url={self.api_url!r}, client_id={self.client_id!r})"

    @classmethod
    def from_connection(cls, conn_id: str = "grdf_adict", *, rate_per_second: float | None = None,
                        **kwargs: Any) -> AdictClient:
        """A client from an Airflow connection (inside tasks only), through `GrdfAdictHook`."""
        from collecte.airflow.hooks.grdf_adict import GrdfAdictHook

        return GrdfAdictHook(conn_id).get_client(rate_per_second=rate_per_second, **kwargs)

    def close(self) -> None:
        """Close the HTTP connection pools."""
        self._http.close()
        self._token_http.close()

    def __enter__(self) -> AdictClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- token --------------------------------------------------------------------------------
    def token(self) -> str:
        """A valid bearer token: reused for its lifetime (about 4 hours at GRDF), fetched again
        a minute before it expires."""
        if self._token is None or time.monotonic() >= self._token_expires:
            reply = self._token_http.request(
                "POST", self.token_url, what="ADICT token", ok=(200,), parse=orjson.loads,
                error_for=self._token_error,
                data={"grant_type": "client_credentials", "client_id": self.client_id,
                      "client_secret": self._secret, "scope": self.scope})
            self.stats["token_requests"] += 1
            body = reply.data
            self._token = str(body["access_token"])
            lifetime = float(body.get("expires_in", 3600))
            self._token_expires = time.monotonic() + max(lifetime / 2, lifetime - TOKEN_MARGIN_S)
        return self._token

    def _token_error(self, reply: Reply) -> BaseException | None:
        if reply.status == 429 or reply.status >= 500:
            return None  # the layer's transient mapping
        reason = (reply.json() or {}).get("error", "") if isinstance(reply.json(), dict) else ""
        return AuthenticationFailed(f"ADICT token refused for client {self.client_id!r}: "
                                    f"HTTP {reply.status} {reason}".strip(), http_status=reply.status)

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}", "Accept": "application/x-ndjson"}

    # -- calls --------------------------------------------------------------------------------
    def call(self, method: str, path: str, *, params: Any = None, json: Any = None,
             files: Any = None, what: str = "", one: bool = False) -> NdjsonAnswer:
        """One ADICT call with retries; the complete NDJSON answer or the mapped error.
        `one`: the answer is exactly one object (contract and technical data)."""
        label = f"ADICT {what or path}"
        options = {k: v for k, v in (("params", params), ("json", json), ("files", files)) if v is not None}

        def parse(content: bytes) -> NdjsonAnswer:
            answer = read_ndjson([content], what=what or path, require_status=not one)
            if answer.code != OK_STATUS:
                raise error_for(200, answer.status, what=what or path)
            return answer

        self._refreshed_after_401 = False
        reply = self._http.request(method, path, what=label, ok=(200, 201), parse=parse,
                                   error_for=lambda r: self._error(r, what or path), **options)
        return reply.data

    def call_one(self, path: str, *, what: str = "") -> NdjsonAnswer:
        """A GET whose answer is exactly one object (contract and technical data)."""
        return self.call("GET", path, what=what, one=True)

    def _error(self, reply: Reply, what: str) -> BaseException:
        if reply.status == 401:
            if not self._refreshed_after_401:
                # the token was revoked or expired early: fetch a new one and try again at once
                self._refreshed_after_401 = True
                self.stats["token_refreshes"] += 1
                self._token = None
                return TransientError(f"ADICT {what}: token refused (HTTP 401), fetching a new one",
                                      http_status=401, retry_after=0.0)
            return AuthenticationFailed(f"ADICT {what}: token refused twice (HTTP 401)", http_status=401)
        if reply.status == 429:
            self.stats["throttled"] += 1
        return error_for(reply.status, _status_line(reply.content),
                         retry_after=retry_after_seconds(reply.headers.get("retry-after")), what=what)

    # -- data ---------------------------------------------------------------------------------
    def consumption(self, kind: str, pce: str, start: date, end: date, *,
                    today: date) -> tuple[list[tuple[date, date, NdjsonAnswer]], str | None]:
        """Published (`consumption`) or informative (`daily`) data over [start, end), one answer
        per window the limits allow; plus the note when the history depth clamped the start."""
        res = resource(kind)
        if not res.is_consumption:
            raise ValueError(f"{kind} is not a consumption kind")
        spans, note = windows(kind, start, end, today)
        out = []
        for first, last in spans:
            answer = self.call("GET", f"/pce/{pce}/{res.path}", what=f"{res.path} {pce}",
                               params={"date_debut": first.isoformat(), "date_fin": last.isoformat()})
            out.append((first, last, answer))
        return out, note

    def point_data(self, kind: str, pce: str) -> NdjsonAnswer:
        """Contractual (`contract`) or technical (`technical`) data of a PCE."""
        res = resource(kind)
        return self.call_one(f"/pce/{pce}/{res.path}", what=f"{res.path} {pce}")

    # -- access rights ------------------------------------------------------------------------
    def declare(self, pce: str, fields: dict[str, Any]) -> NdjsonAnswer:
        """PUT /pce/{pce}/droit_acces; the answer's status object carries `id_droit_acces`."""
        return self.call("PUT", f"/pce/{pce}/droit_acces", json=fields, what=f"declaration {pce}")

    def upload_proofs(self, right_id: str, files: Sequence[tuple[str, bytes, str]]) -> NdjsonAnswer:
        """PUT /droit_acces/{id}/preuves with (file name, content, content type) files, multipart."""
        parts = [("preuves", (name, content, ctype)) for name, content, ctype in files]
        return self.call("PUT", f"/droit_acces/{right_id}/preuves", files=parts, what=f"proofs {right_id}")

    def revoke(self, right_id: str) -> NdjsonAnswer:
        """PATCH /droit_acces/{id}, without a body (as lowatt-grdf's `revoke_acces` sends it):
        the third party revokes its right."""
        return self.call("PATCH", f"/droit_acces/{right_id}", what=f"revocation {right_id}")

    def list_rights(self, pces: Iterable[str] = (), states: Iterable[str] = ()) -> NdjsonAnswer:
        """POST /droits_acces with filters (PCEs, states); `GET /droits_acces` (every right)
        when there is none."""
        pces, states = list(pces), list(states)
        if not pces and not states:
            return self.call("GET", "/droits_acces", what="access-right listing")
        body: dict[str, Any] = {}
        if pces:
            body["id_pce"] = pces
        if states:
            body["etat_droit_acces"] = states
        return self.call("POST", "/droits_acces", json=body, what="access-right listing")


__all__ = ["AdictClient", "AdictError"]
