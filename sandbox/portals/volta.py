"""Volta Énergie's customer area: CSRF login form, paginated invoice list with a date filter,
a contract selector, PDF links, and a consumption page exporting a CSV of kWh per period."""

from __future__ import annotations

import asyncio
import secrets
from html import escape
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from sandbox.portals.pages import MaintenanceError, euros, fr_date, page, parse_day
from sandbox.portals.state import LoginOutcome, PortalState

P = "/volta"
CSS = """body{font-family:Georgia,serif;background:#fdf6e3;color:#233;margin:0}
header{background:#f39c12;color:#fff;padding:12px 24px;font-size:22px}
main{padding:24px;max-width:900px}.alert{padding:10px;border:1px solid #c0392b;color:#c0392b;margin:8px 0}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:6px;text-align:left}
nav.pagination a{margin-right:12px}"""
PER_PAGE = 10


def router(state: PortalState) -> APIRouter:
    """The routes of the Volta portal."""
    r = APIRouter(prefix=P)

    def current(request: Request):
        if "volta" in state.maintenance:
            raise MaintenanceError("volta")
        return state.session("volta", request.cookies.get("volta_session"))

    def shell(title: str, body: str, status_code: int = 200) -> Response:
        return page(f"Volta Énergie - {title}", f"<header>Volta Énergie · Espace client</header><main>{body}</main>",
                    css=CSS, status_code=status_code)

    def login_form(error: tuple[str, str] | None = None, status_code: int = 200, *, captcha: bool = False) -> Response:
        token = secrets.token_urlsafe(16)
        alert = f"<div class='alert {error[0]}'>{escape(error[1])}</div>" if error else ""
        # a reCAPTCHA v2 checkbox as Google's snippet renders it (its script is not loaded: loopback only)
        widget = ("<div class='g-recaptcha' data-sitekey='6Lc-sandbox-volta' style='width:304px;height:78px;"
                  "border:1px solid #d3d3d3'><label><input type='checkbox'> Je ne suis pas un robot</label></div>"
                  if captcha else "")
        resp = shell("Connexion", f"""<h1>Connexion</h1>{alert}
<form id="login-form" method="post" action="{P}/login">
<input type="hidden" name="csrf_token" value="{token}">
<label>Identifiant <input name="username" autocomplete="username"></label>
<label>Mot de passe <input name="password" type="password" autocomplete="current-password"></label>
{widget}<button type="submit">Se connecter</button></form>""", status_code)
        resp.set_cookie("volta_csrf", token, path=P, httponly=True)
        return resp

    @r.get("/")
    def home() -> Response:
        return RedirectResponse(f"{P}/login", status_code=302)

    @r.get("/login")
    def login_page(request: Request) -> Response:
        if "volta" in state.maintenance:
            raise MaintenanceError("volta")
        return login_form()

    @r.post("/login")
    def login(request: Request, username: str = Form(""), password: str = Form(""),
              csrf_token: str = Form("")) -> Response:
        if "volta" in state.maintenance:
            raise MaintenanceError("volta")
        if not csrf_token or csrf_token != request.cookies.get("volta_csrf"):
            return login_form(("alert-error", "Votre session de connexion a expiré, veuillez réessayer."), 400)
        outcome = state.check_password("volta", username, password, request.cookies.get("volta_device"))
        if outcome == LoginOutcome.WRONG:
            return login_form(("alert-error", "Identifiant ou mot de passe incorrect."), 401)
        if outcome == LoginOutcome.LOCKED:
            return login_form(("alert-locked", "Votre compte est verrouillé suite à plusieurs tentatives "
                                               "infructueuses. Contactez le service client."), 403)
        if outcome == LoginOutcome.MAINTENANCE:
            raise MaintenanceError("volta")
        if outcome == LoginOutcome.CAPTCHA:
            return login_form(("alert-captcha", "Merci de confirmer que vous n'êtes pas un robot."), captcha=True)
        acc = state.account("volta", username)
        assert acc is not None
        token = state.open_session("volta", acc.login, authenticated=outcome == LoginOutcome.OK)
        if outcome == LoginOutcome.CODE_SENT:
            state.send_code(state.sessions[token])
            resp: Response = RedirectResponse(f"{P}/verification", status_code=303)
        else:
            resp = RedirectResponse(f"{P}/factures", status_code=303)
        resp.set_cookie("volta_session", token, path=P, httponly=True)
        return resp

    @r.get("/verification")
    def verification_page(request: Request, erreur: int = 0) -> Response:
        if state.session("volta", request.cookies.get("volta_session"), authenticated=False) is None:
            return RedirectResponse(f"{P}/login", status_code=302)
        alert = "<div class='alert alert-error'>Code incorrect.</div>" if erreur else ""
        return shell("Vérification", f"""<h1>Nouvel appareil</h1>{alert}
<p id="mfa-prompt">Un code de vérification vient de vous être envoyé par e-mail.</p>
<form id="otp-form" method="post" action="{P}/verification"><input name="code" inputmode="numeric">
<button type="submit">Valider</button></form>""")

    @r.post("/verification")
    def verification(request: Request, code: str = Form("")) -> Response:
        token = request.cookies.get("volta_session")
        sess = state.session("volta", token, authenticated=False)
        if sess is None:
            return RedirectResponse(f"{P}/login", status_code=303)
        if not sess.pending_code or code.strip() != sess.pending_code:
            return RedirectResponse(f"{P}/verification?erreur=1", status_code=303)
        state.authenticate(token or "")
        resp = RedirectResponse(f"{P}/factures", status_code=303)
        resp.set_cookie("volta_device", state.trust_device(sess.login), path=P, httponly=True, max_age=3600 * 24 * 90)
        return resp

    def contract_selector(contracts: list[str], chosen: str, action: str) -> str:
        options = "".join(f"<option value='{c}'{' selected' if c == chosen else ''}>Contrat PDL {c}</option>"
                          for c in contracts)
        return (f"<form id='contract-form' method='get' action='{action}'><label>Contrat "
                f"<select name='contrat' onchange='this.form.submit()'>{options}</select></label></form>")

    @r.get("/factures")
    async def invoices(request: Request, contrat: str | None = None, page_no: int = 1,
                       du: str | None = None, au: str | None = None) -> Response:
        page_no = int(request.query_params.get("page", page_no))
        sess = current(request)
        if sess is None:
            return RedirectResponse(f"{P}/login", status_code=302)
        acc = state.accounts[("volta", sess.login)]
        if acc.scenario == "slow":
            await asyncio.sleep(acc.delay)
        contracts = await asyncio.to_thread(state.documents.contracts, acc)
        chosen = contrat if contrat in contracts else (sess.contract or contracts[0])
        sess.contract = chosen
        first, last = parse_day(du), parse_day(au)
        rows = [inv for inv in state.documents.invoices(acc) if inv.contract == chosen
                and (first is None or inv.invoice_date >= first) and (last is None or inv.invoice_date <= last)]
        pages = max(1, -(-len(rows) // PER_PAGE))
        shown = rows[(page_no - 1) * PER_PAGE: page_no * PER_PAGE]
        table_id, row_cls = ("bill-grid", "bill") if acc.scenario == "layout" else ("invoices", "invoice-row")
        body_rows = "".join(
            f"<tr class='{row_cls}'><td class='number'>{inv.number}</td><td class='date'>{fr_date(inv.invoice_date)}</td>"
            f"<td class='period'>{fr_date(inv.period_start)} – {fr_date(inv.period_end)}</td>"
            f"<td class='amount'>{euros(inv.total_incl_tax)}</td>"
            f"<td><a class='pdf-link' href='{P}/factures/{inv.number}.pdf'>PDF</a></td></tr>" for inv in shown)
        query = {"contrat": chosen, **({"du": du} if du else {}), **({"au": au} if au else {})}
        nav = "".join([
            f"<a rel='prev' href='{P}/factures?{urlencode({**query, 'page': page_no - 1})}'>Précédent</a>"
            if page_no > 1 else "",
            f"<span class='page-info'>Page {page_no} / {pages}</span>",
            f"<a rel='next' href='{P}/factures?{urlencode({**query, 'page': page_no + 1})}'>Suivant</a>"
            if page_no < pages else ""])
        return shell("Mes factures", f"""<h1>Mes factures</h1>{contract_selector(contracts, chosen, P + '/factures')}
<form id="filter" method="get" action="{P}/factures"><input type="hidden" name="contrat" value="{chosen}">
<label>Du <input type="date" name="du" value="{du or ''}"></label><label>Au <input type="date" name="au" value="{au or ''}"></label>
<button type="submit">Filtrer</button></form>
<p class="count">{len(rows)} facture(s)</p>
<table id="{table_id}"><thead><tr><th>N°</th><th>Date</th><th>Période</th><th>Montant TTC</th><th></th></tr></thead>
<tbody>{body_rows}</tbody></table><nav class="pagination">{nav}</nav>
<p><a id="consumption-link" href="{P}/consommation?contrat={chosen}">Ma consommation</a></p>""")

    @r.get("/factures/{number}.pdf")
    def invoice_pdf(request: Request, number: str) -> Response:
        sess = current(request)
        if sess is None:
            return RedirectResponse(f"{P}/login", status_code=302)
        inv = state.documents.invoice(state.accounts[("volta", sess.login)], number)
        if inv is None:
            return shell("Introuvable", "<h1>Facture introuvable</h1>", 404)
        state.served("volta")
        return Response(inv.pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{inv.filename}"'})

    @r.get("/consommation")
    def consumption(request: Request, contrat: str | None = None) -> Response:
        sess = current(request)
        if sess is None:
            return RedirectResponse(f"{P}/login", status_code=302)
        acc = state.accounts[("volta", sess.login)]
        contracts = state.documents.contracts(acc)
        chosen = contrat if contrat in contracts else (sess.contract or contracts[0])
        return shell("Ma consommation", f"""<h1>Ma consommation</h1>{contract_selector(contracts, chosen, P + '/consommation')}
<form id="export-form" method="get" action="{P}/consommation/export"><input type="hidden" name="contrat" value="{chosen}">
<label>Du <input type="date" name="du"></label><label>Au <input type="date" name="au"></label>
<button type="submit" id="export-csv">Exporter (CSV)</button></form>""")

    @r.get("/consommation/export")
    def consumption_export(request: Request, contrat: str, du: str | None = None, au: str | None = None) -> Response:
        sess = current(request)
        if sess is None:
            return RedirectResponse(f"{P}/login", status_code=302)
        acc = state.accounts[("volta", sess.login)]
        first, last = parse_day(du), parse_day(au)
        if first is None or last is None:
            return shell("Export", "<div class='alert'>Choisissez une période.</div>", 400)
        content = state.documents.consumption_export(acc, contrat, first, last)
        state.served("volta")
        name = f"consommation_{contrat}_{first:%Y%m%d}_{last:%Y%m%d}.csv"
        return Response(content, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @r.get("/deconnexion")
    def logout(request: Request) -> Response:
        state.sessions.pop(request.cookies.get("volta_session") or "", None)
        return RedirectResponse(f"{P}/login", status_code=302)

    return r
