"""GazÉlec Pro's customer area: login, a cookie banner to dismiss, invoices grouped by year in
collapsible sections loaded on opening, and sessions that expire after a short idle time."""

from __future__ import annotations

import asyncio
from html import escape

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sandbox.portals.pages import MaintenanceError, euros, fr_date, page
from sandbox.portals.state import LoginOutcome, PortalState

P = "/gazelec"
CSS = """body{font-family:Verdana,sans-serif;background:#f4fbf2;margin:0;color:#1d3b1d}
.gz-nav{background:#2e7d32;padding:10px 20px;color:#fff}.gz-nav a{color:#fff;margin-right:16px}
.gz-body{padding:20px 40px}.gz-msg{color:#a00}#cookie-banner{position:fixed;inset:0;background:#000a;z-index:99;
display:flex;align-items:flex-end;justify-content:center}#cookie-banner .box{background:#fff;padding:20px;margin:20px;width:600px}
.year-block{border:1px solid #9c9;margin:8px 0}.year-toggle{margin:0;padding:8px;background:#dfd;cursor:pointer}
ul.gz-list{list-style:none;padding:8px}"""
BANNER = """<div id="cookie-banner"><div class="box"><p>GazÉlec Pro utilise des cookies pour améliorer votre
expérience.</p><button id="cookie-accept">Tout accepter</button> <button id="cookie-refuse">Continuer sans accepter</button>
</div></div>"""
BANNER_SCRIPT = """document.querySelectorAll('#cookie-accept,#cookie-refuse').forEach(b => b.addEventListener('click',
 () => { document.cookie = 'gz_cookies=' + (b.id === 'cookie-accept' ? 'all' : 'none') + '; path=__P__';
 document.getElementById('cookie-banner').remove(); }));""".replace("__P__", P)
YEARS_SCRIPT = """document.querySelectorAll('.%(toggle)s').forEach(h => h.addEventListener('click', async () => {
  const block = h.closest('.year-block'); const content = block.querySelector('.year-content');
  if (!content.hidden) { content.hidden = true; h.setAttribute('aria-expanded', 'false'); return; }
  const resp = await fetch('%(p)s/factures/annee/' + block.dataset.year, {credentials: 'same-origin'});
  if (resp.status === 401) { window.location = '%(p)s/connexion?expiree=1'; return; }
  content.innerHTML = await resp.text(); content.hidden = false; h.setAttribute('aria-expanded', 'true');
}));"""


def router(state: PortalState) -> APIRouter:
    """The routes of the GazÉlec portal."""
    r = APIRouter(prefix=P)

    def shell(title: str, body: str, request: Request, status_code: int = 200, script: str = "",
              nav: bool = True) -> Response:
        banner = "" if request.cookies.get("gz_cookies") else BANNER
        links = (f"<a href='{P}/accueil'>Accueil</a><a href='{P}/factures' id='nav-invoices'>Mes factures</a>"
                 f"<a href='{P}/deconnexion'>Déconnexion</a>") if nav else ""
        return page(f"{title} — GazÉlec Pro",
                    f"<div class='gz-nav'><b>GazÉlec Pro</b> {links}</div><div class='gz-body'>{body}</div>{banner}",
                    css=CSS, status_code=status_code, script=BANNER_SCRIPT + script)

    def login_form(request: Request, message: str = "", status_code: int = 200) -> Response:
        msg = f"<p class='gz-msg' id='gz-login-msg'>{escape(message)}</p>" if message else ""
        return shell("Connexion", f"""<h1>Espace client</h1>{msg}<form id="gz-login" method="post" action="{P}/connexion">
<p><label>Adresse e-mail <input name="email" type="email"></label></p>
<p><label>Mot de passe <input name="mot_de_passe" type="password"></label></p><button type="submit">Connexion</button>
</form>""", request, status_code, nav=False)

    def current(request: Request):
        if "gazelec" in state.maintenance:
            raise MaintenanceError("gazelec")
        return state.session("gazelec", request.cookies.get("gz_session"))

    @r.get("/")
    def home() -> Response:
        return RedirectResponse(f"{P}/connexion", status_code=302)

    @r.get("/connexion")
    def login_page(request: Request, expiree: int = 0) -> Response:
        if "gazelec" in state.maintenance:
            raise MaintenanceError("gazelec")
        return login_form(request, "Votre session a expiré, veuillez vous reconnecter." if expiree else "")

    @r.post("/connexion")
    def login(request: Request, email: str = Form(""), mot_de_passe: str = Form("")) -> Response:
        if "gazelec" in state.maintenance:
            raise MaintenanceError("gazelec")
        outcome = state.check_password("gazelec", email, mot_de_passe, request.cookies.get("gz_device"))
        if outcome == LoginOutcome.WRONG:
            return login_form(request, "Adresse e-mail ou mot de passe erroné.", 401)
        if outcome == LoginOutcome.LOCKED:
            return login_form(request, "Compte verrouillé : trop de tentatives de connexion.", 403)
        if outcome in (LoginOutcome.MAINTENANCE, LoginOutcome.CODE_SENT):
            raise MaintenanceError("gazelec")
        acc = state.account("gazelec", email)
        assert acc is not None
        resp = RedirectResponse(f"{P}/accueil", status_code=303)
        resp.set_cookie("gz_session", state.open_session("gazelec", acc.login, authenticated=True), path=P,
                        httponly=True)
        return resp

    @r.get("/accueil")
    def dashboard(request: Request) -> Response:
        sess = current(request)
        if sess is None:
            return RedirectResponse(f"{P}/connexion?expiree=1", status_code=302)
        return shell("Accueil", f"<h1>Bienvenue</h1><p>Compte {escape(sess.login)}</p>", request)

    @r.get("/factures")
    async def invoices(request: Request) -> Response:
        sess = current(request)
        if sess is None:
            return RedirectResponse(f"{P}/connexion?expiree=1", status_code=302)
        acc = state.accounts[("gazelec", sess.login)]
        if acc.scenario == "slow":
            await asyncio.sleep(acc.delay)
        invs = await asyncio.to_thread(state.documents.invoices, acc)
        years = sorted({i.invoice_date.year for i in invs}, reverse=True)
        toggle = "yr-head" if acc.scenario == "layout" else "year-toggle"
        blocks = "".join(
            f"<section class='year-block' data-year='{y}'><h3 class='{toggle}' aria-expanded='false'>Factures {y}</h3>"
            f"<div class='year-content' hidden></div></section>" for y in years)
        return shell("Mes factures", f"<h1>Mes factures</h1><div id='years'>{blocks}</div>", request,
                     script=YEARS_SCRIPT % {"p": P, "toggle": toggle})

    @r.get("/factures/annee/{year}")
    def year_fragment(request: Request, year: int) -> Response:
        sess = current(request)
        if sess is None:
            return HTMLResponse("session expirée", status_code=401)
        acc = state.accounts[("gazelec", sess.login)]
        items = "".join(
            f"<li class='gz-invoice' data-number='{i.number}'><span class='gz-date'>{fr_date(i.invoice_date)}</span> "
            f"<span class='gz-ref'>{i.number}</span> · PCE {i.contract} · {euros(i.total_incl_tax)} "
            f"<a class='gz-pdf' href='{P}/factures/document/{i.number}'>Télécharger le PDF</a></li>"
            for i in state.documents.invoices(acc) if i.invoice_date.year == year)
        return HTMLResponse(f"<ul class='gz-list'>{items}</ul>")

    @r.get("/factures/document/{number}")
    def document(request: Request, number: str) -> Response:
        sess = current(request)
        if sess is None:
            return RedirectResponse(f"{P}/connexion?expiree=1", status_code=302)
        inv = state.documents.invoice(state.accounts[("gazelec", sess.login)], number)
        if inv is None:
            return shell("Introuvable", "<p>Document introuvable.</p>", request, 404)
        state.served("gazelec")
        return Response(inv.pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{inv.filename}"'})

    @r.get("/deconnexion")
    def logout(request: Request) -> Response:
        state.sessions.pop(request.cookies.get("gz_session") or "", None)
        return RedirectResponse(f"{P}/connexion", status_code=302)

    return r
