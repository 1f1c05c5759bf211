"""GRDF ADICT stand-in (FastAPI): token, access rights, consumption, contract and technical data.

Built from the primary sources (lowatt/lowatt-grdf `lowatt_grdf/api.py`, `tests/test_api.py`,
`staging-api-requests.md`; ../shared/DOMAIN.md), and as strict as ADICT:

- token: `POST {TOKEN_PATH}` (an OpenID host of its own in reality:
  `adict-connexion.grdf.fr/oauth2/<server>/v1/token`), form `grant_type=client_credentials`,
  `client_id`, `client_secret`, `scope=/adict/v2`; answers `access_token`, `expires_in` (14,400 s);
- under `/adict/v2`: `PUT /pce/{pce}/droit_acces` (answers one object: code, message,
  `id_droit_acces`), `PUT /droit_acces/{id}/preuves` (multipart `preuves`),
  `PATCH /droit_acces/{id}` (no body: the third party revokes), `GET /droits_acces` (no
  parameter), `POST /droits_acces` (filters `id_pce`, `role_tiers`, `etat_droit_acces`,
  `statut_controle_preuve`), `GET /pce/{pce}/donnees_consos_publiees|donnees_consos_informatives`
  (exactly `date_debut`, `date_fin`), `GET /pce/{pce}/donnees_contractuelles|donnees_techniques`
  (no parameter).

Consumption and listing answers are NDJSON ending with the status line (`code_statut_traitement`
"0000000000"); contract and technical answers are ONE JSON line (lowatt-grdf unpacks exactly one
object from them: `(payload,) = self.get(...)`); a period without data is HTTP 200 with a record
whose `statut_restitution` says so. Any request outside this (unknown path or method, extra or
missing parameter, unknown body field, a declaration with both holder names) is refused.

The sources give no list of ADICT's error codes: the codes below are this sandbox's own, in the
status-line shape ADICT uses (`code_statut_traitement`, `message_retour_traitement`).

| HTTP | code_statut_traitement | meaning |
|---|---|---|
| 400 | 2000000001 | a parameter, path or body field is missing, unknown or invalid (message says which) |
| 400 | 2000000002 | `date_debut` is before the history limit (published 5 years, informative 3 years) |
| 400 | 2000000003 | the span is too long for one call, or `date_fin` is after today |
| 403 | 1000000001 | no access right on this PCE for this third party |
| 403 | 1000000002 | the access right is not Active (its state is in `etat_droit_acces`) |
| 403 | 1000000003 | the access right's perimeter does not cover this data |
| 403 | 1000000004 | the period is outside the access right's consumption perimeter |
| 404 | 3000000001 | unknown PCE |
| 404 | 3000000002 | unknown access right / unknown resource |
| 405 | 3000000003 | method not allowed on this resource |
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
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from sandbox.grdf import resources
from sandbox.grdf.access_rights import (
    ACTIVE,
    OBSOLETE,
    PCE_FORMAT,
    PROOF_CHECKING,
    PROOF_KO,
    PROOF_OK,
    PROOF_STATUSES,
    REFUSED,
    REVOKED,
    ROLES,
    STATES,
    TO_RECHECK,
    TO_VALIDATE,
    DeclarationError,
    validate_declaration,
)
from sandbox.grdf.state import SCOPE, SandboxState

OK = "0000000000"
API = "/adict/v2"
TOKEN_PATH = "/oauth2/aus-sandbox/v1/token"
HISTORY_YEARS = {"publiees": 5, "informatives": 3}
MAX_SPAN_DAYS = {"publiees": 5 * 366, "informatives": 366}
SCOPE_FLAG = {"publiees": "perim_donnees_publiees", "informatives": "perim_donnees_informatives",
              "contractuelles": "perim_donnees_contractuelles", "techniques": "perim_donnees_techniques"}
LISTING_FILTERS = ("id_pce", "role_tiers", "etat_droit_acces", "statut_controle_preuve")
NDJSON = "application/x-ndjson"
SUCCESS = "L'opération s'est déroulée avec succès."


def _line(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def ndjson(lines: Iterable[dict[str, Any]], *, status_code: int = 200, code: str = OK,
           message: str = SUCCESS, **extra: Any) -> Response:
    """An ADICT answer: one JSON object per line, then the status line."""
    status = {"code_statut_traitement": code, "message_retour_traitement": message, **extra}
    body = [_line(line) for line in lines] + [_line(status)]
    return Response("\n".join(body) + "\n", status_code=status_code, media_type=NDJSON)


def single(line: dict[str, Any]) -> Response:
    """A one-object answer (contract and technical data): no status line."""
    return Response(_line(line) + "\n", media_type=NDJSON)


def failure(status_code: int, code: str, message: str, **extra: Any) -> Response:
    """An ADICT error answer (status line only)."""
    return ndjson([], status_code=status_code, code=code, message=message, **extra)


def bad_request(message: str) -> Response:
    """A request outside the specification."""
    return failure(400, "2000000001", message)


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (28 February for a 29th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _unexpected_params(request: Request, allowed: tuple[str, ...]) -> Response | None:
    extra = sorted(set(request.query_params) - set(allowed))
    if extra:
        return bad_request("paramètre(s) inconnu(s) : " + ", ".join(extra))
    repeated = [k for k in allowed if len(request.query_params.getlist(k)) > 1]
    if repeated:
        return bad_request("paramètre(s) répété(s) : " + ", ".join(repeated))
    return None


async def _json_object(request: Request, *, required: bool) -> tuple[dict[str, Any], Response | None]:
    """The JSON object of a request without query parameters, or the refusal to answer."""
    refused = _unexpected_params(request, ())
    if refused:
        return {}, refused
    raw = await request.body()
    try:
        body = json.loads(raw) if raw.strip() else None if required else {}
    except ValueError:
        return {}, bad_request("corps JSON invalide")
    if not isinstance(body, dict):
        return {}, bad_request("corps JSON (objet) attendu")
    return body, None


def create_app(state: SandboxState, *, serve_token: bool = True) -> FastAPI:
    """The ADICT sandbox application over `state`; `serve_token=False` leaves the token endpoint
    to `create_token_app` on another port (GRDF's OpenID host is not the API host)."""
    app = FastAPI(title="GRDF ADICT sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.grdf = state

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405:
            return failure(405, "3000000003", f"méthode {request.method} non permise sur {request.url.path}")
        return failure(exc.status_code if exc.status_code >= 400 else 400, "3000000002",
                       f"ressource inconnue : {request.url.path}")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return bad_request("requête invalide")

    @app.middleware("http")
    async def guard(request: Request, call_next: Any) -> Response:
        path = request.url.path
        if not path.startswith(API):
            response = await call_next(request)
            if path == TOKEN_PATH and serve_token:
                body = b"".join([chunk async for chunk in response.body_iterator])
                state.keep_answer(request.method, path, response.status_code,
                                  response.headers.get("content-type", ""), body)
                response = Response(body, status_code=response.status_code,
                                    media_type=response.headers.get("content-type"))
            return response
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        client_id = state.client_of(bearer)
        if client_id is None:
            state.record("?", path, 401)
            body = {"error": "invalid_token", "error_description": "jeton absent ou expiré"}
            state.keep_answer(request.method, path, 401, "application/json", json.dumps(body).encode())
            return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        wait = state.throttle(client_id)
        fault = None if wait is not None else state.take_fault()
        if wait is not None or fault == "429":
            state.record(client_id, path, 429)
            seconds = str(max(1, math.ceil(wait or 1)))
            response = failure(429, "4000000429", "Trop de requêtes : limite de débit dépassée")
            response.headers["Retry-After"] = seconds
            state.keep_answer(request.method, path, 429, NDJSON, bytes(response.body))
            return response
        if fault == "500":
            state.record(client_id, path, 500)
            response = failure(500, "9000000000", "Erreur technique interne")
            state.keep_answer(request.method, path, 500, NDJSON, bytes(response.body))
            return response
        if fault == "timeout":
            await asyncio.sleep(state.timeout_delay_s)
        request.state.client_id = client_id
        response = await call_next(request)
        body = b"".join([chunk async for chunk in response.body_iterator])
        if fault == "truncate":
            cut = b"".join(body.splitlines(keepends=True)[:-1])
            body = cut[: max(0, len(cut) - 17)]  # the connection drops in the middle of a record
        else:
            state.keep_answer(request.method, path, response.status_code,
                              response.headers.get("content-type", ""), body)
        state.record(client_id, path, response.status_code)
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length",)}
        return Response(body, status_code=response.status_code, headers=headers)

    if serve_token:
        _token_route(app, state)
    _access_right_routes(app, state)
    _data_routes(app, state)
    _admin_routes(app, state)
    return app


def create_token_app(state: SandboxState) -> FastAPI:
    """The OpenID host alone: the token endpoint over the same `state`."""
    app = FastAPI(title="GRDF OpenID sandbox", docs_url=None, redoc_url=None, openapi_url=None)

    @app.middleware("http")
    async def keep(request: Request, call_next: Any) -> Response:
        response = await call_next(request)
        body = b"".join([chunk async for chunk in response.body_iterator])
        if request.url.path == TOKEN_PATH:
            state.keep_answer(request.method, request.url.path, response.status_code,
                              response.headers.get("content-type", ""), body)
        return Response(body, status_code=response.status_code, media_type=response.headers.get("content-type"))

    _token_route(app, state)
    return app


def _token_route(app: FastAPI, state: SandboxState) -> None:
    @app.post(TOKEN_PATH)
    async def token(request: Request) -> Response:
        form = await request.form()
        unknown = sorted(set(form) - {"grant_type", "client_id", "client_secret", "scope"})
        if unknown:
            return JSONResponse({"error": "invalid_request", "error_description": f"unknown {unknown}"},
                                status_code=400)
        if form.get("grant_type") != "client_credentials":
            return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
        issued = state.issue_token(str(form.get("client_id", "")), str(form.get("client_secret", "")),
                                   str(form.get("scope", "")))
        if issued is None:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        if form.get("scope") != SCOPE:
            return JSONResponse({"error": "invalid_scope", "error_description": f"scope attendu : {SCOPE}"},
                                status_code=400)
        return JSONResponse({"token_type": "Bearer", "expires_in": int(state.token_ttl_s),
                             "access_token": issued.value, "scope": SCOPE})


def _access_right_routes(app: FastAPI, state: SandboxState) -> None:
    live = (ACTIVE, TO_VALIDATE, TO_RECHECK)

    @app.put(API + "/pce/{pce}/droit_acces")
    async def declare(pce: str, request: Request) -> Response:
        client_id = request.state.client_id
        body, refused = await _json_object(request, required=True)
        if refused:
            return refused
        try:
            fields = validate_declaration(pce, body)
        except DeclarationError as exc:
            return bad_request(str(exc))
        today = state.today()
        current = state.current_right(client_id, pce)
        if current and current.effective_state(today) in live and current.fields == fields:
            right = current
        else:
            if current and current.effective_state(today) in live:
                state.set_state(current.id, OBSOLETE)
            right = state.new_right(client_id, pce, fields)
        return single({"code_statut_traitement": OK, "message_retour_traitement": SUCCESS,
                       "id_droit_acces": right.id})

    @app.put(API + "/droit_acces/{right_id}/preuves")
    async def proofs(right_id: str, request: Request) -> Response:
        right = state.rights.get(right_id)
        if right is None or right.client_id != request.state.client_id:
            return failure(404, "3000000002", f"droit d'accès {right_id} inconnu")
        if not request.headers.get("content-type", "").startswith("multipart/form-data"):
            return bad_request("multipart/form-data attendu")
        form = await request.form()
        unknown = sorted(set(form) - {"preuves"})
        if unknown:
            return bad_request("partie(s) inconnue(s) : " + ", ".join(unknown))
        files = [f for f in form.getlist("preuves") if hasattr(f, "filename")]
        if not files:
            return bad_request("au moins un fichier 'preuves' est attendu (multipart)")
        for upload in files:
            content = await upload.read()
            if upload.content_type not in ("application/pdf", "image/png", "image/jpeg"):
                return bad_request(f"type de fichier refusé : {upload.content_type}")
            right.proofs.append({"nom": upload.filename, "taille": len(content)})
        right.proof_status = PROOF_CHECKING
        return ndjson([])

    @app.patch(API + "/droit_acces/{right_id}")
    async def revoke(right_id: str, request: Request) -> Response:
        right = state.rights.get(right_id)
        if right is None or right.client_id != request.state.client_id:
            return failure(404, "3000000002", f"droit d'accès {right_id} inconnu")
        refused = _unexpected_params(request, ())
        if refused:
            return refused
        # lowatt-grdf's revoke_acces sends PATCH without a body: anything else is outside the spec
        if (await request.body()).strip():
            return bad_request("aucun corps attendu : PATCH /droit_acces/{id} révoque le droit")
        current = right.effective_state(state.today())
        if current not in live:
            return failure(409, "2000000004", f"transition impossible depuis l'état {current}")
        state.set_state(right_id, REVOKED, source="TIERS")
        return ndjson([])

    def listing(client_id: str, filters: dict[str, list[str]]) -> Response:
        today = state.today()
        lines = [r.as_line(today) for r in state.rights_of(client_id)]
        for name, wanted in filters.items():
            if wanted:
                lines = [line for line in lines if line[name] in wanted]
        return ndjson(lines)

    @app.get(API + "/droits_acces")
    async def list_get(request: Request) -> Response:
        return _unexpected_params(request, ()) or listing(request.state.client_id, {})

    @app.post(API + "/droits_acces")
    async def list_post(request: Request) -> Response:
        body, refused = await _json_object(request, required=False)
        if refused:
            return refused
        unknown = sorted(set(body) - set(LISTING_FILTERS))
        if unknown:
            return bad_request("filtre(s) inconnu(s) : " + ", ".join(unknown))
        filters: dict[str, list[str]] = {}
        for name in LISTING_FILTERS:
            value = body.get(name)
            if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
                return bad_request(f"{name} : liste de chaînes attendue")
            filters[name] = list(value or [])
        if any(not PCE_FORMAT.match(p) for p in filters["id_pce"]):
            return bad_request("id_pce invalide dans le filtre")
        for name, allowed in (("etat_droit_acces", STATES), ("statut_controle_preuve", PROOF_STATUSES),
                              ("role_tiers", ROLES)):
            wrong = [v for v in filters[name] if v not in allowed]
            if wrong:
                return bad_request(f"{name} : valeur(s) inconnue(s) {wrong}")
        return listing(request.state.client_id, filters)


def _check_right(state: SandboxState, client_id: str, pce: str, resource: str) -> Response | None:
    if not PCE_FORMAT.match(pce):
        return bad_request(f"id_pce {pce!r} invalide")
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
        refused = _unexpected_params(request, ("date_debut", "date_fin"))
        if refused:
            return refused
        q = request.query_params
        try:
            start, end = date.fromisoformat(q["date_debut"]), date.fromisoformat(q["date_fin"])
            if len(q["date_debut"]) != 10 or len(q["date_fin"]) != 10:
                raise ValueError
        except (KeyError, ValueError):
            return bad_request("date_debut et date_fin (AAAA-MM-JJ) sont obligatoires")
        refused = _check_right(state, request.state.client_id, pce, resource)
        if refused:
            return refused
        if end <= start:
            return bad_request("date_fin doit être postérieure à date_debut")
        today = state.today()
        if end > today:  # staging-api-requests.md: "Date de fin supérieure à la date du jour" is refused
            return failure(400, "2000000003", "date_fin postérieure à la date du jour")
        limit = years_before(today, HISTORY_YEARS[resource])
        if start < limit:
            return failure(400, "2000000002", f"date_debut antérieure à la profondeur d'historique "
                           f"({HISTORY_YEARS[resource]} ans) : pas avant le {limit.isoformat()}")
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
        refused = _unexpected_params(request, ()) or \
            _check_right(state, request.state.client_id, pce, "contractuelles")
        return refused or single(resources.contractual(pce, state.today()))

    @app.get(API + "/pce/{pce}/donnees_techniques")
    async def technical(pce: str, request: Request) -> Response:
        refused = _unexpected_params(request, ()) or \
            _check_right(state, request.state.client_id, pce, "techniques")
        return refused or single(resources.technical(pce))


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
