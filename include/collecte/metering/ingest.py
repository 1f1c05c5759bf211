"""Raw Enedis objects (Data Connect answers, M023 files) → staged Parquet → warehouse, in bounded batches.

    counts = ingest_raw(zone, conn, refs)   # refs: [{"key", "kind", "account", ...}] from collection

Measure responses are parsed a batch of objects at a time (`objects_per_batch`), appended as row
groups to one Parquet file per dataset, uploaded to `staged/`, then upserted by COPY. Contract
answers (four small objects per meter) become one `meter_contract` row per meter, upserted
directly: a few rows do not need a Parquet hop.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from collecte.metering.contract import contract_rows, dataconnect_contract
from collecte.metering.dataconnect import SOURCE, parse_measures
from collecte.metering.loading import load_staged
from collecte.metering.m023 import parse_m023_csv
from collecte.metering.records import METER_CONTRACT, RESOURCES
from collecte.metering.staging import ParquetStream, batch_id
from collecte.warehouse.upsert import copy_upsert

M023_KIND = "m023_curve"
CONTRACT_KINDS = ("situation_contrat_auto", "synth_contrat_auto", "comptage_auto", "donnees_generales_auto")


def stage_measures(zone: Any, refs: list[dict[str, Any]], *, objects_per_batch: int = 500,
                   source: str = SOURCE, rejects: list | None = None) -> dict[str, str]:
    """Parse measure objects into staged Parquet; dataset -> staged key. Unreadable points go to `rejects`."""
    measures = sorted((r for r in refs if r["kind"] in RESOURCES), key=lambda r: r["key"])
    history = sorted((r for r in refs if r["kind"] == M023_KIND), key=lambda r: r["key"])
    if not measures and not history:
        return {}
    stream = ParquetStream()
    for start in range(0, len(measures), objects_per_batch):
        chunk = measures[start:start + objects_per_batch]
        parsed = parse_measures((r["kind"], r["key"], zone.get(r["key"])) for r in chunk)
        if rejects is not None:
            rejects.extend(parsed.rejects)
        stream.write(parsed)
    for ref in history:
        stream.write({"load_curve": parse_m023_csv(zone.get(ref["key"]), ref["key"])})
    return stream.upload(zone, source, batch_id(r["key"] for r in measures + history))


def quarantine_rejects(zone: Any, conn: Any, rejects: list) -> int:
    """Quarantine points the parser could not read (spring-forward gap label, ...), per raw object."""
    from collecte.stages.quarantine import quarantine_records

    by_raw: dict[tuple[str, str], list[tuple[str, str, str]]] = defaultdict(list)
    for reject in rejects:
        by_raw[(reject.raw_key, reject.dataset)].append((reject.record_ref, reject.reason, reject.content))
    return sum(quarantine_records(zone, conn, raw_key=raw_key, dataset=dataset, rejects=items)
               for (raw_key, dataset), items in sorted(by_raw.items()))


def load_contracts(zone: Any, conn: Any, refs: list[dict[str, Any]]):  # noqa: ANN201 - UpsertCount
    """One meter_contract row per meter from its four contract objects."""
    by_meter: dict[str, dict[str, tuple[str, dict]]] = defaultdict(dict)
    for ref in refs:
        if ref["kind"] in CONTRACT_KINDS:
            by_meter[ref["account"]][ref["kind"]] = (ref["key"], orjson.loads(zone.get(ref["key"])))
    rows = []
    for meter, parts in sorted(by_meter.items()):
        anchor = parts.get("situation_contrat_auto") or next(iter(parts.values()))
        fetched = zone.metadata(anchor[0]).get("fetched-at")
        valid_at = datetime.fromisoformat(fetched) if fetched else datetime.now(UTC)
        rows.append(dataconnect_contract(meter, {k: v[1] for k, v in parts.items()}, anchor[0], valid_at))
    if not rows:
        return None
    return copy_upsert(conn, METER_CONTRACT.table, METER_CONTRACT.column_names, contract_rows(rows),
                       METER_CONTRACT.key)


def ingest_raw(zone: Any, conn: Any, refs: list[dict[str, Any]], *, objects_per_batch: int = 500,
               check: Callable[[dict[str, str]], dict[str, str | None]] | None = None) -> dict[str, Any]:
    """Stage, check and load every raw object of a collection; dataset -> {"inserted", "updated", "staged"}.

    `check` receives dataset -> staged key and returns dataset -> key of the rows that passed (the same
    key, a `.checked.parquet`, or None when nothing passed): the Great Expectations stage.
    """
    rejects: list = []
    staged = stage_measures(zone, refs, objects_per_batch=objects_per_batch, rejects=rejects)
    to_load = check(staged) if check else dict(staged)
    counts: dict[str, Any] = {}
    if rejects:
        counts["rejected_points"] = {"inserted": 0, "updated": 0, "quarantined": quarantine_rejects(zone, conn, rejects)}
    loaded = load_staged(conn, zone, {t: k for t, k in to_load.items() if k})
    for table, count in loaded.items():
        counts[table] = {"inserted": count.inserted, "updated": count.updated, "staged": staged[table]}
    contracts = load_contracts(zone, conn, refs)
    if contracts is not None:
        counts["meter_contract"] = {"inserted": contracts.inserted, "updated": contracts.updated}
    return counts
