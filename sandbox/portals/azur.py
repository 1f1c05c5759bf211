"""Azur Électricité's customer area: two-step login (identifier page, then password page), an
invoice table filled by JavaScript after load, and PDFs served by a download button."""

from __future__ import annotations

import asyncio
from html import escape

from fastapi import APIRouter, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from sandbox.portals.pages import MaintenanceError, euros, fr_date, page
from sandbox.portals.state import LoginOutcome, PortalState

P = "/azur"
CSS = """body{font-family:Helvetica,Arial,sans-serif;background:#eaf4fb;margin:0;color:#123}
.az-top{background:#0b5394;color:#fff;padding:14px 32px;font-weight:bold;letter-spacing:1px}
.az-card{background:#fff;margin:32px auto;max-width:860px;padding:24px;border-radius:8px;box-shadow:0 2px 8px #0002}
.az-error{color:#b00;background:#fee;padding:8px}.az-table{width:100%;border-spacing:0}
.az-table td{padding:8px;border-top:1px solid #cde}button{background:#0b5394;color:#fff;border:0;padding:6px 12px}"""

SCRIPT = """
setTimeout(async () => {
  const resp = await fetch('%(p)s/mes-factures/donnees', {credentials: 'same-origin'});
  if (!resp.ok) { document.getElementById('app').textContent = 'Erreur de chargement'; return; }
  const rows = await resp.json();
  const btn = '%(btn)s';
  const html = rows.map(r => `<tr data-invoice="${r.number}"><td class="az-num">${r.number}</td>` +
    `<td class="az-date" data-iso="${r.date}">${r.date_fr}</td><td class="az-pdl">${r.contract}</td>` +
    `<td class="az-amount">${r.amount}</td><td><button type="button" class="${btn}" data-id="${r.number}">` +
    `Télécharger</button></td></tr>`).join('');
  document.getElementById('app').innerHTML = `<table class="az-table"><tbody>${html}</tbody></table>`;
  document.querySelectorAll('button.' + btn).forEach(b => b.addEventListener('click', () => {
    const a = document.createElement('a');
    a.href = '%(p)s/mes-factures/' + b.dataset.id + '/telechargement'; a.download = '';
    document.body.appendChild(a); a.click(); a.remove();
  }));
  document.getElementById('app').dataset.loaded = 'true';
}, %(delay)d);
"""


def router(state: PortalState) -> APIRouter:
    """The routes of the Azur portal."""
    r = APIRouter(prefix=P)

    def guard() -> None:
        if "azur" in state.maintenance:
            raise MaintenanceError("azur")

    def shell(title: str, body: str, status_code: int = 200, script: str = "") -> Response:
        return page(f"Azur Électricité | {title}",
                    f"<div class='az-top'>AZUR ÉLECTRICITÉ — Espace Entreprises</div><div class='az-card'>{body}</div>",
                    css=CSS, status_code=status_code, script=script)

    def identifier_form(error: str = "", status_code: int = 200) -> Response:
        alert = f"<p class='az-error' id='az-login-error'>{escape(error)}</p>" if error else ""
        return shell("Connexion", f"""<h2>Connexion à votre espace</h2>{alert}
<form method="post" action="{P}/connexion" id="az-step-id"><label for="identifiant">Identifiant client</label>
<input id="identifiant" name="identifiant"><button type="submit">Continuer</button></form>""", status_code)

    @r.get("/")
    def home() -> Response:
        return RedirectResponse(f"{P}/connexion", status_code=302)

    @r.get("/connexion")
    def identifier_page() -> Response:
        guard()
        return identifier_form()

    @r.post("/connexion")
    def identifier(identifiant: str = Form("")) -> Response:
        guard()
        acc = state.account("azur", identifiant)
        # the real site does not say whether the identifier exists: it always asks for the password
        token = state.open_session("azur", acc.login if acc else identifiant.strip(), authenticated=False)
        resp = RedirectResponse(f"{P}/connexion/mot-de-passe", status_code=303)
        resp.set_cookie("az_pending", token, path=P, httponly=True)
        return resp

    @r.get("/connexion/mot-de-passe")
    def password_page(request: Request) -> Response:
        guard()
        sess = state.sessions.get(request.cookies.get("az_pending") or "")
        if sess is None:
            return RedirectResponse(f"{P}/connexion", status_code=302)
        return shell("Mot de passe", f"""<h2>Bonjour {escape(sess.login)}</h2>
<form method="post" action="{P}/connexion/mot-de-passe" id="az-step-password"><label for="mdp">Mot de passe</label>
<input id="mdp" name="mot_de_passe" type="password"><button type="submit">Se connecter</button></form>""")

    @r.post("/connexion/mot-de-passe")
    def password(request: Request, mot_de_passe: str = Form("")) -> Response:
        guard()
        token = request.cookies.get("az_pending") or ""
        sess = state.sessions.get(token)
        if sess is None:
            return RedirectResponse(f"{P}/connexion", status_code=303)
        outcome = state.check_password("azur", sess.login, mot_de_passe, request.cookies.get("az_device"))
        if outcome == LoginOutcome.WRONG:
            return identifier_form("Identifiant ou mot de passe invalide.", 401)
        if outcome == LoginOutcome.LOCKED:
            return shell("Compte bloqué", "<h2 id='az-locked'>Compte bloqué</h2><p>Trop de tentatives. "
                                          "Votre accès est suspendu.</p>", 403)
        if outcome == LoginOutcome.MAINTENANCE:
            raise MaintenanceError("azur")
        if outcome == LoginOutcome.CODE_SENT:
            state.send_code(sess)
            return RedirectResponse(f"{P}/connexion/code", status_code=303)
        state.authenticate(token)
        resp = RedirectResponse(f"{P}/mes-factures", status_code=303)
        resp.set_cookie("az_session", token, path=P, httponly=True)
        return resp

    @r.get("/connexion/code")
    def code_page(request: Request) -> Response:
        return shell("Code", f"""<h2>Vérification de sécurité</h2><p id="az-mfa">Saisissez le code reçu par e-mail.</p>
<form method="post" action="{P}/connexion/code" id="az-step-code"><input name="code" id="az-code">
<button type="submit">Valider</button></form>""")

    @r.post("/connexion/code")
    def code(request: Request, code: str = Form("")) -> Response:
        token = request.cookies.get("az_pending") or ""
        sess = state.sessions.get(token)
        if sess is None or not sess.pending_code or code.strip() != sess.pending_code:
            return shell("Code", "<p class='az-error'>Code invalide.</p>", 401)
        state.authenticate(token)
        resp = RedirectResponse(f"{P}/mes-factures", status_code=303)
        resp.set_cookie("az_session", token, path=P, httponly=True)
        resp.set_cookie("az_device", state.trust_device(sess.login), path=P, httponly=True)
        return resp

    def current(request: Request):
        guard()
        return state.session("azur", request.cookies.get("az_session"))

    @r.get("/mes-factures")
    def invoices_page(request: Request) -> Response:
        sess = current(request)
        if sess is None:
            return RedirectResponse(f"{P}/connexion", status_code=302)
        acc = state.accounts[("azur", sess.login)]
        btn = "az-dl-btn" if acc.scenario == "layout" else "az-download"
        return shell("Mes factures", "<h2>Mes factures</h2><div id='app'>Chargement…</div>",
                     script=SCRIPT % {"p": P, "btn": btn, "delay": 300})

    @r.get("/mes-factures/donnees")
    async def invoices_data(request: Request) -> Response:
        sess = current(request)
        if sess is None:
            return JSONResponse({"error": "session"}, status_code=401)
        acc = state.accounts[("azur", sess.login)]
        if acc.scenario == "slow":
            await asyncio.sleep(acc.delay)
        invs = await asyncio.to_thread(state.documents.invoices, acc)
        return JSONResponse([{"number": i.number, "date": i.invoice_date.isoformat(), "date_fr": fr_date(i.invoice_date),
                              "contract": i.contract, "amount": euros(i.total_incl_tax)} for i in invs])

    @r.get("/mes-factures/{number}/telechargement")
    def download(request: Request, number: str) -> Response:
        sess = current(request)
        if sess is None:
            return RedirectResponse(f"{P}/connexion", status_code=302)
        inv = state.documents.invoice(state.accounts[("azur", sess.login)], number)
        if inv is None:
            return shell("Introuvable", "<p>Document introuvable</p>", 404)
        state.served("azur")
        return Response(inv.pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{inv.filename}"'})

    return r
