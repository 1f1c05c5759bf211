"""Operator data (Enedis Data Connect answers, M023 files, GRDF ADICT answers): parse -> check -> load.

    result = load_operator(zone, conn, "enedis", refs, run_id=run_id)   # refs: [{"key", "kind", "account"}]

The sources only land raw answers; this stage reads them back from the raw zone and, per dataset of
the one catalogue (`collecte.quality.datasets`):

1. parses them into the dataset's Arrow schema and stages Parquet (`staged/`); an object the parser
   cannot read is quarantined whole, records it rejects are quarantined one by one, the rest go on;
2. runs the dataset's Great Expectations suite on the staged rows BEFORE any load; failing rows go to
   the one quarantine (the key layout `reprocess_quarantine` reads), results are kept;
3. upserts only the rows that passed, by COPY on the dataset's key (a rerun changes nothing);
4. marks the raw objects loaded in the collection ledger (`collecte.metering.ledger`), so the end
   of a run can tell an answer landed but not loaded.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)

M023_KIND = "m023_curve"
M023_BILLING_KIND = "m023_billing"
ENEDIS_CONTRACT_KINDS = ("situation_contrat_auto", "synth_contrat_auto", "comptage_auto", "donnees_generales_auto")
GAS_CONSUMPTION_KINDS = {"adict_published": "published", "adict_informative": "informative"}
GAS_POINT_KINDS = {"adict_contract": "contract", "adict_technical": "technical"}
_PARSE_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError, ArithmeticError)


@dataclass
class StageResult:
    """What the stage did with a set of raw objects (counts and keys only: XCom-sized)."""

    datasets: dict[str, dict[str, int]] = field(default_factory=dict)  # dataset -> inserted/updated/rows
    quarantined: dict[str, int] = field(default_factory=dict)           # dataset -> records set aside
    loaded_raw: list[str] = field(default_factory=list)                 # raw objects fully processed
    rejected_raw: list[str] = field(default_factory=list)               # raw objects quarantined whole

    @property
    def rows_changed(self) -> int:
        """Rows inserted or updated over every dataset."""
        return sum(c.get("inserted", 0) + c.get("updated", 0) for c in self.datasets.values())

    def add(self, dataset: str, count: Any, rows: int) -> None:
        """Add an UpsertCount for `dataset`."""
        entry = self.datasets.setdefault(dataset, {"inserted": 0, "updated": 0, "rows": 0})
        entry["inserted"] += count.inserted
        entry["updated"] += count.updated
        entry["rows"] += rows

    def quarantine(self, dataset: str, records: int) -> None:
        """Count records set aside for `dataset`."""
        if records:
            self.quarantined[dataset] = self.quarantined.get(dataset, 0) + records

    def as_dict(self) -> dict[str, Any]:
        """XCom form."""
        return asdict(self) | {"rows_changed": self.rows_changed}


# -- shared steps ---------------------------------------------------------------------------------
def _reject_whole(zone: Any, conn: Any, result: StageResult, raw_key: str, dataset: str, reason: str) -> None:
    from collecte.quality.quarantine import quarantine_batch

    log.error("quarantined whole raw object %s (%s): %s", raw_key, dataset, reason)
    quarantine_batch(zone, conn, dataset=dataset, raw_key=raw_key, reason=reason)
    result.rejected_raw.append(raw_key)
    result.quarantine(dataset, 1)


def check_then_load(zone: Any, conn: Any, dataset: str, staged: list[dict[str, Any]] | list[str],
                    result: StageResult, *, source: str, run_id: str | None) -> None:
    """GX suite of `dataset` on staged Parquet objects, then upsert of the passing rows only."""
    from collecte.metering.loading import load_parquet
    from collecte.quality.staged_check import check_staged

    if not staged:
        return
    for checked in check_staged(zone, conn, dataset, staged, source=source, run_id=run_id):
        result.quarantine(dataset, int(checked["failed"]))
        if checked["failed"]:
            log.warning("%s: %d row(s) of %s failed the suite and were quarantined (%s)", dataset,
                        checked["failed"], checked["staged_key"], checked.get("quarantine_key"))
        if checked["key"]:
            result.add(dataset, load_parquet(conn, dataset, zone.get(checked["key"])), int(checked["passed"]))


def check_frame_then_load(zone: Any, conn: Any, dataset: str, frame: Any, result: StageResult, *,
                          source: str, run_id: str | None) -> None:
    """GX suite of `dataset` on a small in-memory frame (a few contract rows), then upsert what passed."""
    from collecte.quality.loading import upsert_frame
    from collecte.quality.quarantine import quarantine_failed_rows
    from collecte.quality.results import store_validation
    from collecte.quality.validation import validate

    if not len(frame):
        return
    outcome = validate(dataset, frame)
    receipt = quarantine_failed_rows(zone, conn, outcome)
    store_validation(zone, conn, outcome, source=source, run_id=run_id,
                     quarantine_key=receipt.quarantine_key if receipt else None)
    result.quarantine(dataset, len(outcome.failed))
    if len(outcome.passed):
        result.add(dataset, upsert_frame(conn, dataset, outcome.passed), len(outcome.passed))


# -- Enedis: Data Connect answers and M023 files --------------------------------------------------
def _stage_flows(zone: Any, conn: Any, refs: list[dict[str, Any]], result: StageResult, stream: Any,
                 flows: Any) -> None:
    """Enedis recurring flows (R50, R151): decrypt, unzip within bounds, parse; a bad archive is quarantined."""
    from collecte.metering.sge_flows import FlowFormatError
    from collecte.stages.sge_flows import DATASETS_OF_KIND, ArchiveError

    if refs and flows is None:
        raise RuntimeError(f"{len(refs)} Enedis flow archive(s) to load but no flows key configured")
    for ref in refs:
        try:
            stream.write(flows.open(zone.get(ref["key"]), raw_key=ref["key"], kind=ref["kind"]))
        except (ArchiveError, FlowFormatError) as exc:
            name = ref.get("name") or ref["key"].rsplit("/", 1)[-1]
            for dataset in DATASETS_OF_KIND[ref["kind"]]:  # each dataset it feeds, for reprocess_quarantine
                _reject_whole(zone, conn, result, ref["key"], dataset, f"flow file {name}: {exc}")


def _stage_enedis(zone: Any, conn: Any, refs: list[dict[str, Any]], result: StageResult,
                  objects_per_batch: int, flows: Any = None) -> dict[str, str]:
    from collecte.metering.dataconnect import SOURCE, parse_measures
    from collecte.metering.m023 import parse_m023, parse_m023_billing
    from collecte.metering.records import RESOURCES
    from collecte.metering.staging import ParquetStream, batch_id
    from collecte.stages.sge_flows import FLOW_OF_KIND

    measures = sorted((r for r in refs if r["kind"] in RESOURCES), key=lambda r: r["key"])
    history = sorted((r for r in refs if r["kind"] in (M023_KIND, M023_BILLING_KIND)), key=lambda r: r["key"])
    flow_files = sorted((r for r in refs if r["kind"] in FLOW_OF_KIND), key=lambda r: r["key"])
    if not measures and not history and not flow_files:
        return {}
    stream = ParquetStream()
    rejects: list[Any] = []

    def write(parsed: Any) -> None:
        rejects.extend(getattr(parsed, "rejects", []))  # points the parser set aside (a spring-forward label)
        stream.write(parsed)

    for start in range(0, len(measures), objects_per_batch):
        items = [(r["kind"], r["key"], zone.get(r["key"])) for r in measures[start:start + objects_per_batch]]
        try:
            write(parse_measures(items))
        except _PARSE_ERRORS:
            for item in items:  # isolate the bad answer(s); the others of the chunk go on
                try:
                    write(parse_measures([item]))
                except _PARSE_ERRORS as exc:
                    _reject_whole(zone, conn, result, item[1], RESOURCES[item[0]][0].table,
                                  f"{item[1]}: unreadable {item[0]} answer: {type(exc).__name__}: {exc}")
    for ref in history:
        try:
            billing = ref["kind"] == M023_BILLING_KIND
            content = zone.get(ref["key"])
            if flows is not None and not content.startswith(b"PK\x03\x04"):  # on the SFTP drop: AES-encrypted
                content = flows.cipher.decrypt(content, ref["key"])
            write((parse_m023_billing if billing else parse_m023)(content, ref["key"]))
        except _PARSE_ERRORS as exc:
            _reject_whole(zone, conn, result, ref["key"], "billing_energy" if billing else "load_curve", str(exc))
    _quarantine_points(zone, conn, rejects, result)
    _stage_flows(zone, conn, flow_files, result, stream, flows)
    return stream.upload(zone, SOURCE, batch_id(r["key"] for r in measures + history + flow_files))


def _quarantine_points(zone: Any, conn: Any, rejects: list[Any], result: StageResult) -> None:
    from collecte.quality.quarantine import quarantine_rejects

    groups: dict[tuple[str, str], list[tuple[str, str, Any]]] = defaultdict(list)
    for reject in rejects:
        groups[(reject.raw_key, reject.dataset)].append((reject.record_ref, reject.reason, reject.content))
    for (raw_key, dataset), items in sorted(groups.items()):
        log.warning("%s: %d point(s) of %s quarantined by the parser: %s", dataset, len(items), raw_key, items[0][1])
        quarantine_rejects(zone, conn, raw_key=raw_key, dataset=dataset, rejects=items)
        result.quarantine(dataset, len(items))


def _enedis_contracts(zone: Any, conn: Any, refs: list[dict[str, Any]], result: StageResult,
                      run_id: str | None) -> None:
    import orjson
    import pandas as pd

    from collecte.metering.contract import dataconnect_contract
    from collecte.quality.datasets import dataset

    by_meter: dict[str, dict[str, tuple[str, Any]]] = defaultdict(dict)
    for ref in refs:
        if ref["kind"] in ENEDIS_CONTRACT_KINDS:
            by_meter[ref["account"]][ref["kind"]] = (ref["key"], zone.get(ref["key"]))
    rows = []
    for meter, parts in sorted(by_meter.items()):
        anchor = parts.get("situation_contrat_auto") or next(iter(parts.values()))
        try:
            fetched = zone.metadata(anchor[0]).get("fetched-at")
            valid_at = datetime.fromisoformat(fetched) if fetched else datetime.now(UTC)
            rows.append(dataconnect_contract(meter, {k: orjson.loads(v[1]) for k, v in parts.items()}, anchor[0],
                                             valid_at))
        except _PARSE_ERRORS as exc:
            _reject_whole(zone, conn, result, anchor[0], "meter_contract",
                          f"{anchor[0]}: unreadable contract answers of {meter}: {type(exc).__name__}: {exc}")
    if rows:
        frame = pd.DataFrame(rows, columns=dataset("meter_contract").column_names)
        check_frame_then_load(zone, conn, "meter_contract", frame, result, source="enedis", run_id=run_id)


def load_enedis(zone: Any, conn: Any, refs: list[dict[str, Any]], *, run_id: str | None = None,
                objects_per_batch: int = 500, check: Any = None, flows: Any = None) -> StageResult:
    """Parse, check and load Enedis raw objects (Data Connect measures and contracts, M023 curves,
    R50/R151 flow archives: `flows` is a `collecte.stages.sge_flows.FlowOptions`, key and bounds).

    `check` (optional) replaces the built-in check of the staged measures: it receives dataset ->
    staged key and returns dataset -> key of the rows that passed (None: nothing passed); it must
    run the dataset's suite (collecte.quality.staged_check.check_staged).
    """
    from collecte.metering.loading import load_parquet

    result = StageResult()
    staged = _stage_enedis(zone, conn, refs, result, objects_per_batch, flows)
    if check is not None:
        for table, key in sorted(check(staged).items()):
            if key:
                data = zone.get(key)
                result.add(table, load_parquet(conn, table, data), 0)
    else:
        for table, key in sorted(staged.items()):
            check_then_load(zone, conn, table, [key], result, source="enedis", run_id=run_id)
    _enedis_contracts(zone, conn, refs, result, run_id)
    rejected = set(result.rejected_raw)
    result.loaded_raw = sorted({r["key"] for r in refs} - rejected)
    return result


# -- GRDF: ADICT answers --------------------------------------------------------------------------
def _gas_records(body: bytes, *, one: bool = False) -> list[dict[str, Any]]:
    """Records of an ADICT answer (NDJSON ending with a status line; contract/technical: one object)."""
    from collecte.sources.grdf.ndjson import read_ndjson

    return read_ndjson([body], require_status=not one).records


def _gas_consumption(zone: Any, conn: Any, ref: dict[str, Any], result: StageResult,
                     run_id: str | None) -> None:
    from collecte.metering import gas
    from collecte.quality.quarantine import quarantine_rejects
    from collecte.sources.grdf.errors import AdictError

    raw_key = ref["key"]
    try:
        records = _gas_records(zone.get(raw_key))
    except (AdictError, *_PARSE_ERRORS) as exc:
        _reject_whole(zone, conn, result, raw_key, gas.TABLE, f"{raw_key}: unreadable ADICT answer: {exc}")
        return
    rows, rejected = gas.parse_consumption(records, kind=GAS_CONSUMPTION_KINDS[ref["kind"]], raw_key=raw_key)
    if rejected:
        log.warning("GRDF %s: %d record(s) rejected by the parser: %s", raw_key, len(rejected), rejected[0].reason)
        quarantine_rejects(zone, conn, raw_key=raw_key, dataset=gas.TABLE,
                           rejects=[(f"line {r.line}", r.reason, r.record) for r in rejected])
        result.quarantine(gas.TABLE, len(rejected))
    for note in gas.continuity_gaps(rows):
        log.info("GRDF %s", note)
    if rows:
        staged = zone.put(gas.staged_key(raw_key), gas.to_parquet(rows), content_type="application/vnd.apache.parquet",
                          metadata={"raw-key": raw_key})
        check_then_load(zone, conn, gas.TABLE, [{"key": staged, "raw_key": raw_key}], result, source="grdf",
                        run_id=run_id)


def _gas_points(zone: Any, conn: Any, refs: list[dict[str, Any]], result: StageResult) -> None:
    from collecte.metering import gas
    from collecte.sources.grdf.errors import AdictError

    by_pce: dict[str, dict[str, tuple[dict[str, Any] | None, str]]] = defaultdict(dict)
    for ref in refs:
        try:
            records = _gas_records(zone.get(ref["key"]), one=True)
        except (AdictError, *_PARSE_ERRORS) as exc:
            _reject_whole(zone, conn, result, ref["key"], "meter_contract", f"{ref['key']}: unreadable answer: {exc}")
            continue
        by_pce[ref["account"]][GAS_POINT_KINDS[ref["kind"]]] = (records[0] if records else None, ref["key"])
    for pce, parts in sorted(by_pce.items()):
        contract, technical = parts.get("contract"), parts.get("technical")
        # no GX suite for gas contracts yet (meter_contract's suite checks electricity PRMs and segments)
        shared, gas_row = gas.contract_rows(
            pce, contract=contract[0] if contract else None, contract_raw_key=contract[1] if contract else None,
            technical=technical[0] if technical else None, technical_raw_key=technical[1] if technical else None,
            valid_at=None)  # ADICT gives no validity date; a dated value would change every day
        changed = gas.upsert_contract(conn, shared, gas_row)
        entry = result.datasets.setdefault("gas_contract", {"inserted": 0, "updated": 0, "rows": 0})
        entry["updated"] += changed
        entry["rows"] += 1


def load_gas(zone: Any, conn: Any, refs: list[dict[str, Any]], *, run_id: str | None = None) -> StageResult:
    """Parse, check and load GRDF raw objects (consumption answers, contract and technical data)."""
    result = StageResult()
    for ref in sorted((r for r in refs if r["kind"] in GAS_CONSUMPTION_KINDS), key=lambda r: r["key"]):
        _gas_consumption(zone, conn, ref, result, run_id)
    _gas_points(zone, conn, [r for r in refs if r["kind"] in GAS_POINT_KINDS], result)
    result.loaded_raw = sorted({r["key"] for r in refs} - set(result.rejected_raw))
    return result


LOADERS = {"enedis": load_enedis, "grdf": load_gas}


def load_operator(zone: Any, conn: Any, operator: str, refs: list[dict[str, Any]], *,
                  run_id: str | None = None, **options: Any) -> StageResult:
    """Parse -> check -> load the raw objects of one operator, then mark them loaded in the ledger.

    `options` go to the operator's loader (Enedis: `flows`, the key and bounds of the flow archives).
    """
    from collecte.metering.ledger import mark_loaded

    unique = list({r["key"]: r for r in refs}.values())
    result = LOADERS[operator](zone, conn, unique, run_id=run_id, **options)
    mark_loaded(conn, operator, [*result.loaded_raw, *result.rejected_raw])
    return result
