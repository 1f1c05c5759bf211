"""A small ERP intake API (FastAPI), as an accounts-payable system would expose it.

- `POST /api/v1/supplier-invoices` with header `Idempotency-Key` (required) and a bearer token
  (when configured): 201 with the ERP's document id; the same key and body again: 200 with the
  same answer and `Idempotent-Replayed: true`; the same key with another body: 422.
- `GET /api/v1/supplier-invoices`: what was stored, in arrival order.
- Test controls under `/_sandbox/`: `POST /_sandbox/outage {"failures": n, "status": 503,
  "retry_after": 1}` makes the next n intake calls fail (n = -1: until `{"failures": 0}`);
  `GET /_sandbox/stats` counts the intake calls; `POST /_sandbox/reset` forgets everything.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse


class ErpState:
    """What the ERP holds; guarded by a lock (uvicorn may serve concurrently)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget everything."""
        self.documents: dict[str, dict[str, Any]] = {}  # idempotency key -> {hash, response, body}
        self.order: list[str] = []
        self.failures_left = 0
        self.failure_status = 503
        self.retry_after = 1
        self.calls = 0
        self.failed_calls = 0


def create_app(token: str | None = None) -> FastAPI:
    """The ERP application; `token` (if set) is the bearer token callers must present."""
    app = FastAPI(title="Sandbox ERP", docs_url=None, redoc_url=None)
    state = ErpState()
    app.state.erp = state

    def unauthorized(authorization: str | None) -> bool:
        return token is not None and authorization != f"Bearer {token}"

    @app.post("/api/v1/supplier-invoices")
    async def receive(request: Request, idempotency_key: str | None = Header(default=None),
                      authorization: str | None = Header(default=None)) -> JSONResponse:
        body = await request.body()
        with state.lock:
            state.calls += 1
            if state.failures_left:
                state.failures_left -= 1 if state.failures_left > 0 else 0
                state.failed_calls += 1
                return JSONResponse({"error": "service_unavailable", "detail": "ERP maintenance"},
                                    status_code=state.failure_status,
                                    headers={"Retry-After": str(state.retry_after)})
        if unauthorized(authorization):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if not idempotency_key:
            return JSONResponse({"error": "missing Idempotency-Key header"}, status_code=400)
        digest = hashlib.sha256(body).hexdigest()
        with state.lock:
            known = state.documents.get(idempotency_key)
            if known is not None:
                if known["hash"] != digest:
                    return JSONResponse({"error": "idempotency key reused with a different body"}, status_code=422)
                return JSONResponse(known["response"], status_code=200, headers={"Idempotent-Replayed": "true"})
            payload = await request.json()
            invoice = payload.get("invoice") or {}
            response = {"id": f"ERP-{len(state.order) + 1:06d}", "status": "accepted",
                        "idempotency_key": idempotency_key, "supplier": invoice.get("supplier"),
                        "invoice_number": invoice.get("invoice_number"), "version": payload.get("version")}
            state.documents[idempotency_key] = {"hash": digest, "response": response, "body": payload}
            state.order.append(idempotency_key)
        return JSONResponse(response, status_code=201)

    @app.get("/api/v1/supplier-invoices")
    async def stored(authorization: str | None = Header(default=None)) -> JSONResponse:
        if unauthorized(authorization):
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        with state.lock:
            items = [{**state.documents[k]["response"], "body": state.documents[k]["body"]} for k in state.order]
        return JSONResponse({"items": items})

    @app.post("/_sandbox/outage")
    async def outage(request: Request) -> dict[str, Any]:
        spec = await request.json()
        with state.lock:
            state.failures_left = int(spec.get("failures", -1))
            state.failure_status = int(spec.get("status", 503))
            state.retry_after = int(spec.get("retry_after", 1))
        return {"failures_left": state.failures_left}

    @app.get("/_sandbox/stats")
    async def stats() -> dict[str, int]:
        with state.lock:
            return {"calls": state.calls, "failed_calls": state.failed_calls, "stored": len(state.order)}

    @app.post("/_sandbox/reset")
    async def reset() -> dict[str, str]:
        with state.lock:
            state.reset()
        return {"status": "reset"}

    return app
