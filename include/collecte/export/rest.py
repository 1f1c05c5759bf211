"""REST push of invoice versions to an ERP, with an idempotency key, retries and the acknowledgement kept.

Calls go through the shared resilient HTTP layer (`collecte.sources.http`): timeouts per call,
429/5xx, resets, stalls and bodies cut short retried with backoff and `Retry-After`; 401/403 stop
the whole exporter, other 4xx fail this delivery at once. A retried POST is safe: the ERP keys
each version by its `Idempotency-Key` and answers a replay with the stored acknowledgement.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from collecte.errors import NonRetryableError, TransientError
from collecte.export.ledger import Delivery
from collecte.export.versions import canonical_invoice
from collecte.sources.http import Reply, ResilientClient, RetryPolicy, parse_json

log = logging.getLogger(__name__)


class DeliveryRejected(NonRetryableError):
    """The receiver refused this delivery; retrying it unchanged will not help."""


class ReceiverUnavailable(TransientError):
    """The receiver stayed unavailable through every attempt (an outage): retry the run later."""


class ReceiverForbidden(NonRetryableError):
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


def erp_client(target: RestTarget, *, sleep: Callable[[float], None] = time.sleep,
               transport: Any = None) -> ResilientClient:
    """The resilient HTTP client of one ERP target (its retry policy, its bearer token)."""
    policy = RetryPolicy(attempts=target.max_attempts, backoff=target.backoff_seconds,
                         max_backoff=target.max_backoff_seconds, max_retry_after=target.max_backoff_seconds,
                         read_timeout=target.timeout_seconds, total_timeout=4 * target.timeout_seconds)
    headers = {"Authorization": f"Bearer {target.token}"} if target.token else {}
    return ResilientClient(target.base_url, policy=policy, headers=headers, sleep=sleep, transport=transport)


def _refusal(reply: Reply) -> Exception | None:
    if reply.status in (401, 403):
        return ReceiverForbidden(f"ERP refused the credentials (HTTP {reply.status})")
    if reply.status == 429 or reply.status >= 500 or reply.status == 408:
        return None  # transient: the layer retries it
    return DeliveryRejected(f"HTTP {reply.status}: {reply.text[:500]}")


def push(client: ResilientClient, target: RestTarget, delivery: Delivery) -> Ack:
    """POST one invoice version until acknowledged, retrying what is transient (see `erp_client`)."""
    headers = {"Idempotency-Key": delivery.idempotency_key, "Content-Type": "application/json"}
    try:
        reply = client.post(target.path, content=payload(delivery), headers=headers, ok=(200, 201),
                            parse=parse_json, error_for=_refusal, what=f"ERP push of {delivery.idempotency_key}")
    except TransientError as exc:
        raise ReceiverUnavailable(f"ERP unavailable after {target.max_attempts} attempts: {exc}") from None
    data = reply.data if isinstance(reply.data, dict) else {}
    return Ack(str(data["id"]) if data.get("id") is not None else None, data,
               reply.headers.get("Idempotent-Replayed") == "true", reply.attempts)


def rest_target_from_connection(conn_id: str, **policy: Any) -> RestTarget:
    """RestTarget from an Airflow http connection, through `ErpHook` (inside a task only)."""
    from collecte.airflow.hooks.erp import ErpHook

    return ErpHook(conn_id, **policy).get_target()
