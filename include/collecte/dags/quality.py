"""Task builders for checking and the quarantine notice, and the `reprocess_quarantine` DAG.

Exports and cross-checks are DAGs of their own, scheduled on the warehouse Assets
(collecte.dags.delivery); a replay that loads records updates its dataset's Asset too.

Called inside a DAG context by the supplier DAG factory (and the operator DAGs):

    checked = check_dataset("load_curve", staged_refs, source="enedis")
    report_quarantine(checked)                     # leaf: a run that quarantined something is red

Only `airflow.sdk` is imported here; pandas, GX, psycopg and httpx are imported inside the tasks.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk import DAG, AssetAlias, Param

from collecte.airflow.callbacks import run_callbacks
from collecte.airflow.tasks import task  # airflow.sdk.task + NonRetryableError -> AirflowFailException
from collecte.dags.runtime import default_args
from collecte.quality.reparsers import names as reparser_names

log = logging.getLogger("collecte.quality")


def _flatten(refs: Any) -> list[Any]:
    """Refs from one task, or from a mapped task (a list of lists), as one list."""
    flat: list[Any] = []
    for item in refs or []:
        if isinstance(item, list | tuple):
            flat.extend(x for x in item if x)
        elif item:
            flat.append(item)
    return flat


@task
def _check(dataset: str, staged_refs: Any, source: str | None, run_id: str | None = None) -> list[dict[str, Any]]:
    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.quality.staged_check import check_staged, quarantine_summary
    from collecte.warehouse.db import connect

    refs = _flatten(staged_refs)
    with connect(warehouse_url(), autocommit=True) as conn:
        results = check_staged(raw_zone(), conn, dataset, refs, source=source, run_id=run_id)
    for r in results:
        log.info("%s %s: %s rows, %s passed, %s failed, %s warned - report %s", dataset, r["staged_key"], r["rows"],
                 r["passed"], r["failed"], r["warned"], r.get("report_key") or "-")
    notice = quarantine_summary(results)
    if notice:
        log.warning(notice)
    return results


def check_dataset(dataset: str, staged_refs: Any, *, source: str | None = None, task_id: str | None = None) -> Any:
    """Add a task checking the staged objects of `dataset` (keys or `{"key", "raw_key"}` dicts).

    Returns an XComArg: one summary per object; its `key` is what the loader reads next (None if
    nothing passed). Failures are quarantined and the results kept (S3 + `validation_result`).
    """
    return _check.override(task_id=task_id or f"check_{dataset}")(dataset, staged_refs, source)


@task(trigger_rule="all_done", retries=0)
def _quarantine_notice(*checked: Any) -> dict[str, Any]:
    from airflow.sdk.exceptions import AirflowFailException

    from collecte.quality.staged_check import quarantine_summary

    results = [r for group in checked for r in _flatten(group) if isinstance(r, dict)]
    notice = quarantine_summary(results)
    if notice:
        raise AirflowFailException(notice)
    return {"checked": len(results), "quarantined": 0}


def report_quarantine(*checked: Any, task_id: str = "quarantine_notice") -> Any:
    """Add a leaf task that fails, without retry, when any check quarantined something.

    The loads do not wait for it; it makes the run red in the grid with the message saying what was
    quarantined and how to replay it (the reprocess_quarantine DAG).
    """
    return _quarantine_notice.override(task_id=task_id)(*checked)


REPLAYED = AssetAlias("warehouse-replayed")


def announce_replayed(context: Any, raw_key: str, reports: list[Any]) -> None:
    """An Asset event for each dataset a replay loaded into, so its delivery DAGs run again."""
    from collecte.dags.assets import dataset_asset

    source = raw_key.split("/", 2)[1].removeprefix("source=") if raw_key.count("/") >= 2 else None
    for dataset in sorted({r.dataset for r in reports if r.loaded}):
        context["outlet_events"][REPLAYED].add(dataset_asset(dataset), extra={"supplier": source, "raw_key": raw_key})


@task(outlets=[REPLAYED])
def _replay(**context: Any) -> list[str]:
    from airflow.sdk.exceptions import AirflowFailException

    from collecte.dags.runtime import raw_zone, warehouse_url
    from collecte.quality.reparsers import reparser
    from collecte.quality.replay import replay
    from collecte.warehouse.db import connect

    params = context["params"]
    raw_key = (params.get("raw_key") or "").strip()
    if not raw_key.startswith("raw/"):
        raise AirflowFailException(f"Params: raw_key must be a raw-zone key (raw/...), got {raw_key!r}")
    zone = raw_zone()
    try:  # the Param's enum already refuses other names; this refuses them even if it were bypassed
        reparse = reparser(params.get("reparser"), zone)
    except ValueError as exc:
        raise AirflowFailException(f"Params: {exc}") from None
    with connect(warehouse_url(), autocommit=True) as conn:
        reports = replay(zone, conn, raw_key, dataset=params.get("dataset") or None, reparse=reparse,
                         run_id=context.get("run_id"))
    lines = [r.summary() for r in reports]
    for line in lines:
        log.info(line)
    announce_replayed(context, raw_key, reports)
    still = sum(r.still_failing for r in reports)
    if still:
        raise AirflowFailException(f"{still} record(s) still fail their checks and stay quarantined: "
                                   + " | ".join(lines))
    return lines


def build_reprocess_quarantine(doc_md: str | None = None) -> DAG:
    """The manual `reprocess_quarantine` DAG: replay one quarantined raw object after a fix."""
    with DAG(
        **run_callbacks(),  # a failed run opens one incident (collecte_alerts tells people)
        dag_id="reprocess_quarantine",
        description="Replay a quarantined batch after a fix (data, rule or parser)",
        doc_md=doc_md,
        schedule=None,
        catchup=False,
        max_active_runs=1,
        default_args=default_args(),
        tags=["collecte", "quality", "quarantine", "manual"],
        params={
            "raw_key": Param("", type="string", minLength=5, title="Raw key",
                             description="The quarantined raw object (raw/source=.../...), as in quarantine_record"),
            "dataset": Param(None, type=["null", "string"], title="Dataset",
                             description="Only this dataset (e.g. load_curve, invoice); empty: every one"),
            "reparser": Param(None, type=["null", "string"], enum=[None, *reparser_names()], title="Reparser",
                              description="If the parser was fixed: a registered parser rebuilding the records "
                                          "from the raw object (collecte.quality.reparsers); empty: re-check the "
                                          "quarantined records themselves"),
        },
    ) as dag:
        _replay.override(task_id="replay_quarantined", retries=0)()
    return dag
