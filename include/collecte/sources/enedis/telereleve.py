"""Télé-relève through SGE: activate curve recording, subscribe recurring transmission, order M023 history,
then land the M023 result files through the SFTP drop landing (file-age and size-stability guards).

    orders = activate_meter(sge, conn, prm, consent, today=day)          # F300C (curve) + F305 (index, max power)
    affaires = order_history(sge, conn, prm, first, end, step_minutes=30)
    names = ready_files(sftp, remote_dir, affaires)                       # what has arrived
    report = land_m023(sftp, zone, conn, remote_dir=..., conn_id=..., received=day, now=time.time())

`sftp` is a paramiko SFTPClient (SFTPHook(...).get_conn() in a task). Orders are kept in `sge_order`,
so a rerun does not order twice and the sensor knows which files to wait for.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import date, timedelta
from typing import Any

from collecte.sources.enedis.errors import RequestRejected
from collecte.sources.enedis.sge.client import SgeClient, m023_spans
from collecte.sources.enedis.sge.codes import PERIOD_TOO_LONG
from collecte.sources.enedis.sge.documents import Consent

log = logging.getLogger(__name__)

# M023 results: R63 (curves) ENEDIS_R63_P_CdC_<affaire>_<seq:5>_<yyyymmddHHMMSS>.zip, R67 (billing
# measures) ENEDIS_R67_P_<type>_… (docs/M023.md). The name carries the order (affaire), not the PRM:
# the PRM comes from sge_order, then from the content.
M023_NAME = re.compile(r"^ENEDIS_(?P<flux>R63|R67)_(?P<mode>[A-Z])_(?P<kind>[A-Za-z]+)_(?P<affaire>[0-9A-Z]{1,8})_"
                       r"(?P<seq>\d{5})_(?P<stamp>\d{14})\.(?:zip|csv|json)$", re.IGNORECASE)
M023_KIND = "m023_curve"
M023_BILLING_KIND = "m023_billing"
M023_PATTERN = "ENEDIS_R63_*"
M023_BILLING_PATTERN = "ENEDIS_R67_*"
M023_ORDER_KINDS = ("M023", "M023_FACT")  # fine measures (curves), billing measures
SUBSCRIPTION_DAYS = 365  # SGT4H4: an access order lasts at most one year (renewed by the next order)
RENEWAL_MARGIN_DAYS = 30  # renew subscriptions ending within this many days
SUBSCRIPTION_KINDS = (("CDC", "ACTIVATION_COURBE"), ("IDX", "SOUSCRIPTION_INDEX"))


def _record(conn: Any, affaire: str, prm: str, kind: str, prestation: str | None, service: str | None,
            first: date | None, last: date | None, status: str) -> None:
    conn.execute(
        "INSERT INTO sge_order (affaire_id, meter_id, order_kind, prestation, service_souscrit_id, first_day,"
        " last_day, status) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (affaire_id) DO NOTHING",
        (affaire, prm, kind, prestation, service, first, last, status))


def active_orders(conn: Any, prm: str, kind: str, *, on: date | None = None) -> list[str]:
    """Affaire ids of this meter's live orders of `kind` (not stopped, failed, renewed or expired;
    with `on`, not ended by that day), the latest ending first."""
    rows = conn.execute("SELECT affaire_id FROM sge_order WHERE meter_id = %s AND order_kind = %s"
                        " AND status NOT IN ('STOPPED', 'FAILED', 'RENEWED', 'EXPIRED')"
                        " AND (%s::date IS NULL OR last_day IS NULL OR last_day > %s::date)"
                        " ORDER BY last_day DESC NULLS FIRST, affaire_id", (prm, kind, on, on)).fetchall()
    return [r[0] for r in rows]


def activate_meter(sge: SgeClient, conn: Any, prm: str, consent: Consent | dict[str, Any], *, today: date,
                   until: date | None = None, step: str | None = None) -> dict[str, str]:
    """Activate curve recording with recurring transmission (F300C) and daily index + max power (F305).

    Idempotent: a meter with an active subscription of a kind is not ordered again. The order runs
    one year at most (and not past `until`, the mandate's end). Returns kind -> affaire.
    """
    consent = consent if isinstance(consent, Consent) else Consent.from_fields(consent)
    last = today + timedelta(days=SUBSCRIPTION_DAYS)
    last = min(last, until) if until else last
    placed: dict[str, str] = {}
    for kind, order_kind in SUBSCRIPTION_KINDS:
        existing = active_orders(conn, prm, order_kind, on=today)
        if existing:
            placed[kind] = existing[0]
            continue
        order = sge.subscribe(prm, kind=kind, first=today, last=last, consent=consent,
                              step=step if kind == "CDC" else None)
        fiche = order["prestations"][0]["fiche"] if order["prestations"] else None
        _record(conn, order["affaireId"], prm, order_kind, fiche, order["serviceSouscritId"], today, last, "ACTIVE")
        placed[kind] = order["affaireId"]
    return placed


def expire_lapsed(conn: Any, today: date) -> int:
    """Mark EXPIRED the subscriptions that reached their end without renewal; how many."""
    kinds = [k for _, k in SUBSCRIPTION_KINDS]
    return conn.execute("UPDATE sge_order SET status = 'EXPIRED', updated_at = now() WHERE status = 'ACTIVE'"
                        " AND order_kind = ANY(%s) AND last_day <= %s", (kinds, today)).rowcount


def due_renewals(conn: Any, today: date, margin_days: int = RENEWAL_MARGIN_DAYS,
                 prms: list[str] | None = None) -> list[str]:
    """PRMs with a live subscription ending within `margin_days` (after today), sorted."""
    kinds = [k for _, k in SUBSCRIPTION_KINDS]
    rows = conn.execute("SELECT DISTINCT meter_id FROM sge_order WHERE status = 'ACTIVE' AND order_kind = ANY(%s)"
                        " AND last_day > %s AND last_day <= %s AND (%s::text[] IS NULL OR meter_id = ANY(%s))"
                        " ORDER BY meter_id", (kinds, today, today + timedelta(days=margin_days), prms, prms))
    return [r[0] for r in rows.fetchall()]


def renew_meter(sge: SgeClient, conn: Any, prm: str, consent: Consent | dict[str, Any], *, today: date,
                until: date | None = None, margin_days: int = RENEWAL_MARGIN_DAYS) -> dict[str, dict[str, Any]]:
    """Renew this meter's subscriptions that end within `margin_days`, never past `until` (the mandate's end).

    A renewal is the same CommandeCollectePublicationMesures order again (objet AME) for the same
    kind, starting today and ending later than the live one, one year at most (lowatt-enedis
    `subscribe --to`: "supérieure à la date de fin précédente lors d'un renouvellement"). The new
    order is recorded ACTIVE, the old one RENEWED with `renewed_by`, so a rerun renews nothing
    twice. A subscription the mandate does not let run longer is left to end (outcome `mandate_ends`);
    one Enedis no longer lists as live is marked EXPIRED; one Enedis lists as ending later than
    recorded (renewed, but the answer never reached collecte) gets that end, and no new order.
    Returns kind -> outcome.
    """
    consent = consent if isinstance(consent, Consent) else Consent.from_fields(consent)
    horizon = today + timedelta(days=margin_days)
    outcomes: dict[str, dict[str, Any]] = {}
    live_at_enedis: list[dict[str, Any]] | None = None
    for kind, order_kind in SUBSCRIPTION_KINDS:
        row = conn.execute("SELECT affaire_id, last_day, service_souscrit_id FROM sge_order WHERE meter_id = %s"
                           " AND order_kind = %s AND status = 'ACTIVE' AND last_day > %s AND last_day <= %s"
                           " ORDER BY last_day DESC LIMIT 1", (prm, order_kind, today, horizon)).fetchone()
        if row is None:
            continue
        affaire, old_last, service_id = row
        last = min(today + timedelta(days=SUBSCRIPTION_DAYS), until) if until else today + timedelta(
            days=SUBSCRIPTION_DAYS)
        if last <= old_last:
            outcomes[kind] = {"outcome": "mandate_ends", "affaire": affaire, "last_day": old_last.isoformat()}
            continue
        if live_at_enedis is None:
            live_at_enedis = sge.services(prm)
        service = next((s for s in live_at_enedis if s.get("serviceSouscritId") == service_id), None)
        if service is None or str(service.get("etatCode") or "").upper() != "ACTIF":
            conn.execute("UPDATE sge_order SET status = 'EXPIRED', updated_at = now() WHERE affaire_id = %s",
                         (affaire,))
            outcomes[kind] = {"outcome": "not_live_at_enedis", "affaire": affaire}
            continue
        listed_end = date.fromisoformat(str(service.get("dateFin"))[:10]) if service.get("dateFin") else None
        if listed_end and listed_end > old_last:  # renewed already (an answer lost, or through the portal)
            conn.execute("UPDATE sge_order SET last_day = %s, updated_at = now() WHERE affaire_id = %s",
                         (listed_end, affaire))
            outcomes[kind] = {"outcome": "already_renewed_at_enedis", "affaire": affaire,
                              "last_day": listed_end.isoformat()}
            continue
        order = sge.subscribe(prm, kind=kind, first=today, last=last, consent=consent,
                              step=service.get("mesuresPas") if kind == "CDC" else None)
        fiche = order["prestations"][0]["fiche"] if order["prestations"] else None
        with conn.transaction():
            _record(conn, order["affaireId"], prm, order_kind, fiche, order["serviceSouscritId"] or service_id,
                    today, last, "ACTIVE")
            conn.execute("UPDATE sge_order SET status = 'RENEWED', renewed_by = %s, updated_at = now()"
                         " WHERE affaire_id = %s", (order["affaireId"], affaire))
        log.info("SGE %s %s renewed until %s by %s (was %s)", prm, kind, last, order["affaireId"], affaire)
        outcomes[kind] = {"outcome": "renewed", "affaire": order["affaireId"], "replaces": affaire,
                          "last_day": last.isoformat()}
    return outcomes


def _order_span(sge: SgeClient, prm: str, start: date, stop: date) -> list[tuple[str, date, date]]:
    """One M023 order, or two halves when SGE finds it too long (SGT4L8: a finer step than assumed)."""
    try:
        return [(sge.order_history([prm], start, stop), start, stop)]
    except RequestRejected as exc:
        if exc.code != PERIOD_TOO_LONG or (stop - start).days < 2:
            raise
        middle = start + timedelta(days=(stop - start).days // 2)
        log.info("M023 %s %s..%s refused as too long: ordering two halves", prm, start, stop)
        return _order_span(sge, prm, start, middle) + _order_span(sge, prm, middle, stop)


def order_history(sge: SgeClient, conn: Any, prm: str, first: date, end: date, consent: Any = None, *,
                  step_minutes: int = 30, billing: bool = False) -> list[str]:
    """M023 curve history over [first, end), in orders of at most 10,000 points; affaire ids (old ones reused).

    With `billing`, the billing measures (CommandeHistoriqueDonneesMesuresFacturantes, result R67) over
    [first, end) in one order, asked as JSON (the only R67 layout public sources show).
    The M023 schema has no consent declaration: the order's access frame is ACCORD_CLIENT, which the
    caller must back with a signed mandate (the DAG asks the consent gate first). `consent` is unused.
    """
    kind = "M023_FACT" if billing else "M023"
    rows = conn.execute("SELECT affaire_id, first_day, last_day FROM sge_order WHERE meter_id = %s"
                        " AND order_kind = %s AND status NOT IN ('FAILED')", (prm, kind)).fetchall()
    known = {(f, last): a for a, f, last in rows}
    if billing:
        span = (first, end - timedelta(days=1))
        if span not in known:
            affaire = sge.order_history([prm], first, end, billing=True, fmt="JSON")
            _record(conn, affaire, prm, kind, "M023", None, *span, "ORDERED")
            known[span] = affaire
        return [known[span]]
    affaires = []
    for start, stop in m023_spans(first, end, step_minutes):
        span = (start, stop - timedelta(days=1))
        if span in known:
            affaires.append(known[span])
            continue
        for affaire, part_start, part_stop in _order_span(sge, prm, start, stop):
            _record(conn, affaire, prm, "M023", "M023", None, part_start, part_stop - timedelta(days=1), "ORDERED")
            affaires.append(affaire)
    return affaires


def pending_history(conn: Any, prms: list[str] | None = None) -> list[str]:
    """M023 orders whose files have not been picked up yet."""
    rows = conn.execute("SELECT affaire_id FROM sge_order WHERE order_kind = ANY(%s) AND status = 'ORDERED'"
                        " AND (%s::text[] IS NULL OR meter_id = ANY(%s)) ORDER BY affaire_id",
                        (list(M023_ORDER_KINDS), prms, prms)).fetchall()
    return [r[0] for r in rows]


def ready_files(sftp: Any, remote_dir: str, affaires: list[str], *, min_age_seconds: int = 0,
                now: float | None = None, name_regex: re.Pattern[str] = M023_NAME) -> list[str]:
    """Names of result files in `remote_dir` belonging to `affaires`, old enough for the landing's age guard.

    `name_regex` (a group `affaire`) matches the result names; the default is R63's as published.
    """
    import time

    wanted = set(affaires)
    now = time.time() if now is None else now
    try:
        entries = sftp.listdir_attr(remote_dir)
    except FileNotFoundError:
        return []
    found = []
    for entry in sorted(entries, key=lambda e: e.filename):
        match = name_regex.match(entry.filename)
        if match and match["affaire"].upper() in wanted and now - (entry.st_mtime or 0) >= min_age_seconds:
            found.append(entry.filename)
    return found


def m023_road(conn_id: str, remote_dir: str, *, min_age_seconds: int = 60) -> Any:
    """The SFTP road of the M023 result files, for the drop landing (collecte.landing.drop)."""
    from collecte.config.models import RoadConfig

    return RoadConfig(type="sftp", conn_id=conn_id, remote_dir=remote_dir,
                      patterns={M023_KIND: M023_PATTERN, M023_BILLING_KIND: M023_BILLING_PATTERN},
                      min_age_seconds=min_age_seconds)


def order_meters(conn: Any) -> dict[str, str]:
    """Affaire id -> PRM of the M023 orders collecte placed (one PRM per order)."""
    rows = conn.execute("SELECT affaire_id, meter_id FROM sge_order WHERE order_kind = ANY(%s)",
                        (list(M023_ORDER_KINDS),)).fetchall()
    return {a.upper(): m for a, m in rows}


def land_m023(sftp: Any, zone: Any, conn: Any, *, remote_dir: str, conn_id: str, received: date, now: float,
              min_age_seconds: int = 60, gate: Any = None) -> list[dict[str, Any]]:
    """Land the complete M023 result files through the SFTP drop landing; mark their orders DELIVERED.

    The landing keeps its guards: files younger than `min_age_seconds` or still growing stay for the
    next pass, a file moves to `processed/` only once its object is verified in S3, file_status
    records each one, and files of PRMs the gate refuses stay on the server. A result's PRM is
    that of its order (the name carries the affaire only); a result of an order collecte did not
    place has account "unknown", which the gate refuses: it stays on the server.
    """
    from collecte.landing.drop import land_drop

    meters = order_meters(conn)

    def account_of(name: str) -> str | None:
        match = M023_NAME.match(name)
        return meters.get(match["affaire"].upper()) if match else None

    report = land_drop(sftp, zone, conn, source="enedis", road=m023_road(conn_id, remote_dir,
                                                                          min_age_seconds=min_age_seconds),
                       received=received, now=now, default_account="unknown", gate=gate, account_of=account_of)
    for item in report.landed:
        match = M023_NAME.match(item["name"])
        if match is None:
            continue
        with conn.transaction():
            conn.execute("UPDATE sge_order SET status = 'DELIVERED', updated_at = now(),"
                         " result_files = result_files || %s::jsonb WHERE affaire_id = %s AND order_kind = ANY(%s)",
                         (json.dumps([{"name": item["name"], "raw_key": item["key"]}]), match["affaire"].upper(),
                          list(M023_ORDER_KINDS)))
    return list(report.landed)


def load_m023(zone: Any, conn: Any, refs: list[dict[str, Any]], *, run_id: str | None = None,
              flows: Any = None) -> tuple[dict[str, Any], str | None]:
    """Parse, check (Great Expectations, before the load) and load landed M023 files, through the
    operator stage (`collecte.stages.metering.load_enedis`: one catalogue, one quarantine).
    `flows` (a `collecte.stages.sge_flows.FlowOptions`) decrypts archives encrypted on the SFTP drop.

    Returns (dataset -> counts, a sentence naming what was quarantined, or None).
    """
    from collecte.stages.metering import load_enedis

    result = load_enedis(zone, conn, refs, run_id=run_id, flows=flows)
    notice = None
    if result.quarantined or result.rejected_raw:
        notice = (f"QUARANTINED M023 records {result.quarantined} and files {result.rejected_raw}; see "
                  "quarantine_record, fix, then trigger reprocess_quarantine with the raw key")
    return result.datasets, notice
