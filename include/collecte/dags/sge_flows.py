"""The `collect_sge_flows` DAG: Enedis's recurring flows R50 (C5 load curves) and R151 (C5 daily indexes +
max power), delivered on the SFTP drop for the meters `telereleve` subscribed (F300C, F305).

    land_flows -> load_flows (all_done) -> verify_flows (all_done)

- land_flows: the encrypted archives land unchanged in the raw zone through the SFTP drop landing
  (file-age and size guards, file_status, consent gate per PRM named in the file), their sequence
  numbers go to the sequence ledger (`sge_flow_sequence`);
- load_flows: every archive received and not loaded yet is decrypted (key and IV from the SGE
  connection's extra: `flows_aes_key`, `flows_aes_iv`), unzipped within bounds, parsed, checked
  (Great Expectations) and loaded through the operator stage (one catalogue, one quarantine); a bad
  archive is quarantined with its reason, the others load;
- verify_flows: red when a sequence number is missing past the grace (naming the flow and the
  numbers), when an archive was quarantined or is not loaded, or when a file could not be landed or
  read; a number that arrives late is reported once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, get_current_context

from collecte.airflow.callbacks import run_callbacks
from collecte.airflow.tasks import task  # airflow.sdk.task + NonRetryableError -> AirflowFailException
from collecte.dags.runtime import default_args
from collecte.dags.schedule import paris_timetable
from collecte.sources.enedis.config import OperatorConfig, load_enedis

FLOW_DATASETS = ("load_curve", "meter_index", "max_power")


def _today() -> Any:
    from collecte.dags.interval import PARIS

    return datetime.now(PARIS).date()


@task
def land_flows() -> dict[str, Any]:
    """Land the complete R50/R151 archives of the flows folder (unchanged) and record their numbers."""
    import time

    from airflow.providers.sftp.hooks.sftp import SFTPHook

    from collecte.consent.gate import collectable_meters
    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.sources.enedis.flows import land_flows as land
    from collecte.warehouse.db import connect

    config = load_enedis()
    today = _today()
    with connect(warehouse_url(), autocommit=True) as conn, \
            SFTPHook(ssh_conn_id=config.sftp_conn_id).get_managed_conn() as sftp:
        def gate(prms: Any) -> dict[str, str]:
            return collectable_meters(conn, operator="enedis", data_kind="telereleve", on=today,
                                      candidates=list(prms)).refused

        report = land(sftp, raw_zone(), conn, config, received=today, now=time.time(), gate=gate,
                      run_id=get_current_context()["run_id"])
    return report.as_dict()


def _flow_options(config: OperatorConfig, conn: Any) -> Any:
    """Key, IV and bounds of the archives, and the consent gate per PRM the files name; the key comes from
    the connection's extra (never logged)."""
    from collecte.airflow.hooks.enedis_sge import EnedisSgeHook
    from collecte.consent.gate import collectable_meters
    from collecte.stages.sge_flows import FlowOptions

    today = _today()

    def gate(prms: list[str]) -> dict[str, str]:
        return collectable_meters(conn, operator="enedis", data_kind="telereleve", on=today, candidates=prms).refused

    extra = EnedisSgeHook(config.sge_conn_id).flows_key()
    try:
        return FlowOptions.from_extra(extra, config, gate)
    except ValueError as exc:
        from airflow.sdk.exceptions import AirflowFailException

        raise AirflowFailException(f"connection {config.sge_conn_id}: {exc}") from None


@task(trigger_rule="all_done")
def load_flows() -> dict[str, Any]:
    """Decrypt, unzip, parse, check (GX) and load every received archive not loaded yet; quarantine bad ones."""
    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.quality.quarantine import open_records
    from collecte.sources.enedis.flows_ledger import mark_loaded, pending_loads
    from collecte.stages.metering import load_operator
    from collecte.warehouse.db import connect

    config = load_enedis()
    with connect(warehouse_url(), autocommit=True) as conn:
        refs = pending_loads(conn)
        if not refs:
            return {"files": 0, "datasets": {}, "quarantined": []}
        result = load_operator(raw_zone(), conn, "enedis", refs, run_id=get_current_context()["run_id"],
                               flows=_flow_options(config, conn))
        mark_loaded(conn, [*result.loaded_raw, *result.rejected_raw])
        names = {r["key"]: r["name"] for r in refs}
        quarantined = [{"name": names.get(key, key), "reason": record["reason"]}
                       for key in sorted(set(result.rejected_raw)) for record in open_records(conn, raw_key=key)[:1]]
    return {"files": len(refs), "datasets": result.datasets, "quarantined": quarantined}


def flow_problems(conn: Any, config: OperatorConfig, landing: dict[str, Any] | None, *,
                  now: datetime) -> tuple[list[str], list[str]]:
    """(problems that make the run red, notices): gaps past the grace, subscriptions no file comes for,
    quarantined or unloaded archives, files not landed or unreadable names; late arrivals (reported once)."""
    from collecte.sources.enedis.flows_ledger import (
        late_arrivals,
        overdue_gaps,
        pending_loads,
        silent_subscriptions,
    )

    problems = [str(gap) for gap in overdue_gaps(conn, grace=timedelta(hours=config.flows_gap_grace_hours), now=now)]
    if "(?P<prm>" in config.flows_name_regex:
        from collecte.dags.interval import PARIS

        problems += [f"no {flow} file for PRM {prm} in {config.flows_silence_days} days (subscribed since {first})"
                     for prm, flow, first in silent_subscriptions(conn, today=now.astimezone(PARIS).date(),
                                                                  silence_days=config.flows_silence_days)]
    rows = conn.execute(
        "SELECT s.file_name, q.reason FROM sge_flow_sequence s JOIN quarantine_record q ON q.raw_key = s.raw_key"
        " WHERE q.status = 'quarantined' ORDER BY s.file_name").fetchall()
    problems += [f"quarantined {name}: {reason}" for name, reason in dict(rows).items()]
    problems += [f"landed but not loaded: {ref['name']}" for ref in pending_loads(conn)]
    if landing is None:
        problems.append("the landing did not finish: see land_flows")
    else:
        problems += [f"not landed {e['name']}: {e['reason']}" for e in landing.get("errors", [])]
        problems += [f"{name}: flows_name_regex cannot read this name (left on the server)"
                     for name in landing.get("unmatched", [])]
    notices = [f"{flow} {'stream ' + stream + ' ' if stream else ''}sequence number {number} arrived late ({name})"
               for flow, stream, number, name in late_arrivals(conn, mark=True)]
    return problems, notices


@task(trigger_rule="all_done")
def verify_flows(landing: dict[str, Any] | None) -> dict[str, Any]:
    """Green only when every flow file is in: no overdue gap, nothing quarantined or left unloaded."""
    import logging
    from datetime import UTC

    from airflow.sdk.exceptions import AirflowFailException

    from collecte.dags.runtime import warehouse_url
    from collecte.warehouse.db import connect

    log = logging.getLogger("collecte.enedis")
    with connect(warehouse_url(), autocommit=True) as conn:
        problems, notices = flow_problems(conn, load_enedis(), landing, now=datetime.now(UTC))
    for notice in notices:
        log.info("Enedis flows: %s", notice)
    if problems:
        raise AirflowFailException("Enedis flows incomplete: " + "; ".join(problems[:20])
                                   + (f" (+{len(problems) - 20} more)" if len(problems) > 20 else ""))
    return {"late": notices}


def build_sge_flows(config: OperatorConfig | None = None, doc_md: str | None = None) -> DAG:
    """The daily `collect_sge_flows` DAG."""
    from collecte.dags.assets import dataset_asset
    from collecte.dags.interval import PARIS

    config = config or load_enedis()
    with DAG(
        **run_callbacks(),  # a failed run opens one incident (collecte_alerts tells people)
        dag_id="collect_sge_flows",
        description="Enedis recurring flows R50 (curves) and R151 (indexes, max power) from the SFTP drop",
        doc_md=doc_md or __doc__,
        schedule=paris_timetable(config.flows_schedule),
        start_date=datetime.fromisoformat(config.start_date).replace(tzinfo=PARIS),
        catchup=False,
        max_active_runs=1,
        default_args=default_args(execution_timeout=timedelta(minutes=config.execution_timeout_minutes)),
        tags=["collecte", "operator", "enedis", "sge", "flows"],
    ) as dag:
        landing = land_flows.override(pool=config.pool, queue=config.queue)()
        loaded = load_flows.override(pool=config.pool, queue="default",
                                     outlets=[dataset_asset(d) for d in FLOW_DATASETS])()
        landing >> loaded
        verify_flows(landing).set_upstream(loaded)
    return dag
