"""Router: staff requests (revoke a mandate, erase a contact), and the one erasure entry point of the app.

Erasure is asked for, never run inside the web request: `collecte.consent.erasure.request_erasure`
records the request and the `gdpr_erasure` DAG carries it out (every 15 minutes, or a run
triggered with Params `request_id`), with its report in `erasure_request`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from collecte.consent import erasure
from collecte.consent.mandates import MandateError, get_mandate, revoke
from collecte.web.auth import Actor, client_ip, protect_form
from collecte.web.context import base, warehouse

router = APIRouter(prefix="/staff")


def request_subject_erasure(conn: Any, contact_id: str, *, requested_by: str, reason: str,
                            mandate_id: str | None = None) -> int:
    """Record the erasure request of a contact (committed here); return its id."""
    request_id = erasure.request_erasure(conn, contact_id=contact_id, requested_by=requested_by, reason=reason,
                                         mandate_id=mandate_id)
    conn.commit()
    return request_id


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
        request_id = request_subject_erasure(conn, contact_id, requested_by=staff.actor,
                                             reason=reason or "demande transmise au personnel")
    return _back(request, f"Effacement de {contact_id} demandé (demande n° {request_id}, DAG gdpr_erasure)")


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
