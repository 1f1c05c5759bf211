"""Azur Électricité's supplier REST API: API key per contract, invoices since a date with paging,
one PDF per invoice. JSON shaped like common billing APIs (`items`, `next_page`)."""

from __future__ import annotations

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response

from sandbox.portals.accounts import SandboxAccount
from sandbox.portals.pages import parse_day
from sandbox.portals.state import PortalState

P = "/azur-api/v1"


def router(state: PortalState) -> APIRouter:
    """The routes of the Azur REST API."""
    r = APIRouter(prefix=P)

    def by_key(key: str | None) -> SandboxAccount | None:
        return next((a for a in state.accounts.values() if a.portal == "azur" and a.api_key and a.api_key == key),
                    None)

    def refusal(key: str | None) -> Response | None:
        if "azur_api" in state.maintenance:
            return JSONResponse({"error": "maintenance", "message": "API en maintenance"}, status_code=503,
                                headers={"Retry-After": "30"})
        if by_key(key) is None:
            return JSONResponse({"error": "unauthorized", "message": "clé d'API invalide"}, status_code=401)
        return None

    @r.get("/invoices")
    def invoices(request: Request, since: str | None = None, page: int = 1, page_size: int = 20,
                 x_api_key: str | None = Header(None)) -> Response:
        refused = refusal(x_api_key)
        if refused is not None:
            return refused
        if not 1 <= page_size <= 100 or page < 1:
            return JSONResponse({"error": "invalid_request", "message": "page >= 1, 1 <= page_size <= 100"},
                                status_code=400)
        acc = by_key(x_api_key)
        assert acc is not None
        first = parse_day(since)
        found = sorted((i for i in state.documents.invoices(acc) if first is None or i.invoice_date >= first),
                       key=lambda i: (i.invoice_date, i.number))
        chunk = found[(page - 1) * page_size: page * page_size]
        more = page * page_size < len(found)
        return JSONResponse({
            "items": [{"invoice_number": i.number, "invoice_date": i.invoice_date.isoformat(),
                       "delivery_point": i.contract, "document_type": i.document_type,
                       "total_incl_tax": i.total_incl_tax, "pdf_url": f"{P}/invoices/{i.number}/pdf"} for i in chunk],
            "page": page, "page_size": page_size, "total": len(found), "next_page": page + 1 if more else None})

    @r.get("/invoices/{number}/pdf")
    def invoice_pdf(number: str, x_api_key: str | None = Header(None)) -> Response:
        refused = refusal(x_api_key)
        if refused is not None:
            return refused
        acc = by_key(x_api_key)
        assert acc is not None
        inv = state.documents.invoice(acc, number)
        if inv is None:
            return JSONResponse({"error": "not_found"}, status_code=404)
        state.served("azur_api")
        return Response(inv.pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{inv.filename}"'})

    return r
