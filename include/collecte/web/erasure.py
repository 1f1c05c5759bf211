"""Router: staff requests (revoke a mandate, erase a contact), and the one erasure entry point of the app.

Erasure is asked for, not run inside the web request, once `collecte.consent.erasure` offers
`request_erasure` (the erasure DAG of the gdpr work); until then the request runs the existing
erasure inline.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from collecte.consent import erasure
from collecte.consent.mandates import MandateError, get_mandate, revoke
from collecte.web.auth import Actor, client_ip, protect_form
from collecte.web.context import base, settings, warehouse

router = APIRouter(prefix="/staff")


def request_subject_erasure(request: Request, conn: Any, subject_type: str, subject_id: str, *,
                            requested_by: str, reason: str) -> Any:
    """Ask for the erasure of a data subject (a contact); the caller's transaction is committed."""
    requester = getattr(erasure, "request_erasure", None)
    if requester is not None:
        return requester(conn, subject_type=subject_type, subject_id=subject_id, requested_by=requested_by,
                         reason=reason)
    return erasure.erase_contact(conn, settings(request).zone, subject_id, requested_by=requested_by,
                                 reason=reason)


def _back(request: Request, notice: str) -> RedirectResponse:
    from urllib.parse import quote

    return RedirectResponse(f"{base(request)}/status?notice={quote(notice)}", status_code=303)


@router.post("/contacts/{contact_id}/erasure")
def erase_contact(request: Request, staff: Actor, contact_id: str, reason: str = Form(""), csrf_token: str = Form("")) -> Response:
    """Ask for the erasure of a contact's personal data."""
    protect_form(request, staff.subject, csrf_token)
    with warehouse(request) as conn:
        if conn.execute("SELECT 1 FROM contact WHERE id = %s", (contact_id,)).fetchone() is None:
            raise HTTPException(404, "contact inconnu")
        request_subject_erasure(request, conn, "contact", contact_id, requested_by=staff.actor,
                                reason=reason or "demande transmise au personnel")
    return _back(request, f"Effacement demandé pour {contact_id}")


@router.post("/mandates/revoke")
def revoke_mandate(request: Request, staff: Actor, mandate_id: str = Form(...), reason: str = Form(""),
                   csrf_token: str = Form("")) -> Response:
    """Revoke a mandate on the customer's behalf."""
    protect_form(request, staff.subject, csrf_token)
    with warehouse(request) as conn:
        try:
            get_mandate(conn, mandate_id)
        except MandateError:
            raise HTTPException(404, "mandat inconnu") from None
        revoke(conn, mandate_id, actor=staff.actor, ip=client_ip(request), reason=reason)
    return _back(request, f"Mandat {mandate_id} révoqué")
