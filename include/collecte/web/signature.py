"""Router: a contact reviews a mandate, confirms by one-time code, signs, revokes, downloads evidence."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from collecte.consent.audit import audit
from collecte.consent.mandates import MandateError, confirm_code, revoke, send_code, sign
from collecte.web.auth import client_ip, csrf_token, protect_form
from collecte.web.contact_session import Contact, ContactSession, mandate_for
from collecte.web.context import base, page, settings, warehouse
from collecte.web.erasure import request_subject_erasure

router = APIRouter(prefix="/me/mandates/{mandate_id}")


def _page(request: Request, me: ContactSession, name: str, m: Any, http_status: int = 200, **ctx: Any) -> Response:
    prefix = f"{base(request)}/me"
    return page(request, name, http_status, title=ctx.pop("title", f"Mandat {m.id}"), m=m, prefix=prefix,
                home=prefix, csrf=csrf_token(request, me.subject), **ctx)


def _to(request: Request, mandate_id: str, tail: str = "") -> RedirectResponse:
    return RedirectResponse(f"{base(request)}/me/mandates/{mandate_id}{tail}", status_code=303)


@router.get("", response_class=HTMLResponse)
def review(request: Request, me: Contact, mandate_id: str, notice: str | None = None) -> Response:
    """The mandate's text and status, with the next step."""
    with warehouse(request) as conn:
        mandate = mandate_for(conn, me.contact, mandate_id)
        audit(conn, actor=me.actor, action="mandate.read", object_type="mandate", object_id=mandate_id,
              ip=client_ip(request))
    return _page(request, me, "mandate", mandate, notice=notice)


@router.post("/send-code")
def send(request: Request, me: Contact, mandate_id: str, csrf_token: str = Form("")) -> Response:
    """E-mail a one-time code to the signatory."""
    protect_form(request, me.subject, csrf_token)
    with warehouse(request) as conn:
        mandate = mandate_for(conn, me.contact, mandate_id)
        try:
            send_code(conn, settings(request).mailer, mandate.id, secret=settings(request).secret_key,
                      actor=me.actor, ip=client_ip(request))
        except MandateError as exc:
            conn.commit()
            return _page(request, me, "mandate", mandate, 409, error=str(exc))
    return _to(request, mandate_id, "/confirm")


@router.get("/confirm", response_class=HTMLResponse)
def confirm_page(request: Request, me: Contact, mandate_id: str) -> Response:
    """The form for the one-time code."""
    with warehouse(request) as conn:
        mandate = mandate_for(conn, me.contact, mandate_id)
    return _page(request, me, "confirm", mandate, title="Code de confirmation")


@router.post("/confirm")
def confirm(request: Request, me: Contact, mandate_id: str, code: str = Form(...), csrf_token: str = Form("")) -> Response:
    """Check the one-time code (each attempt counts, even a wrong one)."""
    protect_form(request, me.subject, csrf_token)
    with warehouse(request) as conn:
        mandate = mandate_for(conn, me.contact, mandate_id)
        try:
            confirm_code(conn, mandate_id, code, secret=settings(request).secret_key, actor=me.actor,
                         ip=client_ip(request))
        except MandateError as exc:  # the attempt is counted: commit, do not roll back
            conn.commit()
            return _page(request, me, "confirm", mandate, 400, title="Code de confirmation", error=str(exc))
    return _to(request, mandate_id, "/sign")


@router.get("/sign", response_class=HTMLResponse)
def sign_page(request: Request, me: Contact, mandate_id: str) -> Response:
    """The signature form."""
    with warehouse(request) as conn:
        mandate = mandate_for(conn, me.contact, mandate_id)
    return _page(request, me, "sign", mandate, title=f"Signature du mandat {mandate_id}")


@router.post("/sign")
def do_sign(request: Request, me: Contact, mandate_id: str, accept: str = Form(""), csrf_token: str = Form("")) -> Response:
    """Sign a mandate whose code was confirmed: evidence PDF into S3, status signed."""
    protect_form(request, me.subject, csrf_token)
    title = f"Signature du mandat {mandate_id}"
    with warehouse(request) as conn:
        mandate = mandate_for(conn, me.contact, mandate_id)
        if accept != "1":
            return _page(request, me, "sign", mandate, 400, title=title, error="cochez la case d'acceptation")
        try:
            sign(conn, settings(request).zone, mandate_id, signer_ip=client_ip(request), actor=me.actor)
        except MandateError as exc:
            return _page(request, me, "sign", mandate, 409, title=title, error=str(exc))
    return _to(request, mandate_id, "?notice=Mandat+sign%C3%A9")


@router.post("/revoke")
def do_revoke(request: Request, me: Contact, mandate_id: str, reason: str = Form(""), erase: str = Form(""),
              csrf_token: str = Form("")) -> Response:
    """Revoke the mandate; with `erase`, also ask for the erasure of the contact's personal data."""
    protect_form(request, me.subject, csrf_token)
    with warehouse(request) as conn:
        mandate_for(conn, me.contact, mandate_id)
        revoke(conn, mandate_id, actor=me.actor, ip=client_ip(request), reason=reason)
        if erase == "1":
            conn.commit()
            request_subject_erasure(conn, me.contact["id"], requested_by=me.actor, mandate_id=mandate_id,
                                    reason=reason or "révocation du mandat avec effacement")
            return page(request, "base", title="Mandat révoqué",
                        notice="Mandat révoqué ; l'effacement de vos données personnelles est demandé.")
    return _to(request, mandate_id, "?notice=Mandat+r%C3%A9voqu%C3%A9")


@router.get("/evidence.pdf")
def evidence(request: Request, me: Contact, mandate_id: str) -> Response:
    """The signed mandate (PDF)."""
    with warehouse(request) as conn:
        mandate = mandate_for(conn, me.contact, mandate_id)
        if not mandate.evidence_key:
            raise HTTPException(404, "pas de mandat signé")
        audit(conn, actor=me.actor, action="mandate.evidence_read", object_type="mandate", object_id=mandate_id,
              ip=client_ip(request))
    return Response(settings(request).zone.get(mandate.evidence_key), media_type="application/pdf")
