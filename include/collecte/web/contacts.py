"""Router: a contact's personal link (exchanged once for a session) and their home page."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from collecte.consent.links import LinkError, exchange_link
from collecte.consent.mandates import draft_mandate, mandates_of_entity
from collecte.web.auth import client_ip, csrf_token, protect_form
from collecte.web.contact_session import Contact, allowed_entity, entities_of, open_session
from collecte.web.context import base, page, settings, warehouse

router = APIRouter()


@router.get("/c/{token}")
def use_link(request: Request, token: str) -> Response:
    """Exchange a personal link for a session cookie, then leave the token's URL."""
    with warehouse(request) as conn:
        try:
            use = exchange_link(conn, token, ip=client_ip(request))
        except LinkError as exc:
            conn.commit()
            return page(request, "base", 410, title="Lien personnel", error=str(exc))
    response = RedirectResponse(f"{base(request)}/me", status_code=303)
    open_session(request, response, use.link_id)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/me", response_class=HTMLResponse)
def contact_home(request: Request, me: Contact, notice: str | None = None) -> HTMLResponse:
    """The contact's entities, their mandates and supplier accounts."""
    with warehouse(request) as conn:
        entities = []
        for entity_id, name, autonomous in entities_of(conn, me.contact):
            accounts = [{"supplier": s, "account_id": a, "updated": u} for s, a, u in conn.execute(
                "SELECT supplier, account_id, credentials_updated_at FROM supplier_account"
                " WHERE entity_id = %s ORDER BY supplier, account_id", (entity_id,))]
            entities.append({"id": entity_id, "name": name, "autonomous": autonomous,
                             "mandates": mandates_of_entity(conn, entity_id), "accounts": accounts})
    prefix = f"{base(request)}/me"
    return page(request, "contact_home", title="Vos mandats", contact=me.contact, entities=entities, prefix=prefix,
                notice=notice, home=prefix, csrf=csrf_token(request, me.subject))


@router.post("/me/entities/{entity_id}/mandates")
def prepare(request: Request, me: Contact, entity_id: str, csrf_token: str = Form("")) -> Response:
    """Draft a mandate for one of the contact's entities."""
    protect_form(request, me.subject, csrf_token)
    with warehouse(request) as conn:
        allowed_entity(conn, me.contact, entity_id)
        mandate = draft_mandate(conn, entity_id=entity_id, contact_id=me.contact["id"], start=settings(request).today(),
                                actor=me.actor, ip=client_ip(request))
    return RedirectResponse(f"{base(request)}/me/mandates/{mandate.id}", status_code=303)
