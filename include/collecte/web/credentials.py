"""Router: a supplier account's portal credentials, entered, replaced or deleted by its contact or the staff."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse

from collecte.consent.credentials import CredentialError, delete_credentials, store_credentials
from collecte.web.auth import Actor, client_ip, csrf_token, protect_form
from collecte.web.contact_session import Contact, allowed_entity
from collecte.web.context import base, page, settings, warehouse

router = APIRouter()
_PATH = "/accounts/{supplier}/{account_id}/credentials"


def _account_entity(conn: Any, supplier: str, account_id: str) -> str:
    row = conn.execute("SELECT entity_id FROM supplier_account WHERE supplier = %s AND account_id = %s",
                       (supplier, account_id)).fetchone()
    if row is None:
        raise HTTPException(404, "compte inconnu")
    return row[0]


def _page(request: Request, conn: Any, supplier: str, account_id: str, home: str, csrf: str,
          **ctx: Any) -> HTMLResponse:
    conn_id = conn.execute("SELECT conn_id FROM supplier_account WHERE supplier = %s AND account_id = %s",
                           (supplier, account_id)).fetchone()[0]
    stored = bool(conn_id) and settings(request).credential_store.exists(conn_id)
    status = None
    if conn.execute("SELECT to_regclass('account_status') IS NOT NULL").fetchone()[0]:
        # one state per road (portal, API): a refused login on any road is what this page is for
        row = conn.execute("SELECT status, message, last_attempt FROM account_status"
                           " WHERE source = %s AND account_id = %s ORDER BY status IN"
                           " ('LOGIN_FAILED', 'ACCOUNT_LOCKED', 'MFA_REQUIRED', 'CAPTCHA_REQUIRED') DESC, last_attempt DESC LIMIT 1",
                           (supplier, account_id)).fetchone()
        status = dict(zip(("status", "message", "last_attempt"), row, strict=True)) if row else None
    return page(request, "credentials", title="Identifiants de l'espace client", supplier=supplier,
                account_id=account_id, stored=stored, status=status, action=request.url.path, home=home,
                csrf=csrf, **ctx)


def _apply(request: Request, conn: Any, who: str, supplier: str, account_id: str, op: str, login: str,
           password: str) -> dict[str, str]:
    store = settings(request).credential_store
    try:
        if op == "delete":
            delete_credentials(conn, store, supplier=supplier, account_id=account_id, actor=who,
                               ip=client_ip(request))
            return {"notice": "Identifiants supprimés."}
        store_credentials(conn, store, supplier=supplier, account_id=account_id, login=login, password=password,
                          actor=who, ip=client_ip(request))
    except CredentialError as exc:
        return {"error": str(exc)}
    return {"notice": "Identifiants enregistrés dans le coffre de secrets."}


@router.get("/me" + _PATH, response_class=HTMLResponse)
def contact_credentials(request: Request, me: Contact, supplier: str, account_id: str) -> HTMLResponse:
    """The credential form of one of the contact's accounts."""
    with warehouse(request) as conn:
        allowed_entity(conn, me.contact, _account_entity(conn, supplier, account_id))
        return _page(request, conn, supplier, account_id, f"{base(request)}/me", csrf_token(request, me.subject))


@router.post("/me" + _PATH, response_class=HTMLResponse)
def contact_credentials_post(request: Request, me: Contact, supplier: str, account_id: str, op: str = Form("save"),
                             login: str = Form(""), password: str = Form(""), csrf_token: str = Form("")) -> HTMLResponse:
    """Store, replace or delete the credentials of one of the contact's accounts."""
    protect_form(request, me.subject, csrf_token)
    with warehouse(request) as conn:
        allowed_entity(conn, me.contact, _account_entity(conn, supplier, account_id))
        outcome = _apply(request, conn, me.actor, supplier, account_id, op, login, password)
        return _page(request, conn, supplier, account_id, f"{base(request)}/me", csrf_token, **outcome)


@router.get("/staff" + _PATH, response_class=HTMLResponse)
def staff_credentials(request: Request, staff: Actor, supplier: str, account_id: str) -> HTMLResponse:
    """The credential form, for the staff."""
    with warehouse(request) as conn:
        _account_entity(conn, supplier, account_id)
        return _page(request, conn, supplier, account_id, f"{base(request)}/status", csrf_token(request, staff.subject))


@router.post("/staff" + _PATH, response_class=HTMLResponse)
def staff_credentials_post(request: Request, staff: Actor, supplier: str, account_id: str, op: str = Form("save"),
                           login: str = Form(""), password: str = Form(""), csrf_token: str = Form("")) -> HTMLResponse:
    """Store, replace or delete an account's credentials, for the staff."""
    protect_form(request, staff.subject, csrf_token)
    with warehouse(request) as conn:
        _account_entity(conn, supplier, account_id)
        outcome = _apply(request, conn, staff.actor, supplier, account_id, op, login, password)
        return _page(request, conn, supplier, account_id, f"{base(request)}/status", csrf_token, **outcome)
