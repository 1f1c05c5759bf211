"""The sandbox ERP itself: idempotency key enforced, bearer token, failures on demand."""

from __future__ import annotations

import httpx
import pytest

from sandbox.services.common import free_port

pytestmark = pytest.mark.timeout(60)


def test_start_erp_enforces_the_idempotency_key_and_fails_on_demand():
    from sandbox.erp.server import start_erp, stop_erp

    base = start_erp(free_port(), token="t")
    try:
        auth = {"Authorization": "Bearer t"}
        post = lambda body, **headers: httpx.post(base + "/api/v1/supplier-invoices", json=body,  # noqa: E731
                                                  headers={**auth, **headers}, timeout=5)
        body = {"version": 1, "invoice": {"supplier": "volta", "invoice_number": "FV-1"}}
        assert post(body).status_code == 400  # no key
        assert httpx.post(base + "/api/v1/supplier-invoices", json=body,
                          headers={"Idempotency-Key": "k1"}, timeout=5).status_code == 401
        first = post(body, **{"Idempotency-Key": "k1"})
        again = post(body, **{"Idempotency-Key": "k1"})
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
        assert post({**body, "version": 2}, **{"Idempotency-Key": "k1"}).status_code == 422
        httpx.post(base + "/_sandbox/outage", json={"failures": 1, "status": 503, "retry_after": 7}, timeout=5)
        down = post(body, **{"Idempotency-Key": "k2"})
        assert (down.status_code, down.headers["Retry-After"]) == (503, "7")
        assert post(body, **{"Idempotency-Key": "k2"}).status_code == 201
        stats = httpx.get(base + "/_sandbox/stats", timeout=5).json()
        assert stats == {"calls": 7, "failed_calls": 1, "stored": 2}
    finally:
        stop_erp(base)
