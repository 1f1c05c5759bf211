"""Task and DAG builders for the Enedis DAGs (`collect_enedis`, `import_meter_history`).

    select_meters -> wait_for_publication -> collect_batch (mapped, pool `enedis`, queue api)
                  -> load_batch (mapped, queue default, all_done) -> verify_complete (all_done)

`select_meters` asks the consent gate for each configured meter and data kind; refused ones are
recorded NO_CONSENT with the gate's reason and skipped. Each mapped `collect_batch` takes one
batch (meters x a window of Paris days): it asks only what the collection ledger says the window
still owes (a task retry or a re-run of the same window resumes, it does not restart) and lands the
answers in the raw zone; it fails, and Airflow retries it, while transient failures remain. Each
`load_batch` then parses, checks (Great Expectations) and loads through `collecte.stages.metering`
what its meters landed and is not loaded yet, whether its collection succeeded or not, so a batch
that fails never holds back another's load nor loses what it landed. The leaf
`verify_complete` (collecte.dags.operator_run) fails the run, naming the missing meters, kinds and
days and the Params that replay them, unless every planned datum is in. Both DAGs run these same
functions, so a backfill of `collect_enedis` and a history import of the same days give the same rows.

The daily DAG's data interval is one Paris day [D 00:00, D+1 00:00); Enedis publishes day D from
D+1 08:00, so `wait_for_publication` defers to the triggerer until D+1 08:30 (no worker slot held).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from airflow.sdk import DAG, Param, get_current_context

from collecte.airflow.callbacks import run_callbacks
from collecte.airflow.errors import fail_fast
from collecte.airflow.tasks import task  # airflow.sdk.task + NonRetryableError -> AirflowFailException
from collecte.dags.operator_run import operator_default_args, verify_complete
from collecte.dags.schedule import paris_timetable
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
    from collecte.metering.status import record_refused
    from collecte.sources.enedis.batch import plan_batches
    from collecte.warehouse.db import connect

    log = logging.getLogger("collecte.enedis")
    config = load_enedis()
    context = get_current_context()
    interval = run_interval(context)
    today = datetime.now(PARIS).date()
    with connect(warehouse_url(), autocommit=True) as conn:
        meters, refused = gate_meters(conn, config, kinds, meter_ids, today)
        for meter, reasons in refused.items():
            for kind, reason in reasons.items():
                log.warning("consent gate: skipping Enedis %s %s: %s", meter, kind, reason)
        record_refused(conn, "enedis", refused, run_id=context["run_id"])
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


def publication_time(data_interval_start: Any, data_interval_end: Any, params: dict[str, Any] | None) -> str:
    """When Enedis has published the run's last Paris day D: D+1 08:30 Paris time, ISO (a Jinja macro)."""
    from collecte.dags.interval import paris_midnight, run_interval

    interval = run_interval({"params": params or {}, "data_interval_start": data_interval_start,
                             "data_interval_end": data_interval_end})
    day_after = paris_midnight(interval.last_day + timedelta(days=1))
    return (day_after + PUBLICATION_DELAY).isoformat()


def wait_for_publication() -> Any:
    """A deferrable sensor: the wait runs on the triggerer, no worker slot is held for hours."""
    from airflow.providers.standard.sensors.date_time import DateTimeSensorAsync

    return DateTimeSensorAsync(
        task_id="wait_for_publication",
        target_time="{{ enedis_publication_time(data_interval_start, data_interval_end, params) }}",
        timeout=int(timedelta(hours=30).total_seconds()), retries=0)


@task(map_index_template="{{ enedis_batch }}")
@fail_fast  # API not subscribed (900908), bad credentials: a person must act, no retry
def collect_batch(batch: dict[str, Any]) -> dict[str, Any]:
    """One batch: land in the raw zone what its window still owes (a retry asks only what is missing).

    Fails (retried by Airflow) when some meters still have transient failures; what landed is loaded
    by `load_batch` all the same.
    """
    from collecte.airflow.hooks.enedis_dataconnect import EnedisDataConnectHook
    from collecte.dags.interval import PARIS
    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.sources.enedis.batch import collect_batch as run_batch
    from collecte.sources.enedis.batch import raise_if_failed
    from collecte.warehouse.db import connect

    context = get_current_context()
    context["enedis_batch"] = batch["label"]
    config = load_enedis()
    with EnedisDataConnectHook(config.conn_id).get_conn() as client, \
            connect(warehouse_url(), autocommit=True) as conn:
        collected = run_batch(client, raw_zone(), conn, batch, today=datetime.now(PARIS).date(),
                              threads=config.threads_per_task, run_id=context["run_id"])
    raise_if_failed(collected)
    return {k: collected[k] for k in ("label", "first", "last", "raw_created", "calls", "failed", "resumed")}


@task(map_index_template="{{ enedis_batch }}", trigger_rule="all_done")
def load_batch(batch: dict[str, Any]) -> dict[str, Any]:
    """Parse -> check -> load what the batch's meters landed and is not loaded yet, whatever the collection did.

    `all_done`: a batch whose collection failed still loads what it landed, and no batch waits on
    another's success. Quarantined rows are named by `verify_complete`.
    """
    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.sources.enedis.batch import load_batch as run_load
    from collecte.warehouse.db import connect

    context = get_current_context()
    context["enedis_batch"] = batch["label"]
    with connect(warehouse_url(), autocommit=True) as conn:
        return run_load(raw_zone(), conn, {"label": batch["label"], "refs": [],
                                           "meters": {m["id"]: {} for m in batch["meters"]}},
                        run_id=context["run_id"])


def metering_assets() -> list:
    """The Assets a load of Enedis data updates (one per warehouse table)."""
    from collecte.dags.assets import dataset_asset

    return [dataset_asset(t) for t in ("daily_energy", "load_curve", "max_power", "meter_index", "meter_contract")]


def _aware(day: str) -> datetime:
    from collecte.dags.interval import PARIS

    return datetime.combine(datetime.fromisoformat(day).date(), time(0), PARIS)


def build_collect_enedis(config: OperatorConfig | None = None, doc_md: str | None = None) -> DAG:
    """`collect_enedis`: daily, one Paris day per run, mapped over gate-allowed meters in batches."""
    from collecte.dags.factory import manual_params

    config = config or load_enedis()
    with DAG(
        dag_id="collect_enedis",
        description="Enedis Data Connect: daily energy, load curves, max power, indexes, contract data",
        doc_md=doc_md or __doc__,
        # a run at D+1 00:00 Paris covers the Paris day D (data interval [D, D+1)); the publication wait
        # then defers until D+1 08:30
        schedule=paris_timetable(config.schedule),
        start_date=_aware(config.start_date),
        catchup=False,
        max_active_runs=2,
        default_args=operator_default_args(config.execution_timeout_minutes),
        params=manual_params(),
        user_defined_macros={"enedis_publication_time": publication_time},
        **run_callbacks(),  # a failed run opens one incident (collecte_alerts tells people)
        tags=["collecte", "operator", "enedis", "electricity"],
    ) as dag:
        batches = select_meters()
        collected = collect_batch.override(pool=config.pool, queue=config.queue).expand(batch=batches)
        wait_for_publication() >> collected
        loaded = load_batch.override(queue="default", outlets=metering_assets()).expand(batch=batches)
        # all_done, both: every batch loads what it landed, and the run fails when anything is missing
        collected >> loaded >> verify_complete.override(task_id="verify_complete", queue="default")(
            batches, operator="enedis")
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
    """`import_meter_history`: manual, a Params form; Enedis spans chunked to the operator's limits, or GRDF."""
    from collecte.dags.assets import dataset_asset
    from collecte.dags.grdf import collect_batch as collect_gas_batch
    from collecte.dags.grdf import load_batch as load_gas_batch
    from collecte.dags.grdf import select_gas_history
    from collecte.sources.grdf.config import load_grdf_config

    config = config or load_enedis()
    gas = load_grdf_config()
    with DAG(
        dag_id="import_meter_history",
        description="Import a span of history for chosen meters (Enedis or GRDF)",
        doc_md=doc_md or __doc__,
        schedule=None,
        start_date=_aware(config.start_date),
        catchup=False,
        max_active_runs=1,
        default_args=operator_default_args(config.execution_timeout_minutes),
        params=history_params(),
        tags=["collecte", "operator", "enedis", "grdf", "history"],
        **run_callbacks(),  # a failed run opens one incident (collecte_alerts tells people)
    ) as dag:
        batches = select_history()
        collected = collect_batch.override(pool=config.pool, queue=config.queue).expand(batch=batches)
        loaded = load_batch.override(queue="default", outlets=metering_assets()).expand(batch=batches)
        collected >> loaded >> verify_complete.override(task_id="verify_enedis", queue="default")(
            batches, operator="enedis")
        gas_batches = select_gas_history()
        gas_collected = collect_gas_batch.override(
            task_id="collect_gas_batch", pool=gas.pool, queue=gas.queue,
            execution_timeout=timedelta(minutes=gas.execution_timeout_minutes)).expand(batch=gas_batches)
        gas_loaded = load_gas_batch.override(task_id="load_gas_batch", queue="default",
                                             outlets=[dataset_asset("gas_consumption")]).expand(batch=gas_batches)
        gas_collected >> gas_loaded >> verify_complete.override(task_id="verify_grdf", queue="default")(
            gas_batches, operator="grdf")
    return dag
