"""Router: the staff status page (mandates, expiries, collection per account, contacts) and contact links.

Anyone who may read DAGs sees the statuses; personal links are issued only to those who hold
PERSONAL and ACT, shown once, and never listed again (only their digest is stored).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from collecte.consent.audit import audit
from collecte.consent.links import LinkError, issue_link, revoke_links
from collecte.web.auth import Actor, Permission, Staff, Viewer, client_ip, csrf_token, protect_form
from collecte.web.context import page, settings, warehouse

router = APIRouter()


def _status_page(request: Request, staff: Staff, **ctx: Any) -> HTMLResponse:
    today = settings(request).today()
    can_personal = staff.can(Permission.PERSONAL)
    with warehouse(request) as conn:
        per_entity = conn.execute(
            "SELECT e.organization_id, e.name,"
            " count(*) FILTER (WHERE m.status = 'signed' AND m.start_date <= %(d)s AND m.end_date >= %(d)s),"
            " count(*) FILTER (WHERE m.status = 'draft'), count(*) FILTER (WHERE m.status = 'revoked'),"
            " count(*) FILTER (WHERE m.status = 'expired' OR (m.status = 'signed' AND m.end_date < %(d)s))"
            " FROM entity e LEFT JOIN mandate m ON m.entity_id = e.id GROUP BY 1, 2 ORDER BY 1, 2",
            {"d": today}).fetchall()
        expiring = conn.execute(
            "SELECT m.id, e.name, m.end_date, m.reminder_sent_at FROM mandate m JOIN entity e ON e.id = m.entity_id"
            " WHERE m.status = 'signed' AND m.end_date BETWEEN %s AND %s ORDER BY m.end_date",
            (today, today + timedelta(days=30))).fetchall()
        accounts = None
        if conn.execute("SELECT to_regclass('account_status') IS NOT NULL").fetchone()[0]:
            accounts = conn.execute("SELECT source, account_id, road, status, message, last_attempt, last_success"
                                    " FROM account_status ORDER BY source, account_id, road").fetchall()
        contacts = [{"id": c, "entity": e, "role": r, "live_links": n} for c, e, r, n in conn.execute(
            "SELECT c.id, c.entity_id, c.role, count(l.id) FILTER (WHERE l.revoked_at IS NULL AND l.expires_at > now())"
            " FROM contact c LEFT JOIN contact_link l ON l.contact_id = c.id WHERE c.erased_at IS NULL"
            " GROUP BY 1, 2, 3 ORDER BY 2, 1")]
        audit(conn, actor=staff.actor, action="status.read", object_type="status", object_id="consent",
              ip=client_ip(request))
    return page(request, "status", title="Mandats et collecte", per_entity=per_entity, expiring=expiring,
                accounts=accounts, contacts=contacts, can_personal=can_personal,
                can_act=staff.can(Permission.ACT), csrf=csrf_token(request, staff.subject), **ctx)


@router.get("/", response_class=HTMLResponse)
@router.get("/status", response_class=HTMLResponse)
def status(request: Request, staff: Viewer, notice: str | None = None) -> HTMLResponse:
    """Mandates per entity, expiries, collection per account, contacts (links only for PERSONAL)."""
    return _status_page(request, staff, notice=notice, new_link=None)


@router.post("/staff/contacts/{contact_id}/links", response_class=HTMLResponse)
def new_link(request: Request, staff: Actor, contact_id: str, csrf_token: str = Form("")) -> Response:
    """Issue a personal link for a contact, shown once on the status page."""
    protect_form(request, staff.subject, csrf_token)
    if not staff.can(Permission.PERSONAL):
        raise HTTPException(403, "permission « personal » requise")
    ttl = settings(request).link_ttl
    with warehouse(request) as conn:
        try:
            token = issue_link(conn, contact_id, actor=staff.actor, ttl=ttl)
        except LinkError as exc:
            raise HTTPException(404, str(exc)) from None
        expires = conn.execute("SELECT max(expires_at) FROM contact_link WHERE contact_id = %s",
                               (contact_id,)).fetchone()[0]
    url = str(request.url_for("use_link", token=token))
    return _status_page(request, staff, new_link={"contact": contact_id, "url": url, "expires": expires})


@router.post("/staff/contacts/{contact_id}/links/revoke")
def revoke_contact_links(request: Request, staff: Actor, contact_id: str, csrf_token: str = Form("")) -> Response:
    """Revoke every link and session of a contact."""
    protect_form(request, staff.subject, csrf_token)
    with warehouse(request) as conn:
        count = revoke_links(conn, contact_id, actor=staff.actor, ip=client_ip(request))
    return _status_page(request, staff, notice=f"{count} lien(s) de {contact_id} révoqué(s)", new_link=None)
