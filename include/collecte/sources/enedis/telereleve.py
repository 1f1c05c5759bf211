"""Télé-relève through SGE: activate curve recording, subscribe recurring transmission, order M023 history,
then pick up the M023 result files from the operator's SFTP drop.

    orders = activate_meter(sge, conn, prm, consent, today=day)          # F300C (curve) + F305 (index, max power)
    affaires = order_history(sge, conn, prm, first, end, consent, step_minutes=30)
    names = ready_files(sftp, remote_dir, affaires)                       # what has arrived
    refs = pick_up(sftp, zone, conn, remote_dir, names, received=day)     # land, record, move to processed/

`sftp` is a paramiko SFTPClient (SFTPHook(...).get_conn() in a task). Orders are kept in `sge_order`,
so a rerun does not order twice and the sensor knows which files to wait for.
"""

from __future__ import annotations

import json
import posixpath
import re
from datetime import date, timedelta
from typing import Any

from collecte.sources.enedis.sge import SgeClient, m023_spans

M023_NAME = re.compile(r"^ENEDIS_M023_(?P<affaire>[A-Za-z0-9]+)_(?P<prm>\d{14})_.*\.csv$")
PROCESSED = "processed"


def _record(conn: Any, affaire: str, prm: str, kind: str, prestation: str | None, service: str | None,
            first: date | None, last: date | None, status: str) -> None:
    conn.execute(
        "INSERT INTO sge_order (affaire_id, meter_id, order_kind, prestation, service_souscrit_id, first_day,"
        " last_day, status) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (affaire_id) DO NOTHING",
        (affaire, prm, kind, prestation, service, first, last, status))


def active_orders(conn: Any, prm: str, kind: str) -> list[str]:
    """Affaire ids of this meter's orders of `kind` that are not stopped or failed."""
    rows = conn.execute("SELECT affaire_id FROM sge_order WHERE meter_id = %s AND order_kind = %s"
                        " AND status NOT IN ('STOPPED', 'FAILED') ORDER BY affaire_id", (prm, kind)).fetchall()
    return [r[0] for r in rows]


def activate_meter(sge: SgeClient, conn: Any, prm: str, consent: dict[str, Any], *, today: date,
                   years: int = 3, step: str = "PT30M") -> dict[str, str]:
    """Activate curve recording with recurring transmission (F300C) and daily index + max power (F305).

    Idempotent: a meter with an active subscription of a kind is not ordered again. Returns kind -> affaire.
    """
    placed: dict[str, str] = {}
    last = today + timedelta(days=365 * years)
    for kind, order_kind in (("CDC", "ACTIVATION_COURBE"), ("IDX", "SOUSCRIPTION_INDEX")):
        existing = active_orders(conn, prm, order_kind)
        if existing:
            placed[kind] = existing[0]
            continue
        order = sge.subscribe(prm, kind=kind, first=today, last=last, consent=consent, step=step)
        _record(conn, order["affaireId"], prm, order_kind, order["prestation"], order["serviceSouscritId"],
                today, last, "ACTIVE")
        placed[kind] = order["affaireId"]
    return placed


def order_history(sge: SgeClient, conn: Any, prm: str, first: date, end: date, consent: dict[str, Any], *,
                  step_minutes: int = 30) -> list[str]:
    """M023 curve history over [first, end), in orders of at most 10,000 points; affaire ids (old ones reused)."""
    rows = conn.execute("SELECT affaire_id, first_day, last_day FROM sge_order WHERE meter_id = %s"
                        " AND order_kind = 'M023' AND status NOT IN ('FAILED')", (prm,)).fetchall()
    known = {(f, last): a for a, f, last in rows}
    affaires = []
    for start, stop in m023_spans(first, end, step_minutes):
        span = (start, stop - timedelta(days=1))
        if span in known:
            affaires.append(known[span])
            continue
        affaire = sge.order_history([prm], start, stop, consent=consent)
        _record(conn, affaire, prm, "M023", "M023", None, span[0], span[1], "ORDERED")
        affaires.append(affaire)
    return affaires


def pending_history(conn: Any, prms: list[str] | None = None) -> list[str]:
    """M023 orders whose files have not been picked up yet."""
    rows = conn.execute("SELECT affaire_id FROM sge_order WHERE order_kind = 'M023' AND status = 'ORDERED'"
                        " AND (%s::text[] IS NULL OR meter_id = ANY(%s)) ORDER BY affaire_id", (prms, prms)).fetchall()
    return [r[0] for r in rows]


def ready_files(sftp: Any, remote_dir: str, affaires: list[str]) -> list[str]:
    """Names of result files in `remote_dir` belonging to `affaires` (partial `.part` files ignored)."""
    wanted = set(affaires)
    try:
        names = sftp.listdir(remote_dir)
    except FileNotFoundError:
        return []
    found = []
    for name in sorted(names):
        match = M023_NAME.match(name)
        if match and match["affaire"] in wanted:
            found.append(name)
    return found


def pick_up(sftp: Any, zone: Any, conn: Any, remote_dir: str, names: list[str], *, received: date) -> list[dict]:
    """Land each result file in the raw zone, mark its order DELIVERED, move it to `processed/`."""
    refs = []
    processed = posixpath.join(remote_dir, PROCESSED)
    try:
        sftp.stat(processed)
    except FileNotFoundError:
        sftp.mkdir(processed)
    for name in names:
        match = M023_NAME.match(name)
        if not match:
            continue
        path = posixpath.join(remote_dir, name)
        with sftp.open(path, "rb") as handle:
            content = handle.read()
        landed = zone.land(content, source="enedis", kind="m023_curve", account=match["prm"], received=received,
                           ext="csv", original_name=name, origin=f"sftp:{path}",
                           extra_metadata={"affaire": match["affaire"]})
        refs.append({"key": landed.key, "kind": "m023_curve", "account": match["prm"], "created": landed.created})
        with conn.transaction():
            conn.execute("UPDATE sge_order SET status = 'DELIVERED', updated_at = now(),"
                         " result_files = result_files || %s::jsonb WHERE affaire_id = %s",
                         (json.dumps([{"name": name, "raw_key": landed.key}]), match["affaire"]))
            conn.execute("INSERT INTO file_status (source, kind, remote_path, file_name, sha256, raw_key, status)"
                         " VALUES ('enedis', 'm023_curve', %s, %s, %s, %s, 'landed')"
                         " ON CONFLICT (source, file_name) DO NOTHING",
                         (path, name, landed.sha256, landed.key))
        sftp.rename(path, posixpath.join(processed, name))
    return refs
