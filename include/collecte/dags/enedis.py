"""Task and DAG builders for the Enedis DAGs (`collect_enedis`, `import_meter_history`).

    select_meters -> wait_for_publication -> collect_batch (mapped, pool `enedis`) -> load_batch (mapped) -> report

`select_meters` asks the consent gate for each configured meter and data kind; refused ones are
recorded NO_CONSENT with the gate's reason and skipped. `collect_batch` lands the operator's answers
in the raw zone (references to XCom) and records statuses, history walls and gaps; `load_batch`
stages Parquet and upserts the warehouse. Both DAGs run these same functions, so a backfill of
`collect_enedis` and a history import of the same days give the same rows.

The daily DAG's data interval is one Paris day [D 00:00, D+1 00:00); Enedis publishes day D from
D+1 08:00, so `wait_for_publication` (reschedule mode: no worker slot held) waits until then.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from airflow.sdk import DAG, CronTriggerTimetable, Param, get_current_context, task

from collecte.airflow.callbacks import run_callbacks
from collecte.airflow.errors import fail_fast
from collecte.dags.runtime import default_args
from collecte.sources.enedis.config import KINDS, OperatorConfig, load_enedis

PUBLICATION_DELAY = timedelta(hours=8, minutes=30)
HISTORY_SPAN_DAYS = 92  # one mapped task per quarter of history and batch of meters


def gate_meters(conn: Any, config: OperatorConfig, kinds: list[str], meter_ids: list[str] | None,
                on: Any) -> tuple[list[dict[str, Any]], dict[str, dict[str, str]]]:
    """Meters with the kinds the gate allows, and the refusals (meter -> kind -> reason)."""
    from collecte.consent.gate import collectable_meters

    candidates = meter_ids or [m.id for m in config.meters]
    allowed: dict[str, list[str]] = {m: [] for m in candidates}
    refused: dict[str, dict[str, str]] = {}
    for kind in kinds:
        wanted = [m for m in candidates if kind in config.meter(m).kinds]
        if not wanted:
            continue
        decision = collectable_meters(conn, operator="enedis", data_kind=kind, on=on, candidates=wanted)
        for meter in decision.allowed:
            allowed[meter].append(kind)
        for meter, reason in decision.refused.items():
            refused.setdefault(meter, {})[kind] = reason
    meters = [{"id": m, "kinds": k, "directions": list(config.meter(m).directions)} for m, k in allowed.items() if k]
    return meters, refused


def _select(kinds: list[str], meter_ids: list[str] | None, span_days: int | None) -> list[dict[str, Any]]:
    import logging

    from collecte.dags.interval import PARIS, run_interval
    from collecte.dags.runtime import warehouse_url
    from collecte.sources.enedis.batch import plan_batches
    from collecte.sources.enedis.status import record_status
    from collecte.warehouse.db import connect

    log = logging.getLogger("collecte.enedis")
    config = load_enedis()
    interval = run_interval(get_current_context())
    today = datetime.now(PARIS).date()
    with connect(warehouse_url(), autocommit=True) as conn:
        meters, refused = gate_meters(conn, config, kinds, meter_ids, today)
        for meter, reasons in refused.items():
            for kind, reason in reasons.items():
                log.warning("consent gate: skipping Enedis %s %s: %s", meter, kind, reason)
                record_status(conn, meter, kind, "NO_CONSENT", f"consent gate: {reason}")
    if not meters:
        log.warning("Enedis: no meter may be collected (%d refused by the gate)", len(refused))
        return []
    batches = plan_batches(meters, interval.first_day, interval.last_day, batch_size=config.batch_size,
                           span_days=span_days)
    log.info("Enedis %s..%s: %d meter(s) in %d batch(es), %d refused", interval.first_day, interval.last_day,
             len(meters), len(batches), len(refused))
    return batches


@task
def select_meters() -> list[dict[str, Any]]:
    """Batches of meters (with the kinds the gate allows) for this run's Paris days."""
    return _select(list(KINDS), None, None)


@task
def select_history() -> list[dict[str, Any]]:
    """Batches for a history import: the Params' meters and kinds, the span cut into quarters."""
    params = get_current_context()["params"]
    if params.get("operator", "enedis") != "enedis":
        return []
    kinds = [k for k in (params.get("kinds") or KINDS) if k in KINDS]
    return _select(kinds, params.get("meters") or None, HISTORY_SPAN_DAYS)


@task
def select_gas_history() -> list[dict[str, Any]]:
    """Batches of PCEs for a GRDF history import (collected by collecte.sources.grdf.collect_pce)."""
    import logging

    from collecte.dags.interval import PARIS
    from collecte.dags.runtime import warehouse_url
    from collecte.sources.grdf.bookkeeping import NO_CONSENT, record_status
    from collecte.sources.grdf.config import load_grdf_config
    from collecte.sources.grdf.plan import plan_collection
    from collecte.warehouse.db import connect

    params = get_current_context()["params"]
    if params.get("operator") != "grdf":
        return []
    log = logging.getLogger("collecte.grdf")
    config = load_grdf_config()
    wanted = set(params.get("meters") or [m.id for m in config.meters])
    kinds = set(params.get("kinds") or [])
    meters = []
    for meter in config.meters:
        chosen = [k for k in meter.kinds if not kinds or k in kinds]
        if meter.id in wanted and chosen:
            meters.append(meter.model_copy(update={"kinds": tuple(chosen)}))
    with connect(warehouse_url(), autocommit=True) as conn:
        plan = plan_collection(conn, meters, datetime.now(PARIS).date())
        for pce, reasons in plan.refused.items():
            for kind, reason in reasons.items():
                log.warning("consent gate: skipping GRDF %s %s: %s", pce, kind, reason)
                record_status(conn, pce, kind, NO_CONSENT, f"consent gate: {reason}")
    return plan.batches(config.batch_size)


@task.sensor(poke_interval=900, timeout=int(timedelta(hours=20).total_seconds()), mode="reschedule")
def wait_for_publication() -> Any:
    """Wait until Enedis has published the run's last day (D+1 08:30 Paris time)."""
    from airflow.sdk import PokeReturnValue

    from collecte.dags.interval import PARIS, paris_midnight, run_interval

    interval = run_interval(get_current_context())
    ready_at = paris_midnight(interval.last_day + timedelta(days=1)) + PUBLICATION_DELAY
    return PokeReturnValue(is_done=datetime.now(PARIS) >= ready_at)


@task(map_index_template="{{ enedis_batch }}")
@fail_fast  # API not subscribed (900908), bad credentials: a person must act, no retry
def collect_batch(batch: dict[str, Any]) -> dict[str, Any]:
    """Collect one batch of meters into the raw zone; references and statuses to XCom."""
    from collecte.airflow.hooks.enedis_dataconnect import EnedisDataConnectHook
    from collecte.dags.interval import PARIS
    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.sources.enedis.batch import collect_batch as run_batch
    from collecte.warehouse.db import connect

    context = get_current_context()
    context["enedis_batch"] = batch["label"]
    config = load_enedis()
    with EnedisDataConnectHook(config.conn_id).get_conn() as client, \
            connect(warehouse_url(), autocommit=True) as conn:
        return run_batch(client, raw_zone(), conn, batch, today=datetime.now(PARIS).date(),
                         threads=config.threads_per_task)


def metering_assets() -> list:
    """The Assets a load of Enedis data updates (one per warehouse table)."""
    from collecte.dags.assets import dataset_asset

    return [dataset_asset(t) for t in ("daily_energy", "load_curve", "max_power", "meter_index", "meter_contract")]


@task(map_index_template="{{ enedis_batch }}")
def load_batch(collected: dict[str, Any]) -> dict[str, Any]:
    """Stage Parquet, check it (GX suites), upsert the warehouse from one batch's raw objects."""
    from airflow.sdk.exceptions import AirflowFailException

    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.sources.enedis.batch import load_batch as run_load
    from collecte.warehouse.db import connect

    context = get_current_context()
    context["enedis_batch"] = collected["label"]
    with connect(warehouse_url(), autocommit=True) as conn:
        result = run_load(raw_zone(), conn, collected, check=True, run_id=context["run_id"])
    if result["failed"]:
        # a failed expectation will fail again: no retry; the passing rows are loaded, the others quarantined
        raise AirflowFailException(f"Enedis {collected['label']}: rows failing the quality suites were "
                                   f"quarantined, not loaded: {result['failed']}")
    return result


@task(trigger_rule="all_done")
def report(collected: list[dict[str, Any]], loaded: list[dict[str, Any]]) -> dict[str, Any]:
    """One line per run: meters, statuses other than OK, raw objects created, rows changed."""
    import logging

    log = logging.getLogger("collecte.enedis")
    flagged = {f"{meter} {kind}": f"{o['status']} {o.get('message', '')}".strip()
               for batch in collected or [] for meter, kinds in batch["meters"].items()
               for kind, o in kinds.items() if o["status"] != "OK"}
    out = {"batches": len(collected or []), "raw_created": sum(b["raw_created"] for b in collected or []),
           "rows_changed": sum(b["rows_changed"] for b in loaded or []), "flagged": flagged}
    log.info("Enedis run: %s", out)
    return out


def _aware(day: str) -> datetime:
    from collecte.dags.interval import PARIS

    return datetime.combine(datetime.fromisoformat(day).date(), time(0), PARIS)


def build_collect_enedis(config: OperatorConfig | None = None, doc_md: str | None = None) -> DAG:
    """`collect_enedis`: daily, one Paris day per run, mapped over gate-allowed meters in batches."""
    from collecte.dags.factory import manual_params

    config = config or load_enedis()
    with DAG(
        **run_callbacks(),  # a failed run opens one incident (collecte_alerts tells people)
        dag_id="collect_enedis",
        description="Enedis Data Connect: daily energy, load curves, max power, indexes, contract data",
        doc_md=doc_md or __doc__,
        # a run at D+1 00:00 Paris covers the Paris day D (data interval [D, D+1)); Airflow 3's plain
        # cron schedules have empty data intervals, which would leave backfills without their day
        schedule=CronTriggerTimetable("0 0 * * *", timezone="Europe/Paris", interval=timedelta(days=1)),
        start_date=_aware(config.start_date),
        catchup=False,
        max_active_runs=2,
        default_args=default_args(),
        params=manual_params(),
        tags=["collecte", "operator", "enedis", "electricity"],
    ) as dag:
        batches = select_meters()
        ready = wait_for_publication()
        collected = collect_batch.override(pool=config.pool, queue=config.queue).expand(batch=batches)
        ready >> collected
        loaded = load_batch.override(outlets=metering_assets()).expand(collected=collected)
        report(collected, loaded)
    return dag


def history_params() -> dict[str, Param]:
    """The Params form of `import_meter_history`."""
    return {
        "operator": Param("enedis", enum=["enedis", "grdf"], title="Operator"),
        "meters": Param([], type="array", items={"type": "string"}, title="Meters (PRM / PCE)",
                        description="One per line. Empty: every configured meter the consent gate allows."),
        "from": Param(None, type=["null", "string"], format="date", title="From (day, inclusive)"),
        "to": Param(None, type=["null", "string"], format="date", title="To (day, inclusive)"),
        "kinds": Param(list(KINDS), type="array",
                       items={"type": "string", "enum": [*KINDS, "consumption", "technical"]},
                       title="Data kinds", description="Enedis: daily, load_curve, max_power, index, contract; "
                                                       "GRDF: consumption, daily, contract, technical."),
    }


def build_import_meter_history(config: OperatorConfig | None = None, doc_md: str | None = None) -> DAG:
    """`import_meter_history`: manual, a Params form; Enedis spans chunked to the operator's limits."""
    from collecte.dags.grdf import collect_batch as collect_gas_batch
    from collecte.sources.grdf.config import load_grdf_config

    config = config or load_enedis()
    with DAG(
        **run_callbacks(),  # a failed run opens one incident (collecte_alerts tells people)
        dag_id="import_meter_history",
        description="Import a span of history for chosen meters (Enedis or GRDF)",
        doc_md=doc_md or __doc__,
        schedule=None,
        start_date=_aware(config.start_date),
        catchup=False,
        max_active_runs=1,
        default_args=default_args(),
        params=history_params(),
        tags=["collecte", "operator", "enedis", "grdf", "history"],
    ) as dag:
        batches = select_history()
        collected = collect_batch.override(pool=config.pool, queue=config.queue).expand(batch=batches)
        loaded = load_batch.override(outlets=metering_assets()).expand(collected=collected)
        report(collected, loaded)
        gas_batches = select_gas_history()
        collect_gas_batch.override(task_id="collect_gas_batch", pool=load_grdf_config().pool,
                                   queue=load_grdf_config().queue
                                   ).expand(batch=gas_batches)
    return dag
