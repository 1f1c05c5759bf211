"""ADICT HTTP client: OAuth2 client-credentials token, rate limit, retries, NDJSON answers.

    client = AdictClient.from_connection("grdf_adict")     # inside a task
    answer = client.consumption("daily", pce, start, end)  # list of NdjsonAnswer, one per window

The token comes from GRDF's OpenID host, separate from the API host (lowatt-grdf:
`https://adict-connexion.grdf.fr/oauth2/<server>/v1/token`, formerly
`https://sofit-sso-oidc.grdf.fr/openam/oauth2/realms/externeGrdf/access_token`): form
`grant_type=client_credentials`, `client_id`, `client_secret`, `scope`. It lives about 4 hours
(`expires_in` 14,400 s); it is reused for its lifetime and fetched again a minute before it
expires, and once on a 401. Every call waits for the shared rate limiter; 429, 5xx, timeouts and truncated answers are retried with exponential
backoff, honouring Retry-After. Other errors are raised at once as the `errors` module maps them.
The retry loop is hand-written (rather than tenacity) because it must feed Retry-After to the
limiter shared by all callers and refresh the token in the same loop.

The Airflow connection is read in one place, `collecte.airflow.hooks.grdf_adict.GrdfAdictHook`
(`from_connection` below delegates to it); this module imports no Airflow. The secret never
leaves this object (not in repr, logs, XCom).
"""

from __future__ import annotations

import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

import httpx
import orjson

from collecte.sources.grdf.errors import (
    AdictError,
    AuthenticationFailed,
    TransientError,
    error_for,
)
from collecte.sources.grdf.ndjson import NdjsonAnswer, read_ndjson
from collecte.sources.grdf.resources import resource, windows
from collecte.sources.ratelimit import RateLimiter, shared_limiter

log = logging.getLogger(__name__)

DEFAULT_SCOPE = "/adict/v2"
DEFAULT_RATE = 5.0


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _status_line(body: bytes) -> dict[str, Any] | None:
    """The last JSON object of an error answer (ADICT's status line), if any."""
    lines = [line for line in body.splitlines() if line.strip()]
    try:
        parsed = orjson.loads(lines[-1]) if lines else None
    except orjson.JSONDecodeError:
        return None
    return parsed if isinstance(parsed, dict) else None


class AdictClient:
    """One third party's access to ADICT."""

    def __init__(self, api_url: str, token_url: str, client_id: str, client_secret: str, *,
                 scope: str = DEFAULT_SCOPE, rate_per_second: float = DEFAULT_RATE,
                 limiter: RateLimiter | None = None, timeout: float = 30.0, max_attempts: int = 5,
                 backoff_s: float = 1.0, max_backoff_s: float = 60.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.api_url = api_url.rstrip("/")
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self.limiter = limiter or shared_limiter("grdf", rate_per_second, margin=0.2)
        self.max_attempts = max_attempts
        self.backoff_s, self.max_backoff_s = backoff_s, max_backoff_s
        self._sleep = sleep
        self._http = httpx.Client(timeout=timeout)
        self._token: str | None = None
        self._token_expires = 0.0
        self.stats: Counter[str] = Counter()

    def __repr__(self) -> str:
        return f"AdictClient(api_url={self.api_url!r}, client_id={self.client_id!r})"

    @classmethod
    def from_connection(cls, conn_id: str = "grdf_adict", *, rate_per_second: float | None = None,
                        **kwargs: Any) -> AdictClient:
        """A client from an Airflow connection (inside tasks only), through `GrdfAdictHook`."""
        from collecte.airflow.hooks.grdf_adict import GrdfAdictHook

        return GrdfAdictHook(conn_id).get_client(rate_per_second=rate_per_second, **kwargs)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> AdictClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- token --------------------------------------------------------------------------------
    def token(self) -> str:
        """A valid bearer token (cached; fetched again a minute before it expires)."""
        if self._token is None or time.monotonic() >= self._token_expires:
            self._token = self._retrying(self._fetch_token, what="token")
        return self._token

    def _fetch_token(self) -> str:
        response = self._http.post(self.token_url, data={
            "grant_type": "client_credentials", "client_id": self.client_id,
            "client_secret": self._secret, "scope": self.scope})
        self.stats["token_requests"] += 1
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientError(f"ADICT token: HTTP {response.status_code}", http_status=response.status_code,
                                 retry_after=_retry_after(response.headers.get("retry-after")))
        if response.status_code != 200:
            try:
                reason = response.json().get("error", "")
            except ValueError:
                reason = ""
            raise AuthenticationFailed(f"ADICT token refused for client {self.client_id!r}: "
                                       f"HTTP {response.status_code} {reason}".strip(),
                                       http_status=response.status_code)
        body = response.json()
        self._token_expires = time.monotonic() + max(0.0, float(body.get("expires_in", 3600)) - 60.0)
        return str(body["access_token"])

    # -- calls --------------------------------------------------------------------------------
    def call(self, method: str, path: str, *, params: Any = None, json: Any = None,
             files: Any = None, what: str = "") -> NdjsonAnswer:
        """One ADICT call with retries; the complete NDJSON answer or the mapped error."""
        return self._retrying(lambda: self._call_once(method, path, params, json, files, what),
                              what=what or path)

    def call_one(self, path: str, *, what: str = "") -> NdjsonAnswer:
        """A GET whose answer is exactly one object (contract and technical data)."""
        return self._retrying(lambda: self._call_once("GET", path, None, None, None, what, one=True),
                              what=what or path)

    def _call_once(self, method: str, path: str, params: Any, json: Any, files: Any,
                   what: str, one: bool = False) -> NdjsonAnswer:
        for refreshed in (False, True):
            headers = {"Authorization": f"Bearer {self.token()}", "Accept": "application/x-ndjson"}
            self.limiter.acquire()  # after the token: the gap between the two would eat the margin
            self.stats["calls"] += 1
            try:
                with self._http.stream(method, self.api_url + path, params=params, json=json,
                                       files=files, headers=headers) as response:
                    if response.status_code == 401 and not refreshed:
                        self.stats["token_refreshes"] += 1
                        self._token = None
                        continue
                    return self._answer(response, what or path, one)
            except httpx.TimeoutException as exc:
                raise TransientError(f"ADICT {what or path}: timed out ({type(exc).__name__})") from None
            except httpx.TransportError as exc:
                raise TransientError(f"ADICT {what or path}: connection failed ({type(exc).__name__})") from None
        raise AuthenticationFailed(f"ADICT {what or path}: token refused twice (HTTP 401)", http_status=401)

    def _answer(self, response: httpx.Response, what: str, one: bool = False) -> NdjsonAnswer:
        status = response.status_code
        retry_after = _retry_after(response.headers.get("retry-after"))
        if status == 429:
            self.stats["throttled"] += 1
            if retry_after:
                self.limiter.pause(retry_after)
        if status >= 400:
            line = _status_line(response.read())
            if status == 401:
                raise AuthenticationFailed(f"ADICT {what}: token refused (HTTP 401)", http_status=401)
            raise error_for(status, line, retry_after=retry_after, what=what)
        answer = read_ndjson(response.iter_bytes(), what=what, require_status=not one)
        if answer.code != "0000000000":
            raise error_for(status, answer.status, what=what)
        return answer

    def _retrying(self, attempt: Callable[[], Any], *, what: str) -> Any:
        for number in range(1, self.max_attempts + 1):
            try:
                return attempt()
            except TransientError as exc:
                if number == self.max_attempts:
                    raise
                backoff = min(self.max_backoff_s, self.backoff_s * 2 ** (number - 1))
                delay = exc.retry_after if exc.retry_after is not None else backoff * (0.75 + random.random() / 2)
                self.stats["retries"] += 1
                log.warning("ADICT %s: %s; retry %d/%d in %.1f s", what, exc, number,
                            self.max_attempts - 1, delay)
                self._sleep(delay)
        raise AssertionError("unreachable")

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
