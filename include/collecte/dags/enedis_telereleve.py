"""The `telereleve` DAG: put newly covered meters under remote reading.

    select_new_meters -> activate_and_order (mapped, pool enedis) -> wait_for_m023 (sensor) -> pick_up_m023
    select_renewals   -> renew_subscription (mapped, pool enedis)
    select_new_pces   -> declare_gas_access (mapped, pool grdf)

Electricity: for each PRM the consent gate allows for "telereleve" and that has no curve activation
yet, SGE orders load-curve recording with recurring transmission (F300C) and daily index + max power
(F305), then an M023 history order (result files arrive later on the SFTP drop). The sensor runs in
reschedule mode (no worker slot held while waiting); the files are landed in the raw zone, loaded
into `load_curve`, and moved to `processed/`. Every SGE order carries the consent of the meter's
signed mandate. Gas: for each PCE allowed, the GRDF access right is declared from the mandate
(GRDF then asks the holder to accept it; collect_grdf starts once it is Active).
SGE subscriptions last one year at most: those ending within `renewal_margin_days` are renewed
(never past the mandate's end), so recurring transmission does not lapse.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Param, get_current_context

from collecte.airflow.callbacks import run_callbacks
from collecte.airflow.tasks import task  # airflow.sdk.task + NonRetryableError -> AirflowFailException
from collecte.dags.runtime import default_args
from collecte.dags.schedule import paris_timetable
from collecte.sources.enedis.config import OperatorConfig, load_enedis


def _today() -> Any:
    from collecte.dags.interval import PARIS

    return datetime.now(PARIS).date()


def _consent_of(conn: Any, prm: str, today: Any, doing: str) -> Any:
    """The SGE consent declaration from the meter's signed mandate, with the mandate; (None, None) and the
    meter flagged NO_CONSENT when no mandate is in force."""
    from collecte.consent.mandates import mandate_for_meter
    from collecte.consent.operator_fields import sge_consent_fields
    from collecte.sources.enedis.sge import Consent
    from collecte.sources.enedis.status import record_status

    mandate = mandate_for_meter(conn, "enedis", prm, today)
    if mandate is None:
        record_status(conn, prm, "telereleve", "NO_CONSENT", f"no signed mandate in force{doing}")
        return None, None
    return mandate, Consent.from_fields(sge_consent_fields(mandate, today))


def _refused(conn: Any, prm: str, exc: Any, what: str) -> str:
    """Enedis refuses this point (SGT4G2, SGT4K2…): a flagged meter, not owed and not retried; the other
    meters go on. The status names the SGT code for the operations page; returns the code."""
    import logging

    from collecte.sources.enedis.status import record_status

    logging.getLogger("collecte.enedis").warning("%s refused by Enedis for %s: %s", what, prm, exc)
    record_status(conn, prm, "telereleve", exc.meter_status, f"SGE {exc.code}: {exc}")
    return str(exc.code)


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
        new = [p for p in decision.allowed if not active_orders(conn, p, "ACTIVATION_COURBE", on=_today())]
    log.info("télé-relève: %d new PRM(s) of %d allowed", len(new), len(decision.allowed))
    return [{"id": p} for p in new]


@task(map_index_template="{{ meter_id }}")
def activate_and_order(meter: dict[str, Any]) -> dict[str, Any]:
    """SGE: activate the curve + subscribe transmission, then order M023 history (consent from the mandate).

    A point Enedis refuses for consent (SGT4G2 and the like) is flagged NO_CONSENT and skipped; any
    other failure fails this meter's task (retried), and the run is red.
    """

    from collecte.dags.runtime import warehouse_url
    from collecte.sources.enedis.errors import NoConsent
    from collecte.sources.enedis.sge import SgeClient
    from collecte.sources.enedis.sge.answers import curve_step_minutes
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
        mandate, consent = _consent_of(conn, prm, today, "")
        if mandate is None:
            return {"id": prm, "affaires": []}
        try:
            minutes = curve_step_minutes(sge.technical_data(prm))
            activations = activate_meter(sge, conn, prm, consent, today=today, until=mandate.end_date,
                                         step=f"PT{minutes}M")
            affaires = order_history(sge, conn, prm, today - timedelta(days=days), today, step_minutes=minutes)
            if context["params"].get("billing_history", True):  # M023 billing measures (R67) over the same span
                affaires += order_history(sge, conn, prm, today - timedelta(days=days), today, billing=True)
        except NoConsent as exc:
            return {"id": prm, "affaires": [], "refused": _refused(conn, prm, exc, "télé-relève")}
        record_status(conn, prm, "telereleve", "OK", f"activated {activations}, M023 {affaires}")
    return {"id": prm, "affaires": affaires}


@task
def select_renewals() -> list[dict[str, Any]]:
    """PRMs whose SGE subscriptions end within the margin (Param `renewal_margin_days`), the gate allowing.

    Subscriptions that already reached their end are marked EXPIRED first (a new activation takes
    their meter again, through select_new_meters).
    """
    import logging

    from collecte.consent.gate import collectable_meters
    from collecte.dags.runtime import warehouse_url
    from collecte.sources.enedis.telereleve import due_renewals, expire_lapsed
    from collecte.warehouse.db import connect

    params = get_current_context()["params"]
    margin = int(params.get("renewal_margin_days") or 30)
    today = _today()
    wanted = [m for m in (params.get("meters") or []) if m.isdigit() and len(m) == 14] or None
    with connect(warehouse_url(), autocommit=True) as conn:
        expired = expire_lapsed(conn, today)
        due = due_renewals(conn, today, margin, wanted)
        decision = collectable_meters(conn, operator="enedis", data_kind="telereleve", on=today, candidates=due) \
            if due else None
    allowed = decision.allowed if decision else []
    if decision:
        decision.log_refusals(what="SGE subscription renewal for")
    logging.getLogger("collecte.enedis").info("SGE renewals: %d due within %d days, %d allowed, %d expired",
                                              len(due), margin, len(allowed), expired)
    return [{"id": p} for p in allowed]


@task(map_index_template="{{ meter_id }}")
def renew_subscription(meter: dict[str, Any]) -> dict[str, Any]:
    """Renew one meter's ending SGE subscriptions, never past its mandate's end (consent from the mandate)."""

    from collecte.dags.runtime import warehouse_url
    from collecte.sources.enedis.errors import NoConsent
    from collecte.sources.enedis.sge import SgeClient
    from collecte.sources.enedis.telereleve import renew_meter
    from collecte.warehouse.db import connect

    context = get_current_context()
    prm = meter["id"]
    context["meter_id"] = prm
    margin = int(context["params"].get("renewal_margin_days") or 30)
    today = _today()
    config = load_enedis()
    with connect(warehouse_url(), autocommit=True) as conn, SgeClient.from_connection(config.sge_conn_id) as sge:
        mandate, consent = _consent_of(conn, prm, today, ": not renewed")
        if mandate is None:
            return {"id": prm, "renewed": {}}
        try:
            outcomes = renew_meter(sge, conn, prm, consent, today=today, until=mandate.end_date, margin_days=margin)
        except NoConsent as exc:
            return {"id": prm, "renewed": {}, "refused": _refused(conn, prm, exc, "renewal")}
    return {"id": prm, "renewed": outcomes}


@task.sensor(poke_interval=300, timeout=int(timedelta(days=3).total_seconds()), mode="reschedule")
def wait_for_m023(ordered: list[dict[str, Any]]) -> Any:
    """Wait until every pending M023 order has its result file on the SFTP drop."""
    from airflow.providers.sftp.hooks.sftp import SFTPHook
    from airflow.sdk import PokeReturnValue

    from collecte.dags.runtime import SFTP_CONN_ID, warehouse_url
    from collecte.sources.enedis.telereleve import M023_NAME, pending_history, ready_files
    from collecte.warehouse.db import connect

    config = load_enedis()
    prms = [o["id"] for o in ordered or []] or None
    with connect(warehouse_url(), autocommit=True) as conn:
        pending = pending_history(conn, prms)
    if not pending:
        return PokeReturnValue(is_done=True, xcom_value=[])
    with SFTPHook(ssh_conn_id=config.sftp_conn_id or SFTP_CONN_ID).get_managed_conn() as sftp:
        names = ready_files(sftp, config.m023_remote_dir, pending, min_age_seconds=config.m023_min_age_seconds)
    arrived = {M023_NAME.match(n)["affaire"].upper() for n in names}
    return PokeReturnValue(is_done=arrived >= set(pending), xcom_value=names)


@task
def pick_up_m023(names: list[str]) -> dict[str, Any]:
    """Land the M023 files through the SFTP drop landing, check their curves (GX), then load them."""
    import time

    from airflow.providers.sftp.hooks.sftp import SFTPHook
    from airflow.sdk.exceptions import AirflowFailException

    from collecte.consent.gate import collectable_meters
    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.sources.enedis.telereleve import land_m023, load_m023
    from collecte.warehouse.db import connect

    config = load_enedis()
    zone = raw_zone()
    context = get_current_context()
    today = _today()
    with connect(warehouse_url(), autocommit=True) as conn, \
            SFTPHook(ssh_conn_id=config.sftp_conn_id).get_managed_conn() as sftp:
        def gate(prms: Any) -> dict[str, str]:
            return collectable_meters(conn, operator="enedis", data_kind="telereleve", on=today,
                                      candidates=list(prms)).refused

        refs = land_m023(sftp, zone, conn, remote_dir=config.m023_remote_dir, conn_id=config.sftp_conn_id,
                         received=today, now=time.time(), min_age_seconds=config.m023_min_age_seconds, gate=gate)
        counts, notice = load_m023(zone, conn, refs, run_id=context["run_id"], flows=_m023_key(config))
    if notice:
        raise AirflowFailException(notice)
    missing = sorted(set(names or []) - {r["name"] for r in refs})
    if missing:  # too young or still growing on the server: the retry takes them
        raise RuntimeError(f"M023 files not landed yet (file-age / size guards): {', '.join(missing)}")
    return {"files": len(refs), "datasets": counts}


def _m023_key(config: OperatorConfig) -> Any:
    """The AES key of the SFTP drop (the SGE connection's flows_aes_key/iv), or None when it has none:
    plain archives still load, encrypted ones are quarantined saying so."""
    from collecte.airflow.hooks.enedis_sge import EnedisSgeHook
    from collecte.stages.sge_flows import FlowOptions

    try:
        return FlowOptions.from_extra(EnedisSgeHook(config.sge_conn_id).flows_key(), config)
    except ValueError:
        return None


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


@task
def stop_operator_access() -> list[dict[str, Any]]:
    """Revoked or expired mandates: stop SGE subscribed services, revoke GRDF access rights; record outcomes."""
    from contextlib import ExitStack

    from collecte.consent.access_stop import open_stops, run_stops
    from collecte.dags.runtime import warehouse_url
    from collecte.sources.enedis.sge import SgeClient
    from collecte.warehouse.db import connect

    params = get_current_context()["params"]
    with connect(warehouse_url(), autocommit=True) as conn, ExitStack() as stack:
        operators = {row[1] for row in open_stops(conn)}
        sge = stack.enter_context(SgeClient.from_connection(load_enedis().sge_conn_id)) \
            if "enedis" in operators else None
        adict = None
        if "grdf" in operators:
            from collecte.airflow.hooks.grdf_adict import GrdfAdictHook
            from collecte.sources.grdf.config import load_grdf_config

            adict = stack.enter_context(GrdfAdictHook(load_grdf_config().conn_id).get_client())
        outcomes = run_stops(conn, today=_today(), sge=sge, adict=adict, dry_run=bool(params.get("dry_run")),
                             limit=int(params.get("limit") or 200))
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        raise RuntimeError("operator access not stopped for " + ", ".join(
            f"{o.operator} {o.meter_id} ({o.detail})" for o in failed[:10]) + " (retried at the next run)")
    return [{"operator": o.operator, "meter": o.meter_id, "status": o.status} for o in outcomes]


def build_access_stop(doc_md: str | None = None) -> DAG:
    """The hourly `stop_operator_access` DAG: the operator side of mandate revocation and expiry."""
    from collecte.dags.interval import PARIS

    with DAG(
        **run_callbacks(),  # a failed run opens one incident (collecte_alerts tells people)
        dag_id="stop_operator_access",
        description="Revoked/expired mandates: stop SGE recurring transmission, revoke GRDF access rights",
        doc_md=doc_md or stop_operator_access.__doc__,
        schedule=paris_timetable("@hourly"),
        start_date=datetime(2026, 1, 1, tzinfo=PARIS),
        catchup=False,
        max_active_runs=1,
        default_args=default_args(),
        params={"dry_run": Param(False, type="boolean", title="Dry run (say what would be stopped)"),
                "limit": Param(200, type="integer", minimum=1, maximum=1000, title="At most this many meters")},
        tags=["collecte", "operator", "enedis", "grdf", "consent"],
    ) as dag:
        stop_operator_access.override(pool=load_enedis().pool, queue=load_enedis().queue)()
    return dag


def build_telereleve(config: OperatorConfig | None = None, doc_md: str | None = None) -> DAG:
    """The manual `telereleve` DAG (also fit for a daily schedule: it only acts on new meters)."""
    from collecte.dags.interval import PARIS
    from collecte.sources.grdf.config import load_grdf_config

    config = config or load_enedis()
    with DAG(
        **run_callbacks(),  # a failed run opens one incident (collecte_alerts tells people)
        dag_id="telereleve",
        description="Remote reading for newly covered meters: SGE activation + M023 history; GRDF access rights",
        doc_md=doc_md or __doc__,
        schedule=paris_timetable("0 6 * * *"),
        start_date=datetime.fromisoformat(config.start_date).replace(tzinfo=PARIS),
        catchup=False,
        max_active_runs=1,
        default_args=default_args(),
        params={
            "meters": Param([], type="array", items={"type": "string"}, title="Meters (PRM / PCE)",
                            description="Empty: every configured meter the consent gate allows."),
            "history_days": Param(365, type="integer", minimum=1, maximum=1095, title="M023 history (days)"),
            "billing_history": Param(True, type="boolean", title="Also order M023 billing measures (R67)"),
            "renewal_margin_days": Param(30, type="integer", minimum=1, maximum=90, title="Renew SGE subscriptions "
                                         "ending within (days)"),
        },
        tags=["collecte", "operator", "enedis", "grdf", "telereleve"],
    ) as dag:
        ordered = activate_and_order.override(pool=config.pool, queue=config.queue).expand(meter=select_new_meters())
        pick_up_m023(wait_for_m023(ordered))
        renew_subscription.override(pool=config.pool, queue=config.queue).expand(meter=select_renewals())
        declare_gas_access.override(pool=load_grdf_config().pool, queue=load_grdf_config().queue).expand(pce=select_new_pces())
    return dag
