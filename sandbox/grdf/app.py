"""GRDF ADICT stand-in (FastAPI): token, access rights, consumption, contract and technical data.

Paths follow ../shared/DOMAIN.md: `POST /v1/token` (client credentials with scope), and under
`/adict/v2`: `PUT /pce/{pce}/droit_acces`, `PUT /droit_acces/{id}/preuves` (multipart),
`PATCH /droit_acces/{id}`, `GET|POST /droits_acces`, `GET /pce/{pce}/donnees_consos_publiees`,
`…/donnees_consos_informatives`, `…/donnees_contractuelles`, `…/donnees_techniques`.

Every ADICT answer is NDJSON whose last line is the processing status
(`code_statut_traitement`, "0000000000" on success). Error codes of this sandbox:

| HTTP | code_statut_traitement | meaning |
|---|---|---|
| 400 | 2000000001 | a parameter or a declaration field is missing or invalid (message says which) |
| 400 | 2000000002 | `date_debut` is before the history limit (published 5 years, informative 3 years) |
| 400 | 2000000003 | the span is too long for one call (informative: 366 days) |
| 403 | 1000000001 | no access right on this PCE for this third party |
| 403 | 1000000002 | the access right is not Active (its state is in `etat_droit_acces`) |
| 403 | 1000000003 | the access right's perimeter does not cover this data |
| 403 | 1000000004 | the period is outside the access right's consumption perimeter |
| 404 | 3000000001 | unknown PCE |
| 409 | 2000000004 | state change not allowed |
| 429 | 4000000429 | rate limit or hourly quota exceeded (Retry-After header) |
| 500 | 9000000000 | internal error (injected) |

Admin routes under `/sandbox/` (no token) simulate the holder and GRDF: accept, refuse, re-check,
proof verdict, fault injection, counters, reset.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from sandbox.grdf import resources
from sandbox.grdf.access_rights import (
    ACTIVE,
    OBSOLETE,
    PCE_FORMAT,
    PROOF_CHECKING,
    PROOF_KO,
    PROOF_OK,
    REFUSED,
    REVOKED,
    TO_RECHECK,
    TO_VALIDATE,
    DeclarationError,
    validate_declaration,
)
from sandbox.grdf.state import SCOPE, SandboxState

OK = "0000000000"
API = "/adict/v2"
HISTORY_YEARS = {"publiees": 5, "informatives": 3}
MAX_SPAN_DAYS = {"publiees": 5 * 366, "informatives": 366}
SCOPE_FLAG = {"publiees": "perim_donnees_publiees", "informatives": "perim_donnees_informatives",
              "contractuelles": "perim_donnees_contractuelles", "techniques": "perim_donnees_techniques"}
NDJSON = "application/x-ndjson"


def ndjson(lines: Iterable[dict[str, Any]], *, status_code: int = 200, code: str = OK,
           message: str = "Traitement effectué avec succès", **extra: Any) -> Response:
    """An ADICT answer: one JSON object per line, then the status line."""
    body = [json.dumps(line, ensure_ascii=False, separators=(",", ":")) for line in lines]
    status = {"code_statut_traitement": code, "message_retour_traitement": message, **extra}
    body.append(json.dumps(status, ensure_ascii=False, separators=(",", ":")))
    return Response("\n".join(body) + "\n", status_code=status_code, media_type=NDJSON)


def failure(status_code: int, code: str, message: str, **extra: Any) -> Response:
    """An ADICT error answer (status line only)."""
    return ndjson([], status_code=status_code, code=code, message=message, **extra)


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (28 February for a 29th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def create_app(state: SandboxState) -> FastAPI:
    """The ADICT sandbox application over `state`."""
    app = FastAPI(title="GRDF ADICT sandbox", docs_url=None, redoc_url=None)
    app.state.grdf = state

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        path = request.url.path
        if not path.startswith(API):
            return await call_next(request)
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        client_id = state.client_of(bearer)
        if client_id is None:
            state.record("?", path, 401)
            return JSONResponse({"error": "invalid_token", "error_description": "jeton absent ou expiré"},
                                status_code=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        wait = state.throttle(client_id)
        fault = None if wait is not None else state.take_fault()
        if wait is not None or fault == "429":
            state.record(client_id, path, 429)
            seconds = str(max(1, math.ceil(wait or 1)))
            response = failure(429, "4000000429", "Trop de requêtes : limite de débit dépassée")
            response.headers["Retry-After"] = seconds
            return response
        if fault == "500":
            state.record(client_id, path, 500)
            return failure(500, "9000000000", "Erreur technique interne")
        if fault == "timeout":
            await asyncio.sleep(state.timeout_delay_s)
        request.state.client_id = client_id
        response = await call_next(request)
        if fault == "truncate":
            body = b"".join([chunk async for chunk in response.body_iterator])
            lines = body.splitlines(keepends=True)
            cut = b"".join(lines[:-1])
            cut = cut[: max(0, len(cut) - 17)]  # the connection drops in the middle of a record
            response = Response(cut, status_code=response.status_code, media_type=NDJSON)
        state.record(client_id, path, response.status_code)
        return response

    @app.post("/v1/token")
    async def token(request: Request) -> Response:
        form = await request.form()
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        issued = state.issue_token(str(form.get("client_id", "")), str(form.get("client_secret", "")),
                                   str(form.get("scope", "")))
        if issued is None:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if form.get("scope") != SCOPE:
            return JSONResponse({"error": "invalid_scope", "error_description": f"scope attendu : {SCOPE}"},
                                status_code=400)
        return JSONResponse({"access_token": issued.value, "token_type": "Bearer",
                             "expires_in": int(state.token_ttl_s), "scope": SCOPE})

    _access_right_routes(app, state)
    _data_routes(app, state)
    _admin_routes(app, state)
    return app


def _access_right_routes(app: FastAPI, state: SandboxState) -> None:
    @app.put(API + "/pce/{pce}/droit_acces")
    async def declare(pce: str, request: Request) -> Response:
        client_id = request.state.client_id
        try:
            body = await request.json()
        except ValueError:
            return failure(400, "2000000001", "corps JSON attendu")
        try:
            fields = validate_declaration(pce, body if isinstance(body, dict) else {})
        except DeclarationError as exc:
            return failure(400, "2000000001", str(exc))
        today = state.today()
        current = state.current_right(client_id, pce)
        live = (ACTIVE, TO_VALIDATE, TO_RECHECK)
        if current and current.effective_state(today) in live and current.fields == fields:
            return ndjson([current.as_line(today)])
        if current and current.effective_state(today) in live:
            state.set_state(current.id, OBSOLETE)
        right = state.new_right(client_id, pce, fields)
        return ndjson([right.as_line(today)], status_code=201)

    @app.put(API + "/droit_acces/{right_id}/preuves")
    async def proofs(right_id: str, request: Request) -> Response:
        right = state.rights.get(right_id)
        if right is None or right.client_id != request.state.client_id:
            return failure(404, "3000000002", f"droit d'accès {right_id} inconnu")
        form = await request.form()
        files = [f for f in form.getlist("preuves") if hasattr(f, "filename")]
        if not files:
            return failure(400, "2000000001", "au moins un fichier 'preuves' est attendu (multipart)")
        for upload in files:
            content = await upload.read()
            if upload.content_type not in ("application/pdf", "image/png", "image/jpeg"):
                return failure(400, "2000000001", f"type de fichier refusé : {upload.content_type}")
            right.proofs.append({"nom": upload.filename, "taille": len(content)})
        right.proof_status = PROOF_CHECKING
        return ndjson([right.as_line(state.today())])

    @app.patch(API + "/droit_acces/{right_id}")
    async def change(right_id: str, request: Request) -> Response:
        right = state.rights.get(right_id)
        if right is None or right.client_id != request.state.client_id:
            return failure(404, "3000000002", f"droit d'accès {right_id} inconnu")
        body = await request.json()
        if body.get("etat_droit_acces") != REVOKED:
            return failure(400, "2000000001", "seule la révocation (etat_droit_acces = Révoquée) est possible")
        current = right.effective_state(state.today())
        if current not in (ACTIVE, TO_VALIDATE, TO_RECHECK):
            return failure(409, "2000000004", f"transition impossible depuis l'état {current}")
        state.set_state(right_id, REVOKED)
        return ndjson([right.as_line(state.today())])

    def listing(client_id: str, pces: list[str], states: list[str]) -> Response:
        today = state.today()
        lines = [r.as_line(today) for r in state.rights_of(client_id)
                 if (not pces or r.pce in pces) and (not states or r.effective_state(today) in states)]
        return ndjson(lines)

    @app.get(API + "/droits_acces")
    async def list_get(request: Request) -> Response:
        q = request.query_params
        return listing(request.state.client_id, q.getlist("id_pce"), q.getlist("etat_droit_acces"))

    @app.post(API + "/droits_acces")
    async def list_post(request: Request) -> Response:
        body = await request.json() if await request.body() else {}
        return listing(request.state.client_id, list(body.get("id_pce") or []),
                       list(body.get("etat_droit_acces") or []))


def _check_right(state: SandboxState, client_id: str, pce: str, resource: str) -> Response | None:
    if not PCE_FORMAT.match(pce):
        return failure(400, "2000000001", f"id_pce {pce!r} invalide")
    if pce.startswith("219"):
        return failure(404, "3000000001", f"PCE {pce} inconnu de GRDF")
    right = state.current_right(client_id, pce)
    if right is None:
        return failure(403, "1000000001", f"aucun droit d'accès déclaré sur le PCE {pce}")
    current = right.effective_state(state.today())
    if current != ACTIVE:
        return failure(403, "1000000002", f"droit d'accès {right.id} à l'état {current}",
                       etat_droit_acces=current, id_droit_acces=right.id)
    if not right.scope_flag(SCOPE_FLAG[resource]):
        return failure(403, "1000000003", f"le périmètre du droit d'accès {right.id} exclut les données "
                       f"{resource}", id_droit_acces=right.id)
    return None


def _data_routes(app: FastAPI, state: SandboxState) -> None:
    def consumption(resource: str, pce: str, request: Request) -> Response:
        refused = _check_right(state, request.state.client_id, pce, resource)
        if refused:
            return refused
        q = request.query_params
        try:
            start, end = date.fromisoformat(q["date_debut"]), date.fromisoformat(q["date_fin"])
        except (KeyError, ValueError):
            return failure(400, "2000000001", "date_debut et date_fin (AAAA-MM-JJ) sont obligatoires")
        if end <= start:
            return failure(400, "2000000001", "date_fin doit être postérieure à date_debut")
        today = state.today()
        limit = years_before(today, HISTORY_YEARS[resource])
        if start < limit:
            return failure(400, "2000000002", f"date_debut antérieure à la profondeur d'historique "
                           f"({HISTORY_YEARS[resource]} ans) : pas avant le {limit.isoformat()}",
                           date_min=limit.isoformat())
        if (end - start).days > MAX_SPAN_DAYS[resource]:
            return failure(400, "2000000003", f"période trop longue : {MAX_SPAN_DAYS[resource]} jours au plus")
        right = state.current_right(request.state.client_id, pce)
        assert right is not None
        first = date.fromisoformat(right.fields["perim_donnees_conso_debut"])
        last = date.fromisoformat(right.fields["perim_donnees_conso_fin"])
        if start < first or end > last + timedelta(days=1):
            return failure(403, "1000000004", f"période hors du périmètre du droit d'accès "
                           f"({first.isoformat()} – {last.isoformat()})")
        build = resources.published if resource == "publiees" else resources.informative
        return ndjson(build(pce, start, end, today))

    @app.get(API + "/pce/{pce}/donnees_consos_publiees")
    async def published(pce: str, request: Request) -> Response:
        return consumption("publiees", pce, request)

    @app.get(API + "/pce/{pce}/donnees_consos_informatives")
    async def informative(pce: str, request: Request) -> Response:
        return consumption("informatives", pce, request)

    @app.get(API + "/pce/{pce}/donnees_contractuelles")
    async def contractual(pce: str, request: Request) -> Response:
        refused = _check_right(state, request.state.client_id, pce, "contractuelles")
        return refused or ndjson([resources.contractual(pce, state.today())])

    @app.get(API + "/pce/{pce}/donnees_techniques")
    async def technical(pce: str, request: Request) -> Response:
        refused = _check_right(state, request.state.client_id, pce, "techniques")
        return refused or ndjson([resources.technical(pce)])


def _admin_routes(app: FastAPI, state: SandboxState) -> None:
    verdicts = {"accepter": ACTIVE, "refuser": REFUSED, "a_reverifier": TO_RECHECK}

    @app.post("/sandbox/droit_acces/{right_id}/{action}")
    async def holder_answer(right_id: str, action: str, resultat: str | None = None) -> Response:
        if right_id not in state.rights:
            return JSONResponse({"error": f"unknown right {right_id}"}, status_code=404)
        if action == "preuve":
            state.rights[right_id].proof_status = PROOF_OK if resultat == "OK" else PROOF_KO
        elif action in verdicts:
            state.set_state(right_id, verdicts[action])
        else:
            return JSONResponse({"error": f"unknown action {action}"}, status_code=404)
        return JSONResponse(state.rights[right_id].as_line(state.today()))

    @app.post("/sandbox/faults")
    async def faults(request: Request) -> Response:
        body = await request.json()
        state.inject(str(body["fault"]), int(body.get("count", 1)))
        return JSONResponse({"queued": len(state.faults)})

    @app.get("/sandbox/stats")
    async def stats() -> Response:
        return JSONResponse(dict(state.stats))

    @app.post("/sandbox/reset")
    async def reset() -> Response:
        state.reset()
        return JSONResponse({"reset": True})
