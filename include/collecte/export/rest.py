"""REST push of invoice versions to an ERP, with an idempotency key, retries and the acknowledgement kept.

Retries are a small loop of our own rather than tenacity: the wait must honour the ERP's
`Retry-After` header, and what is retried depends on the status (429 and 5xx, network errors),
while 4xx answers other than 429 fail the delivery at once (401/403 stop the whole exporter).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from collecte.export.ledger import Delivery
from collecte.export.versions import canonical_invoice

log = logging.getLogger(__name__)
RETRYABLE = {429, 500, 502, 503, 504}


class DeliveryRejected(RuntimeError):
    """The receiver refused this delivery; retrying it unchanged will not help."""


class ReceiverUnavailable(RuntimeError):
    """The receiver stayed unavailable through every attempt (an outage): retry the run later."""


class ReceiverForbidden(RuntimeError):
    """The receiver refused our credentials: nothing more can be sent until they are fixed."""


@dataclass(frozen=True)
class RestTarget:
    """Where and how to push: base URL, bearer token, and retry policy."""

    base_url: str
    token: str | None = None
    path: str = "/api/v1/supplier-invoices"
    timeout_seconds: float = 15.0
    max_attempts: int = 5
    backoff_seconds: float = 2.0
    max_backoff_seconds: float = 60.0


@dataclass(frozen=True)
class Ack:
    """The ERP's answer to one delivery."""

    target_ref: str | None
    response: dict[str, Any]
    replayed: bool
    attempts: int


def payload(delivery: Delivery) -> bytes:
    """Request body: the same bytes for the same invoice version (the ERP compares them on replay)."""
    import orjson

    return orjson.dumps({
        "idempotency_key": delivery.idempotency_key, "version": delivery.version,
        "supersedes": delivery.supersedes, "content_sha256": delivery.sha256,
        "invoice": canonical_invoice(delivery.invoice),
    }, option=orjson.OPT_SORT_KEYS)


def _wait(response: Any, attempt: int, target: RestTarget) -> float:
    header = response.headers.get("Retry-After") if response is not None else None
    if header and header.strip().isdigit():
        return min(float(header), target.max_backoff_seconds)
    return min(target.backoff_seconds * 2 ** (attempt - 1), target.max_backoff_seconds)


def push(client: Any, target: RestTarget, delivery: Delivery, *,
         sleep: Callable[[float], None] = time.sleep) -> Ack:
    """POST one invoice version until acknowledged, retrying what is transient."""
    import httpx

    headers = {"Idempotency-Key": delivery.idempotency_key, "Content-Type": "application/json"}
    if target.token:
        headers["Authorization"] = f"Bearer {target.token}"
    body = payload(delivery)
    last = "no attempt"
    for attempt in range(1, target.max_attempts + 1):
        response = None
        try:
            response = client.post(target.base_url.rstrip("/") + target.path, content=body, headers=headers,
                                   timeout=target.timeout_seconds)
        except httpx.TransportError as exc:
            last = f"{type(exc).__name__}: {exc}"
        else:
            if response.status_code in (200, 201):
                data = response.json()
                return Ack(str(data.get("id")) if data.get("id") is not None else None, data,
                           response.headers.get("Idempotent-Replayed") == "true", attempt)
            if response.status_code in (401, 403):
                raise ReceiverForbidden(f"ERP refused the credentials (HTTP {response.status_code})")
            if response.status_code not in RETRYABLE:
                raise DeliveryRejected(f"HTTP {response.status_code}: {response.text[:500]}")
            last = f"HTTP {response.status_code}: {response.text[:200]}"
        if attempt < target.max_attempts:
            delay = _wait(response, attempt, target)
            log.warning("ERP push of %s failed (%s), attempt %d/%d, retrying in %.1f s",
                        delivery.idempotency_key, last, attempt, target.max_attempts, delay)
            sleep(delay)
    raise ReceiverUnavailable(f"ERP unavailable after {target.max_attempts} attempts: {last}")


def rest_target_from_connection(conn_id: str, **policy: Any) -> RestTarget:
    """RestTarget from an Airflow http connection (host = base URL or host name, password = token)."""
    from airflow.sdk import BaseHook

    conn = BaseHook.get_connection(conn_id)
    host = conn.host or "127.0.0.1"
    if "://" not in host:
        host = f"{conn.schema or 'https'}://{host}"
    if conn.port and host.count(":") < 2:
        host = f"{host}:{conn.port}"
    return RestTarget(base_url=host, token=conn.password or None, **policy)
