"""The `telereleve` DAG: put newly covered meters under remote reading.

    select_new_meters -> activate_and_order (mapped, pool enedis) -> wait_for_m023 (sensor) -> pick_up_m023
    select_new_pces   -> declare_gas_access (mapped, pool grdf)

Electricity: for each PRM the consent gate allows for "telereleve" and that has no curve activation
yet, SGE orders load-curve recording with recurring transmission (F300C) and daily index + max power
(F305), then an M023 history order (result files arrive later on the SFTP drop). The sensor runs in
reschedule mode (no worker slot held while waiting); the files are landed in the raw zone, loaded
into `load_curve`, and moved to `processed/`. Every SGE order carries the consent of the meter's
signed mandate. Gas: for each PCE allowed, the GRDF access right is declared from the mandate
(GRDF then asks the holder to accept it; collect_grdf starts once it is Active).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, get_current_context, task

from collecte.dags.runtime import default_args
from collecte.sources.enedis.config import OperatorConfig, load_enedis


def _today() -> Any:
    from collecte.dags.interval import PARIS

    return datetime.now(PARIS).date()


@task
def select_new_meters() -> list[dict[str, Any]]:
    """PRMs allowed for télé-relève that have no curve activation order yet."""
    import logging

    from collecte.consent.gate import collectable_meters
    from collecte.dags.runtime import warehouse_url
    from collecte.sources.enedis.status import record_status
    from collecte.sources.enedis.telereleve import active_orders
    from collecte.warehouse.db import connect

    log = logging.getLogger("collecte.enedis")
    config = load_enedis()
    wanted = get_current_context()["params"].get("meters") or [m.id for m in config.meters]
    candidates = [m for m in wanted if m.isdigit() and len(m) == 14]
    with connect(warehouse_url(), autocommit=True) as conn:
        decision = collectable_meters(conn, operator="enedis", data_kind="telereleve", on=_today(),
                                      candidates=candidates)
        for prm, reason in decision.refused.items():
            log.warning("consent gate: no télé-relève for Enedis %s: %s", prm, reason)
            record_status(conn, prm, "telereleve", "NO_CONSENT", f"consent gate: {reason}")
        new = [p for p in decision.allowed if not active_orders(conn, p, "ACTIVATION_COURBE")]
    log.info("télé-relève: %d new PRM(s) of %d allowed", len(new), len(decision.allowed))
    return [{"id": p} for p in new]


@task(map_index_template="{{ meter_id }}")
def activate_and_order(meter: dict[str, Any]) -> dict[str, Any]:
    """SGE: activate the curve + subscribe transmission, then order M023 history (consent from the mandate)."""
    from collecte.consent.mandates import mandate_for_meter
    from collecte.consent.operator_fields import sge_consent_fields
    from collecte.dags.runtime import warehouse_url
    from collecte.sources.enedis.sge import SgeClient
    from collecte.sources.enedis.status import record_status
    from collecte.sources.enedis.telereleve import activate_meter, order_history
    from collecte.warehouse.db import connect

    context = get_current_context()
    prm = meter["id"]
    context["meter_id"] = prm
    days = int(context["params"].get("history_days") or 365)
    today = _today()
    config = load_enedis()
    with connect(warehouse_url(), autocommit=True) as conn, SgeClient.from_connection(config.sge_conn_id) as sge:
        mandate = mandate_for_meter(conn, "enedis", prm, today)
        if mandate is None:
            record_status(conn, prm, "telereleve", "NO_CONSENT", "no signed mandate in force")
            return {"id": prm, "affaires": []}
        consent = sge_consent_fields(mandate, today)
        technical = sge.technical_data(prm)
        step = ((technical.get("situationComptage") or {}).get("pasCourbe")) or "PT30M"
        minutes = int(step[2:-1]) if step.endswith("M") else 60
        activations = activate_meter(sge, conn, prm, consent, today=today, step=step)
        affaires = order_history(sge, conn, prm, today - timedelta(days=days), today, consent, step_minutes=minutes)
        record_status(conn, prm, "telereleve", "OK", f"activated {activations}, M023 {affaires}")
    return {"id": prm, "affaires": affaires}


@task.sensor(poke_interval=300, timeout=int(timedelta(days=3).total_seconds()), mode="reschedule")
def wait_for_m023(ordered: list[dict[str, Any]]) -> Any:
    """Wait until every pending M023 order has its result file on the SFTP drop; the file names go to XCom."""
    from airflow.providers.sftp.hooks.sftp import SFTPHook
    from airflow.sdk import PokeReturnValue

    from collecte.dags.runtime import SFTP_CONN_ID, warehouse_url
    from collecte.sources.enedis.telereleve import pending_history, ready_files
    from collecte.warehouse.db import connect

    config = load_enedis()
    prms = [o["id"] for o in ordered or []] or None
    with connect(warehouse_url(), autocommit=True) as conn:
        pending = pending_history(conn, prms)
    if not pending:
        return PokeReturnValue(is_done=True, xcom_value=[])
    with SFTPHook(ssh_conn_id=config.sftp_conn_id or SFTP_CONN_ID).get_managed_conn() as sftp:
        names = ready_files(sftp, config.m023_remote_dir, pending)
    arrived = {n.split("_")[2] for n in names}
    return PokeReturnValue(is_done=arrived >= set(pending), xcom_value=names)


@task
def pick_up_m023(names: list[str]) -> dict[str, Any]:
    """Land the M023 files, load their curves, move them to processed/."""
    from airflow.providers.sftp.hooks.sftp import SFTPHook

    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.metering.ingest import ingest_raw
    from collecte.sources.enedis.telereleve import pick_up
    from collecte.warehouse.db import connect

    config = load_enedis()
    zone = raw_zone()
    with connect(warehouse_url(), autocommit=True) as conn, \
            SFTPHook(ssh_conn_id=config.sftp_conn_id).get_managed_conn() as sftp:
        refs = pick_up(sftp, zone, conn, config.m023_remote_dir, names or [], received=_today())
        counts = ingest_raw(zone, conn, refs)
    return {"files": len(refs), "datasets": counts}


@task
def select_new_pces() -> list[str]:
    """PCEs allowed for télé-relève (their GRDF access right is declared, idempotently)."""
    from collecte.consent.gate import collectable_meters
    from collecte.dags.runtime import warehouse_url
    from collecte.sources.grdf.config import load_grdf_config
    from collecte.warehouse.db import connect

    wanted = get_current_context()["params"].get("meters") or [m.id for m in load_grdf_config().meters]
    candidates = [m for m in wanted if not (m.isdigit() and len(m) == 14 and m.startswith("3"))]
    with connect(warehouse_url(), autocommit=True) as conn:
        decision = collectable_meters(conn, operator="grdf", data_kind="telereleve", on=_today(),
                                      candidates=candidates)
    decision.log_refusals(what="GRDF access right for")
    return decision.allowed


@task(map_index_template="{{ meter_id }}")
def declare_gas_access(pce: str) -> dict[str, Any]:
    """Declare the GRDF access right of one PCE from its signed mandate (collecte.sources.grdf)."""
    from collecte.consent.mandates import mandate_for_meter
    from collecte.consent.operator_fields import adict_access_right_fields
    from collecte.dags.runtime import warehouse_url
    from collecte.sources.grdf import AdictClient, declare_access_right
    from collecte.sources.grdf.config import load_grdf_config
    from collecte.warehouse.db import connect

    get_current_context()["meter_id"] = pce
    with connect(warehouse_url(), autocommit=True) as conn:
        mandate = mandate_for_meter(conn, "grdf", pce, _today())
    if mandate is None:
        return {"pce": pce, "state": None, "reason": "no signed mandate in force"}
    config = load_grdf_config()
    with AdictClient.from_connection(config.conn_id, rate_per_second=config.task_rate) as client:
        # MandateFields reads ADICT's "Vrai"/"Faux" flags as the consent registry gives them
        right = declare_access_right(client, pce, adict_access_right_fields(mandate))
    return {"pce": pce, "state": right.state}


def build_telereleve(config: OperatorConfig | None = None, doc_md: str | None = None) -> DAG:
    """The manual `telereleve` DAG (also fit for a daily schedule: it only acts on new meters)."""
    from collecte.dags.interval import PARIS
    from collecte.sources.grdf.config import load_grdf_config

    config = config or load_enedis()
    with DAG(
        dag_id="telereleve",
        description="Remote reading for newly covered meters: SGE activation + M023 history; GRDF access rights",
        doc_md=doc_md or __doc__,
        schedule="0 6 * * *",
        start_date=datetime.fromisoformat(config.start_date).replace(tzinfo=PARIS),
        catchup=False,
        max_active_runs=1,
        default_args=default_args(),
        params={
            "meters": Param([], type="array", items={"type": "string"}, title="Meters (PRM / PCE)",
                            description="Empty: every configured meter the consent gate allows."),
            "history_days": Param(365, type="integer", minimum=1, maximum=1095, title="M023 history (days)"),
        },
        tags=["collecte", "operator", "enedis", "grdf", "telereleve"],
    ) as dag:
        ordered = activate_and_order.override(pool=config.pool).expand(meter=select_new_meters())
        pick_up_m023(wait_for_m023(ordered))
        declare_gas_access.override(pool=load_grdf_config().pool).expand(pce=select_new_pces())
    return dag
