"""Router of the operations pages: coverage, a day's raw objects, meter pages, statuses, evidence, gap collection."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from collecte.coverage import queries, svg
from collecte.coverage.calendar import (
    METER_KINDS,
    PARIS,
    DayState,
    MonthState,
    days_between,
    is_dst_change,
    last_due_day,
)
from collecte.web.auth import Actor, Permission, Personal, Viewer, caller_token, csrf_token, protect_form
from collecte.web.context import base, settings, warehouse
from collecte.web.operations.templates import render
from collecte.web.operations.trigger import GapRequest, trigger

router = APIRouter()
FIGURE_LIMIT = 50          # meters drawn with heatmaps per page; the others show counts only
DEFAULT_SPAN = timedelta(days=89)
OPERATOR_DAG = {"enedis": "collect_enedis", "grdf": "collect_grdf"}


def _page(request: Request, name: str, **ctx: Any) -> HTMLResponse:
    return HTMLResponse(render(name, prefix=base(request), **ctx))


def _now() -> datetime:
    return datetime.now(UTC)


def _day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError as exc:
        raise HTTPException(400, f"date invalide : {value!r}") from exc


def _runs(spans: list[date]) -> list[tuple[date, date]]:
    """Consecutive days grouped into (first, last) spans."""
    out: list[tuple[date, date]] = []
    for day in sorted(spans):
        if out and day == out[-1][1] + timedelta(days=1):
            out[-1] = (out[-1][0], day)
        else:
            out.append((day, day))
    return out


@router.get("/coverage", response_class=HTMLResponse)
def coverage(request: Request, staff: Viewer, organization: str | None = None, supplier: str | None = None,
             operator: str | None = None, kind: str | None = None, first: str | None = None,
             last: str | None = None, notice: str | None = None) -> HTMLResponse:
    """Organization -> site -> meters (day heatmaps per kind) and accounts (invoice months), filtered."""
    now = _now()
    end = _day(last, now.astimezone(PARIS).date() - timedelta(days=1))
    filters = queries.Filters(_day(first, end - DEFAULT_SPAN), end, organization or None, supplier or None,
                              operator or None, kind if kind in METER_KINDS else None)
    if filters.first > filters.last or (filters.last - filters.first).days > 3 * 366:
        raise HTTPException(400, "période invalide (au plus trois ans)")
    with warehouse(request) as conn:
        tree = queries.registry(conn, filters)
        meters = [m for o in tree for _, sites in o.entities.values() for s in sites for m in s.meters]
        accounts = [a for o in tree for _, sites in o.entities.values() for s in sites for a in s.accounts]
        queries.meter_summaries(conn, meters, filters, now)
        months = queries.account_months(conn, [(a.supplier, a.account_id) for a in accounts], filters.first,
                                        filters.last, now)
        heatmaps: dict[str, list[str]] = defaultdict(list)
        gaps: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for kind_def in filters.kinds():
            drawn = [m.meter_id for m in meters if m.operator == kind_def.operator][:FIGURE_LIMIT]
            if not drawn:
                continue
            held = queries.covered_minutes(conn, drawn, kind_def, filters.first, filters.last)
            walls = queries.history_walls(conn, drawn, kind_def)
            due = last_due_day(kind_def, now)
            for meter_id in drawn:
                states = queries.day_states(held.get(meter_id, {}), filters.first, filters.last, due_until=due,
                                            wall=walls.get(meter_id))
                links = {d: f"{base(request)}/meters/{meter_id}/days/{d.isoformat()}?kind={kind_def.name}"
                         for d in states}
                heatmaps[meter_id].append(svg.calendar_heatmap(states, title=kind_def.label, links=links))
                for a, b in _runs([d for d, s in states.items() if s in (DayState.MISSING, DayState.PARTIAL)]):
                    gaps[meter_id].append({"kind": kind_def.name, "first": a, "last": b})
        organizations = conn.execute("SELECT id, name FROM organization ORDER BY name").fetchall()
        suppliers = [r[0] for r in conn.execute("SELECT DISTINCT supplier FROM supplier_account ORDER BY 1")]
    for account in accounts:
        cells = months[(account.supplier, account.account_id)]
        account.summary.update(c["state"] for c in cells.values())
    month_grids = {(a.supplier, a.account_id): svg.month_grid(months[(a.supplier, a.account_id)],
                                                             title=f"Factures {a.supplier} {a.account_id}")
                   for a in accounts}
    account_gaps = {}
    for (sup, acc), cells in months.items():
        missing = [date.fromisoformat(m + "-01") for m, c in cells.items() if c["state"] == MonthState.MISSING]
        account_gaps[(sup, acc)] = [{"first": max(a, filters.first),
                                     "last": min((b.replace(day=28) + timedelta(days=4)).replace(day=1)
                                                 - timedelta(days=1), filters.last)}
                                    for a, b in _month_runs(missing)]
    return _page(request, "coverage", title="Couverture des données", f=filters, tree=tree, heatmaps=heatmaps,
                 gaps=gaps, month_grids=month_grids, account_gaps=account_gaps, organizations=organizations,
                 suppliers=suppliers, kinds=[(k.name, k.label) for k in METER_KINDS.values()],
                 legend_days=svg.legend([DayState.COMPLETE, DayState.PARTIAL, DayState.MISSING, DayState.NOT_DUE,
                                         DayState.NOT_COVERED]),
                 legend_months=svg.legend([MonthState.PRESENT, MonthState.NEEDS_REVIEW, MonthState.QUARANTINED,
                                           MonthState.MISSING, MonthState.NOT_DUE]),
                 truncated=len(meters) > FIGURE_LIMIT, limit=FIGURE_LIMIT, csrf=csrf_token(request, staff.subject),
                 can_act=staff.can(Permission.ACT), notice=notice)


def _month_runs(months: list[date]) -> list[tuple[date, date]]:
    out: list[tuple[date, date]] = []
    for month in sorted(months):
        previous = (month - timedelta(days=1)).replace(day=1)
        if out and out[-1][1] == previous:
            out[-1] = (out[-1][0], month)
        else:
            out.append((month, month))
    return out


@router.post("/coverage/collect", response_class=HTMLResponse)
def collect_gap(request: Request, staff: Actor, csrf_token: str = Form(""), first: str = Form(...),
                last: str = Form(...), meter_id: str | None = Form(None), kind: str | None = Form(None),
                supplier: str | None = Form(None)) -> HTMLResponse:
    """Trigger the DAG that collects a gap (as the caller, through Airflow's REST API); link to the run."""
    protect_form(request, staff.subject, csrf_token)
    gap = GapRequest(_day(first, date.min), _day(last, date.min), meter_id or None, kind or None, supplier or None)
    if gap.first > gap.last:
        raise HTTPException(400, "période invalide")
    try:
        dag_id, conf = gap.dag_and_conf()
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
    root = f"{request.url.scheme}://{request.url.netloc}"
    try:
        run_id = trigger(root, caller_token(request) or "", dag_id, conf)
    except PermissionError as exc:
        raise HTTPException(403, str(exc)) from exc
    link = f'<a id="triggered-run" href="/dags/{dag_id}/runs/{quote(run_id)}">{dag_id} / {run_id}</a>'
    return coverage(request, staff, notice=f"Collecte déclenchée : {link}", first=first, last=last,
                    operator=METER_KINDS[kind].operator if kind in METER_KINDS else None,
                    supplier=supplier or None)


@router.get("/meters/{meter_id}/days/{day}", response_class=HTMLResponse)
def meter_day(request: Request, staff: Viewer, meter_id: str, day: str, kind: str = "daily_energy") -> HTMLResponse:
    """Drill-down: the raw objects behind one meter-day, and the Airflow runs that fetched them."""
    if kind not in METER_KINDS:
        raise HTTPException(400, "donnée inconnue")
    when = _day(day, date.min)
    with warehouse(request) as conn:
        state = queries.meter_days(conn, meter_id, kind, when, when, _now())[when]
        keys = queries.raw_objects_of_day(conn, meter_id, kind, when)
        gaps = [g for g in queries.meter_gaps(conn, meter_id, when, when)]
    zone = settings(request).zone
    dag_id = OPERATOR_DAG[METER_KINDS[kind].operator]
    objects = []
    for key in keys:
        try:
            meta = zone.metadata(key)
        except Exception:  # an object purged by retention: the row's key is still shown
            meta = {}
        run_id = meta.get("airflow-run-id")
        objects.append({"key": key, "fetched": meta.get("fetched-at"), "run_id": run_id,
                        "dag_id": meta.get("airflow-dag-id", dag_id),
                        "run_url": f"/dags/{meta.get('airflow-dag-id', dag_id)}/runs/{quote(run_id or '')}",
                        "runs_url": f"/dags/{dag_id}/runs"})
    return _page(request, "day", title=f"{meter_id} — {when}", meter_id=meter_id, kind=kind, day=when,
                 state=state, objects=objects, gaps=gaps)


@router.get("/meters/{meter_id}", response_class=HTMLResponse)
def meter_page(request: Request, staff: Viewer, meter_id: str, range: str = Query("week", pattern="^(day|week|month)$"),
               day: str | None = None) -> HTMLResponse:
    """The load curve over a day, week or month (DST days marked), daily energy and max power against the
    subscribed power, and twelve months of coverage per kind."""
    now = _now()
    anchor = _day(day, now.astimezone(PARIS).date() - timedelta(days=1))
    span = {"day": 0, "week": 6, "month": 29}[range]
    first, last = anchor - timedelta(days=span), anchor
    with warehouse(request) as conn:
        found = conn.execute("SELECT operator FROM meter WHERE id = %s", (meter_id,)).fetchone()
        if found is None:
            raise HTTPException(404, f"compteur inconnu : {meter_id}")
        series = queries.meter_series(conn, meter_id, first, last)
        year = {k.name: queries.meter_days(conn, meter_id, k.name, anchor - timedelta(days=364), anchor, now)
                for k in METER_KINDS.values() if k.operator == found[0]}
    marks = [datetime.combine(d, datetime.min.time(), PARIS) + timedelta(hours=3)
             for d in days_between(first, last) if is_dst_change(d)]
    subscribed_va = series.subscribed_kva * 1000 if series.subscribed_kva else None
    window = (datetime.combine(first, datetime.min.time(), PARIS),
              datetime.combine(last + timedelta(days=1), datetime.min.time(), PARIS))
    figures = [
        svg.line_plot(series.curve, title="Courbe de charge (puissance moyenne)", unit="W", marks=marks, span=window,
                      reference=subscribed_va, reference_label=f"puissance souscrite {series.subscribed_kva or ''} kVA"),
        svg.bar_plot(series.daily_energy, title="Énergie quotidienne", unit="Wh", days=(first, last)),
        svg.bar_plot(series.max_power, title="Puissance maximale atteinte par jour", unit="VA", days=(first, last),
                     reference=subscribed_va, reference_label=f"souscrite {series.subscribed_kva or ''} kVA"),
    ]
    heatmaps = [svg.calendar_heatmap(states, title=METER_KINDS[k].label,
                                     links={d: f"{base(request)}/meters/{meter_id}/days/{d}?kind={k}" for d in states})
                for k, states in year.items()]
    return _page(request, "meter", title=f"Compteur {meter_id}", operator=found[0], day=anchor, range=range,
                 first=first, last=last, prev=anchor - timedelta(days=span + 1),
                 next=anchor + timedelta(days=span + 1), figures=figures, heatmaps=heatmaps)


@router.get("/status", response_class=HTMLResponse)
def statuses(request: Request, staff: Viewer) -> HTMLResponse:
    """Per supplier account and per meter: last success, current problem, since when, evidence, action."""
    from collecte.alerts.detect import ACCOUNT_FINE, ACTIONS, METER_FINE

    with warehouse(request) as conn:
        accounts = [{
            "source": s, "account_id": a, "road": road, "status": st, "message": msg, "last_success": ok, "evidence": [],
            "evidence_key": ev, "problem": st not in ACCOUNT_FINE, "action": ACTIONS.get(st, ""),
            "since": since if st not in ACCOUNT_FINE else None,
        } for s, a, road, st, msg, ok, ev, since in conn.execute(
            """SELECT s.source, s.account_id, s.road, s.status, s.message, s.last_success, s.evidence_key,
                      (SELECT min(t.attempted_at) FROM account_attempt t WHERE t.source = s.source
                          AND t.account_id = s.account_id AND t.road = s.road AND t.attempted_at > coalesce(s.last_success, '-infinity')
                          AND t.status = s.status)
                 FROM account_status s ORDER BY (s.status IN ('OK', 'NO_NEW_DOCUMENTS')), s.source, s.account_id, s.road""")]
        meters = [{
            "operator": op, "meter_id": m, "kind": k, "status": st, "message": msg, "last_success": ok,
            "not_before": nb, "problem": st not in METER_FINE, "action": ACTIONS.get(st, ""),
            "since": since if st not in METER_FINE else None,
        } for op, m, k, st, msg, ok, nb, since in conn.execute(
            """SELECT s.operator, s.meter_id, s.data_kind, s.status, s.message, s.last_success, s.not_before,
                      (SELECT min(i.opened_at) FROM incident i WHERE i.closed_at IS NULL AND i.kind = 'meter_problem'
                          AND i.subject = s.operator || '/' || s.meter_id || '/' || s.data_kind || '/' || s.status)
                 FROM meter_status s ORDER BY (s.status IN ('OK', 'HISTORY_WALL', 'NO_DATA')), s.operator, s.meter_id,
                      s.data_kind""")]
        layouts = conn.execute(
            "SELECT supplier, unread_invoices, last_seen, latest_changes FROM invoice_layout_status "
            "ORDER BY supplier").fetchall()
    zone = settings(request).zone
    for account in accounts:
        if account["evidence_key"] and account["problem"]:
            try:
                account["evidence"] = zone.keys(account["evidence_key"])[:4]
            except Exception:
                account["evidence"] = []
    return _page(request, "status", title="Statuts des comptes et des compteurs", accounts=accounts, meters=meters,
                 layouts=layouts)


@router.get("/evidence")
def evidence(request: Request, staff: Personal, key: str) -> Response:
    """A failure's screenshot or HTML (debug/ prefix only; it may show a customer's page: PERSONAL)."""
    if not key.startswith("debug/") or ".." in key:
        raise HTTPException(404, "preuve inconnue")
    try:
        content = settings(request).zone.get(key)
    except Exception as exc:
        raise HTTPException(404, "preuve introuvable") from exc
    media = "image/png" if key.endswith(".png") else "text/plain; charset=utf-8"
    # HTML evidence is served as text: a captured page must never run in the UI's origin
    return Response(content, media_type=media, headers={"Content-Disposition": "inline",
                                                        "X-Content-Type-Options": "nosniff"})
