"""The consent web app (FastAPI): review, confirm by one-time code, sign and revoke mandates;
enter, replace or delete supplier-portal credentials; a status page for the staff.

Served inside the Airflow UI by `plugins/collecte_plugin.py` (`fastapi_apps`), or standalone for
the demo and tests: `python -m collecte.consent.web --port 8091 --warehouse URL ...`, or
`create_app(settings)`.

Access: a contact reaches their pages through a personal link `/c/<token>` (an HMAC of their id
under the server secret, given to them by the staff or by e-mail). The group referent may act
for every non-autonomous entity of the group, an entity's own contact for that entity. The
status page needs a staff identity (`staff_auth`: Airflow's session inside the plugin, a
bearer token standalone). Airflow does not protect plugin apps by itself, hence these checks.
"""


import base64
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from collecte.consent.credentials import (
    CredentialError,
    CredentialStore,
    delete_credentials,
    store_credentials,
)
from collecte.consent.erasure import erase_mandate_subject
from collecte.consent.mailer import Mailer
from collecte.consent.mandates import (
    MandateError,
    confirm_code,
    draft_mandate,
    get_mandate,
    mandates_of_entity,
    revoke,
    send_code,
    sign,
)
from collecte.consent.pages import render

log = logging.getLogger(__name__)


@dataclass
class WebSettings:
    """What the app needs; callables are resolved on first use (the plugin builds them lazily)."""

    warehouse_url: str
    zone: Any
    mailer: Mailer
    credential_store: CredentialStore
    secret_key: bytes
    staff_token: str | None = None
    staff_auth: Callable[[Any], Awaitable[str | None]] | None = None
    trust_forwarded_for: bool = False
    today: Callable[[], date] = field(default=lambda: datetime.now(UTC).date())


def contact_token(secret: bytes, contact_id: str) -> str:
    """The personal link token of a contact: `<id>.<hmac>`."""
    mac = hmac.new(secret, f"contact:{contact_id}".encode(), hashlib.sha256).digest()[:18]
    return f"{contact_id}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def _contact_of(secret: bytes, token: str) -> str | None:
    contact_id = token.rsplit(".", 1)[0]
    return contact_id if hmac.compare_digest(contact_token(secret, contact_id), token) else None


def create_app(settings: WebSettings | Callable[[], WebSettings], *, root_path: str = "") -> Any:
    """The FastAPI app; `settings` may be a factory called once, at the first request."""
    from fastapi import FastAPI, Form, HTTPException, Request
    from fastapi.responses import HTMLResponse, RedirectResponse, Response

    from collecte.warehouse.db import connect

    app = FastAPI(title="collecte — consent", root_path=root_path, docs_url=None, redoc_url=None)
    resolved: dict[str, WebSettings] = {}

    def cfg() -> WebSettings:
        if "s" not in resolved:
            resolved["s"] = settings() if callable(settings) else settings
        return resolved["s"]

    def client_ip(request: Request) -> str:
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded and cfg().trust_forwarded_for:
            return forwarded.split(",")[0].strip()
        return request.client.host if request.client else "unknown"

    def base(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")

    def page(name: str, request: Request, http_status: int = 200, **ctx: Any) -> HTMLResponse:
        return HTMLResponse(render(name, home=ctx.pop("home", base(request) + "/"), **ctx), status_code=http_status)

    # -- who may do what ----------------------------------------------------------------------
    def contact_for(conn: Any, token: str) -> dict[str, Any]:
        contact_id = _contact_of(cfg().secret_key, token)
        row = conn.execute(
            "SELECT c.id, c.entity_id, c.role, c.first_name, c.surname, c.email, e.organization_id"
            "  FROM contact c JOIN entity e ON e.id = c.entity_id WHERE c.id = %s AND c.erased_at IS NULL",
            (contact_id,)).fetchone() if contact_id else None
        if row is None:
            raise HTTPException(404, "lien inconnu ou expiré")
        keys = ("id", "entity_id", "role", "first_name", "surname", "email", "organization_id")
        return dict(zip(keys, row, strict=True))

    def entities_of(conn: Any, contact: dict[str, Any]) -> list[tuple[str, str, bool]]:
        if contact["role"] == "group_referent":
            rows = conn.execute(
                "SELECT id, name, autonomous FROM entity WHERE organization_id = %s"
                " AND (NOT autonomous OR id = %s) ORDER BY parent_id NULLS FIRST, id",
                (contact["organization_id"], contact["entity_id"])).fetchall()
        else:
            rows = conn.execute("SELECT id, name, autonomous FROM entity WHERE id = %s",
                                (contact["entity_id"],)).fetchall()
        return [tuple(r) for r in rows]

    def allowed_entity(conn: Any, contact: dict[str, Any], entity_id: str) -> None:
        if entity_id not in {e[0] for e in entities_of(conn, contact)}:
            raise HTTPException(403, "cette entité n'est pas de votre ressort")

    def mandate_for(conn: Any, contact: dict[str, Any], mandate_id: str) -> Any:
        try:
            mandate = get_mandate(conn, mandate_id)
        except MandateError:
            raise HTTPException(404, "mandat inconnu") from None
        allowed_entity(conn, contact, mandate.entity_id)
        return mandate

    async def staff(request: Request) -> str:
        s = cfg()
        if s.staff_auth is not None:
            user = await s.staff_auth(request)
            if user:
                return user
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        given = bearer or request.cookies.get("collecte_staff", "")
        if s.staff_token and given and hmac.compare_digest(given, s.staff_token):
            return "staff"
        raise HTTPException(401, "identification du personnel requise")

    def actor(contact: dict[str, Any]) -> str:
        return f"contact:{contact['id']}"

    # -- contact pages ------------------------------------------------------------------------
    @app.get("/c/{token}", response_class=HTMLResponse)
    def contact_home(request: Request, token: str, notice: str | None = None) -> HTMLResponse:
        with connect(cfg().warehouse_url) as conn:
            contact = contact_for(conn, token)
            entities = []
            for entity_id, name, autonomous in entities_of(conn, contact):
                accounts = [{"supplier": s, "account_id": a, "updated": u} for s, a, u in conn.execute(
                    "SELECT supplier, account_id, credentials_updated_at FROM supplier_account"
                    " WHERE entity_id = %s ORDER BY supplier, account_id", (entity_id,))]
                entities.append({"id": entity_id, "name": name, "autonomous": autonomous,
                                 "mandates": mandates_of_entity(conn, entity_id), "accounts": accounts})
        return page("contact_home", request, title="Vos mandats", contact=contact, entities=entities,
                    prefix=f"{base(request)}/c/{token}", notice=notice, home=f"{base(request)}/c/{token}")

    @app.post("/c/{token}/entities/{entity_id}/mandates")
    def prepare(request: Request, token: str, entity_id: str) -> Response:
        with connect(cfg().warehouse_url) as conn:
            contact = contact_for(conn, token)
            allowed_entity(conn, contact, entity_id)
            mandate = draft_mandate(conn, entity_id=entity_id, contact_id=contact["id"], start=cfg().today(),
                                    actor=actor(contact), ip=client_ip(request))
        return RedirectResponse(f"{base(request)}/c/{token}/mandates/{mandate.id}", status_code=303)

    @app.get("/c/{token}/mandates/{mandate_id}", response_class=HTMLResponse)
    def review(request: Request, token: str, mandate_id: str, notice: str | None = None) -> HTMLResponse:
        with connect(cfg().warehouse_url) as conn:
            contact = contact_for(conn, token)
            mandate = mandate_for(conn, contact, mandate_id)
            from collecte.consent.audit import audit

            audit(conn, actor=actor(contact), action="mandate.read", object_type="mandate", object_id=mandate_id,
                  ip=client_ip(request))
        return page("mandate", request, title=f"Mandat {mandate_id}", m=mandate, notice=notice,
                    prefix=f"{base(request)}/c/{token}", home=f"{base(request)}/c/{token}")

    @app.post("/c/{token}/mandates/{mandate_id}/send-code")
    def send(request: Request, token: str, mandate_id: str) -> Response:
        with connect(cfg().warehouse_url) as conn:
            contact = contact_for(conn, token)
            mandate = mandate_for(conn, contact, mandate_id)
            try:
                send_code(conn, cfg().mailer, mandate.id, secret=cfg().secret_key, actor=actor(contact),
                          ip=client_ip(request))
            except MandateError as exc:
                return page("mandate", request, http_status=409, title=f"Mandat {mandate_id}", m=mandate,
                            error=str(exc), prefix=f"{base(request)}/c/{token}")
        return RedirectResponse(f"{base(request)}/c/{token}/mandates/{mandate_id}/confirm", status_code=303)

    @app.get("/c/{token}/mandates/{mandate_id}/confirm", response_class=HTMLResponse)
    def confirm_page(request: Request, token: str, mandate_id: str) -> HTMLResponse:
        with connect(cfg().warehouse_url) as conn:
            mandate = mandate_for(conn, contact_for(conn, token), mandate_id)
        return page("confirm", request, title="Code de confirmation", m=mandate, prefix=f"{base(request)}/c/{token}")

    @app.post("/c/{token}/mandates/{mandate_id}/confirm")
    def confirm(request: Request, token: str, mandate_id: str, code: str = Form(...)) -> Response:
        with connect(cfg().warehouse_url) as conn:
            contact = contact_for(conn, token)
            mandate = mandate_for(conn, contact, mandate_id)
            try:
                confirm_code(conn, mandate_id, code, secret=cfg().secret_key, actor=actor(contact),
                             ip=client_ip(request))
            except MandateError as exc:  # the attempt is counted: commit, do not roll back
                return page("confirm", request, http_status=400, title="Code de confirmation", m=mandate,
                            error=str(exc), prefix=f"{base(request)}/c/{token}")
        return RedirectResponse(f"{base(request)}/c/{token}/mandates/{mandate_id}/sign", status_code=303)

    @app.get("/c/{token}/mandates/{mandate_id}/sign", response_class=HTMLResponse)
    def sign_page(request: Request, token: str, mandate_id: str) -> HTMLResponse:
        with connect(cfg().warehouse_url) as conn:
            mandate = mandate_for(conn, contact_for(conn, token), mandate_id)
        return page("sign", request, title=f"Signature du mandat {mandate_id}", m=mandate,
                    prefix=f"{base(request)}/c/{token}")

    @app.post("/c/{token}/mandates/{mandate_id}/sign")
    def do_sign(request: Request, token: str, mandate_id: str, accept: str = Form("")) -> Response:
        with connect(cfg().warehouse_url) as conn:
            contact = contact_for(conn, token)
            mandate = mandate_for(conn, contact, mandate_id)
            if accept != "1":
                return page("sign", request, http_status=400, title=f"Signature du mandat {mandate_id}", m=mandate,
                            error="cochez la case d'acceptation", prefix=f"{base(request)}/c/{token}")
            try:
                sign(conn, cfg().zone, mandate_id, signer_ip=client_ip(request), actor=actor(contact))
            except MandateError as exc:
                return page("sign", request, http_status=409, title=f"Signature du mandat {mandate_id}", m=mandate,
                            error=str(exc), prefix=f"{base(request)}/c/{token}")
        return RedirectResponse(f"{base(request)}/c/{token}/mandates/{mandate_id}?notice=Mandat+sign%C3%A9",
                                status_code=303)

    @app.post("/c/{token}/mandates/{mandate_id}/revoke")
    def do_revoke(request: Request, token: str, mandate_id: str, reason: str = Form(""),
                  erase: str = Form("")) -> Response:
        with connect(cfg().warehouse_url) as conn:
            contact = contact_for(conn, token)
            mandate_for(conn, contact, mandate_id)
            if erase == "1":
                erase_mandate_subject(conn, cfg().zone, mandate_id, requested_by=actor(contact), reason=reason)
            else:
                revoke(conn, mandate_id, actor=actor(contact), ip=client_ip(request), reason=reason)
        if erase == "1":
            return HTMLResponse(render("base", title="Mandat révoqué", home=base(request) + "/",
                                       notice="Mandat révoqué ; vos données personnelles ont été effacées."))
        return RedirectResponse(f"{base(request)}/c/{token}/mandates/{mandate_id}?notice=Mandat+r%C3%A9voqu%C3%A9",
                                status_code=303)

    @app.get("/c/{token}/mandates/{mandate_id}/evidence.pdf")
    def evidence(request: Request, token: str, mandate_id: str) -> Response:
        with connect(cfg().warehouse_url) as conn:
            contact = contact_for(conn, token)
            mandate = mandate_for(conn, contact, mandate_id)
            if not mandate.evidence_key:
                raise HTTPException(404, "pas de mandat signé")
            from collecte.consent.audit import audit

            audit(conn, actor=actor(contact), action="mandate.evidence_read", object_type="mandate",
                  object_id=mandate_id, ip=client_ip(request))
        return Response(cfg().zone.get(mandate.evidence_key), media_type="application/pdf")

    # -- credentials ----------------------------------------------------------------------------
    def account_entity(conn: Any, supplier: str, account_id: str) -> str:
        row = conn.execute("SELECT entity_id FROM supplier_account WHERE supplier = %s AND account_id = %s",
                           (supplier, account_id)).fetchone()
        if row is None:
            raise HTTPException(404, "compte inconnu")
        return row[0]

    def credentials_page(request: Request, conn: Any, supplier: str, account_id: str, action: str,
                         home: str, **ctx: Any) -> HTMLResponse:
        conn_id = conn.execute("SELECT conn_id FROM supplier_account WHERE supplier = %s AND account_id = %s",
                               (supplier, account_id)).fetchone()[0]
        stored = bool(conn_id) and cfg().credential_store.exists(conn_id)
        status = None
        if conn.execute("SELECT to_regclass('account_status') IS NOT NULL").fetchone()[0]:
            row = conn.execute("SELECT status, message, last_attempt FROM account_status"
                               " WHERE source = %s AND account_id = %s", (supplier, account_id)).fetchone()
            status = dict(zip(("status", "message", "last_attempt"), row, strict=True)) if row else None
        return page("credentials", request, title="Identifiants de l'espace client", supplier=supplier,
                    account_id=account_id, stored=stored, status=status, action=action, home=home, **ctx)

    def apply_credentials(conn: Any, who: str, ip: str, supplier: str, account_id: str, op: str,
                          login: str, password: str) -> str:
        store = cfg().credential_store
        if op == "delete":
            delete_credentials(conn, store, supplier=supplier, account_id=account_id, actor=who, ip=ip)
            return "Identifiants supprimés."
        store_credentials(conn, store, supplier=supplier, account_id=account_id, login=login, password=password,
                          actor=who, ip=ip)
        return "Identifiants enregistrés dans le coffre de secrets."

    @app.get("/c/{token}/accounts/{supplier}/{account_id}/credentials", response_class=HTMLResponse)
    def contact_credentials(request: Request, token: str, supplier: str, account_id: str) -> HTMLResponse:
        with connect(cfg().warehouse_url) as conn:
            contact = contact_for(conn, token)
            allowed_entity(conn, contact, account_entity(conn, supplier, account_id))
            prefix = f"{base(request)}/c/{token}"
            return credentials_page(request, conn, supplier, account_id,
                                    f"{prefix}/accounts/{supplier}/{account_id}/credentials", prefix)

    @app.post("/c/{token}/accounts/{supplier}/{account_id}/credentials", response_class=HTMLResponse)
    def contact_credentials_post(request: Request, token: str, supplier: str, account_id: str,
                                 op: str = Form("save"), login: str = Form(""), password: str = Form("")) -> HTMLResponse:
        with connect(cfg().warehouse_url) as conn:
            contact = contact_for(conn, token)
            allowed_entity(conn, contact, account_entity(conn, supplier, account_id))
            prefix = f"{base(request)}/c/{token}"
            action = f"{prefix}/accounts/{supplier}/{account_id}/credentials"
            try:
                notice = apply_credentials(conn, actor(contact), client_ip(request), supplier, account_id, op,
                                           login, password)
            except CredentialError as exc:
                return credentials_page(request, conn, supplier, account_id, action, prefix, error=str(exc))
            return credentials_page(request, conn, supplier, account_id, action, prefix, notice=notice)

    @app.get("/staff/accounts/{supplier}/{account_id}/credentials", response_class=HTMLResponse)
    async def staff_credentials(request: Request, supplier: str, account_id: str) -> HTMLResponse:
        await staff(request)
        with connect(cfg().warehouse_url) as conn:
            account_entity(conn, supplier, account_id)
            return credentials_page(request, conn, supplier, account_id, request.url.path, base(request) + "/status")

    @app.post("/staff/accounts/{supplier}/{account_id}/credentials", response_class=HTMLResponse)
    async def staff_credentials_post(request: Request, supplier: str, account_id: str, op: str = Form("save"),
                                     login: str = Form(""), password: str = Form("")) -> HTMLResponse:
        who = await staff(request)
        with connect(cfg().warehouse_url) as conn:
            account_entity(conn, supplier, account_id)
            try:
                notice = apply_credentials(conn, f"staff:{who}", client_ip(request), supplier, account_id, op,
                                           login, password)
            except CredentialError as exc:
                return credentials_page(request, conn, supplier, account_id, request.url.path,
                                        base(request) + "/status", error=str(exc))
            return credentials_page(request, conn, supplier, account_id, request.url.path,
                                    base(request) + "/status", notice=notice)

    # -- staff status -------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse)
    @app.get("/status", response_class=HTMLResponse)
    async def status(request: Request) -> HTMLResponse:
        who = await staff(request)
        today = cfg().today()
        with connect(cfg().warehouse_url) as conn:
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
                accounts = conn.execute("SELECT source, account_id, status, message, last_attempt, last_success"
                                        " FROM account_status ORDER BY source, account_id").fetchall()
            contacts = [{"id": c, "entity": e, "role": r,
                         "link": f"{base(request)}/c/{contact_token(cfg().secret_key, c)}"}
                        for c, e, r in conn.execute("SELECT id, entity_id, role FROM contact WHERE erased_at IS NULL"
                                                    " ORDER BY entity_id, id")]
            from collecte.consent.audit import audit

            audit(conn, actor=f"staff:{who}", action="status.read", object_type="status", object_id="consent")
        return page("status", request, title="Mandats et collecte", per_entity=per_entity, expiring=expiring,
                    accounts=accounts, contacts=contacts)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main(argv: list[str] | None = None) -> None:
    """Run the app standalone: `python -m collecte.consent.web --port 8091 --warehouse URL ...`."""
    import argparse
    import os
    from pathlib import Path

    import uvicorn

    from collecte.consent.credentials import AirflowConnectionStore
    from collecte.consent.mailer import MaildirMailer
    from collecte.landing.raw_zone import RawZone
    from collecte.storage.s3 import s3_client

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--warehouse", default=os.environ.get("COLLECTE_WAREHOUSE_URL"), required=False)
    parser.add_argument("--s3-endpoint", default=os.environ.get("COLLECTE_S3_ENDPOINT"))
    parser.add_argument("--bucket", default=os.environ.get("COLLECTE_BUCKET", "collecte"))
    parser.add_argument("--mailbox", default=os.environ.get("COLLECTE_SANDBOX_MAILBOX", "sandbox-mailbox"))
    args = parser.parse_args(argv)
    if not args.warehouse:
        parser.error("--warehouse or COLLECTE_WAREHOUSE_URL is required")
    secret = os.environ.get("COLLECTE_CONSENT_SECRET")
    if not secret:
        parser.error("set COLLECTE_CONSENT_SECRET (signs contact links and one-time codes)")
    client = s3_client(endpoint_url=args.s3_endpoint,
                       aws_access_key_id=os.environ.get("COLLECTE_S3_ACCESS_KEY") or os.environ.get("AWS_ACCESS_KEY_ID"),
                       aws_secret_access_key=os.environ.get("COLLECTE_S3_SECRET_KEY")
                       or os.environ.get("AWS_SECRET_ACCESS_KEY"))
    settings = WebSettings(warehouse_url=args.warehouse, zone=RawZone(client, args.bucket),
                           mailer=MaildirMailer(Path(args.mailbox)), credential_store=AirflowConnectionStore(),
                           secret_key=secret.encode(), staff_token=os.environ.get("COLLECTE_STAFF_TOKEN"))
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
