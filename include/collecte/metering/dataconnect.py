"""Data Connect 2026 measure answers → canonical Arrow tables (daily energy, curve, max power, index).

Shapes from the official Swagger `swagger_mesure_synchrone_auto_v2.yaml` (Data Connect 2026):
`{idPrm, etapeMetier, periode, modeCalcul, pas?, grandeur[{grandeurMetier, grandeurPhysique, unite,
points[{v, d, p?, n?, iv?, ec?}]}], contexte[]}`. A curve carries its step on each point (`p`, e.g.
`PT30M`; it may change inside one answer, 30 → 10 minutes); daily answers carry a global `pas`.
`d` is Paris wall-clock time: the END of a curve interval (same instants as v5, as measured on real
meters), the day of a daily value, the INSTANT of a max-power peak (so a peak at 00:00:00 belongs to
the day it starts). Index answers (`index_consommation`) hold their values in
`contexte[].grandeur[].calendrier[].classeTemporelle[].valeur[{d, v (integer), iv}]`.

Parsing is columnar end to end for the voluminous kinds: the answers of a batch are joined into one
NDJSON buffer and read by Arrow's JSON reader; the nested lists are flattened and every conversion —
wall-clock time to UTC, W × minutes / 60 to Wh, text to integers — runs in Arrow's C++ kernels.

A point that cannot be read (a label inside the spring-forward gap, an unreadable label, value or
step) does not abort the batch: it is left out of the tables and returned in `rejects` with its
reason, for the stage to quarantine, while the rest goes on.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from collecte.metering.paris_time import PARIS, wall_to_utc
from collecte.metering.records import (
    DAILY_ENERGY,
    LOAD_CURVE,
    MAX_POWER,
    METER_INDEX,
    RESOURCES,
    Dataset,
)

SOURCE = "enedis"
STEPS = {"PT5M": 5, "PT10M": 10, "PT15M": 15, "PT30M": 30, "PT60M": 60, "PT1H": 60}


class ResponseError(ValueError):
    """A measure response that does not have the documented shape."""


@dataclass(frozen=True)
class Reject:
    """One point left out of the tables: which answer, which record, why, and its content."""

    raw_key: str
    dataset: str
    record_ref: str
    reason: str
    content: str


class Parsed(dict):
    """dataset -> Arrow table, plus `rejects` (points to quarantine)."""

    def __init__(self, tables: dict[str, Any] | None = None, rejects: list[Reject] | None = None) -> None:
        super().__init__(tables or {})
        self.rejects: list[Reject] = rejects or []


def step_minutes(pas: str) -> int:
    """Minutes of a curve step; only the steps the Swagger lists (PT5M, PT10M, PT30M, PT60M; PT15M per DOMAIN.md)."""
    text = (pas or "").upper()
    if text in STEPS:
        return STEPS[text]
    raise ResponseError(f"unexpected curve step {pas!r}")


def answer_schema() -> Any:
    """The part of a measure answer the parser reads (other fields are ignored)."""
    import pyarrow as pa

    point = pa.struct([("v", pa.string()), ("d", pa.string()), ("p", pa.string())])
    grandeur = pa.struct([("grandeurMetier", pa.string()), ("points", pa.list_(point))])
    return pa.schema([("idPrm", pa.string()), ("etapeMetier", pa.string()), ("pas", pa.string()),
                      ("grandeur", pa.list_(grandeur))])


def _read(bodies: list[bytes], raw_keys: list[str]) -> Any:
    """One Arrow table, a row per answer. Raw newlines can only be whitespace in JSON: they become spaces."""
    import pyarrow as pa
    import pyarrow.json as pj

    buffer = b"\n".join(b.replace(b"\r", b" ").replace(b"\n", b" ") for b in bodies)
    try:
        table = pj.read_json(io.BytesIO(buffer),
                             # one answer per line: blocks of whole lines parse in parallel, in order
                             read_options=pj.ReadOptions(use_threads=True,
                                                         block_size=max(1 << 20, 2 * max(map(len, bodies)) + 2)),
                             parse_options=pj.ParseOptions(explicit_schema=answer_schema(),
                                                           unexpected_field_behavior="ignore"))
    except pa.ArrowInvalid as exc:
        raise ResponseError(f"answers {raw_keys[0]}..{raw_keys[-1]}: not the documented shape: {exc}") from None
    if table.num_rows != len(bodies):
        raise ResponseError(f"answers {raw_keys[0]}..: {table.num_rows} documents read from {len(bodies)} answers")
    if table.column("idPrm").null_count:
        raise ResponseError(f"answers {raw_keys[0]}..: an answer has no idPrm")
    return table.combine_chunks()


def _by(indices: Any, values: Any) -> Any:
    """values[indices] for text as a dictionary array (no copy of the strings)."""
    import pyarrow as pa

    return pa.DictionaryArray.from_arrays(indices.cast(pa.int32()), values)


def _minutes(steps: Any, answer_steps: Any, answer_of_point: Any) -> Any:
    """Per-point step in minutes (int16, null where unreadable): the point's `p`, else the answer's `pas`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.coalesce(steps, pc.take(answer_steps, answer_of_point)) if steps.null_count else steps
    encoded = pc.dictionary_encode(text).combine_chunks() if isinstance(text, pa.ChunkedArray) \
        else pc.dictionary_encode(text)
    known = []
    for value in encoded.dictionary.to_pylist():
        try:
            known.append(step_minutes(value))
        except ResponseError:
            known.append(None)
    return pc.take(pa.array(known, pa.int16()), encoded.indices)


def _rejects(mask: Any, reasons: Any, raw_keys: Any, meters: Any, walls: Any, values: Any, dataset: Dataset,
             direction: Any) -> list[Reject]:
    """Rejects for the rows where `mask` is true (few: only those rows reach Python)."""
    import pyarrow.compute as pc

    where = pc.indices_nonzero(mask).to_pylist()
    out = []
    for i in where:
        meter, label = meters[i].as_py(), walls[i].as_py()
        out.append(Reject(raw_keys[i].as_py(), dataset.table, f"{meter}|{label}|{direction[i].as_py()}",
                          reasons[i].as_py(), orjson.dumps({"v": values[i].as_py(), "d": label}).decode()))
    return out


def _table(answers: Any, raw_keys: list[str], dataset: Dataset, direction: str, source: str,
           rejects: list[Reject]) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    grandeurs = answers.column("grandeur").chunk(0) if answers.num_rows else pa.array([], answers.schema[3].type)
    answer_of_grandeur = pc.list_parent_indices(grandeurs)
    flat = pc.list_flatten(grandeurs)
    points = pc.struct_field(flat, "points")
    grandeur_of_point = pc.list_parent_indices(points)
    flat_points = pc.list_flatten(points)
    size = len(flat_points)
    if not size:
        return dataset.arrow_schema().empty_table()
    answer_of_point = pc.take(answer_of_grandeur, grandeur_of_point)
    meter = _by(answer_of_point, answers.column("idPrm").chunk(0))
    raw_key = _by(answer_of_point, pa.array(raw_keys, pa.string()))
    directions = pc.fill_null(pc.struct_field(flat, "grandeurMetier"), direction)
    point_direction = _by(grandeur_of_point, directions)
    wall = pc.struct_field(flat_points, "d")
    text = pc.struct_field(flat_points, "v")
    try:  # the fast path: every value an integer (the regex only when one is not)
        value = pc.cast(text, pa.int64())
        if value.null_count:
            raise pa.ArrowInvalid("missing value")
        reason = pa.nulls(size, pa.string())
    except pa.ArrowInvalid:
        numeric = pc.fill_null(pc.match_substring_regex(text, r"^-?[0-9]+$"), False)
        reason = pc.if_else(numeric, pa.scalar(None, pa.string()), pa.scalar("value v is not an integer"))
        value = pc.cast(pc.if_else(numeric, text, pa.scalar("0")), pa.int64())
    group = grandeur_of_point.cast(pa.int32())
    if dataset is DAILY_ENERGY:
        day = pc.strptime(pc.utf8_slice_codeunits(pc.fill_null(wall, ""), 0, 10), format="%Y-%m-%d", unit="s",
                          error_is_null=True)
        reason = pc.coalesce(reason, pc.if_else(pc.is_null(day), pa.scalar("unreadable day d"),
                                                pa.scalar(None, pa.string())))
    else:
        instants, bad_label = wall_to_utc(wall, group, nonexistent="mark")
        reason = pc.coalesce(reason, bad_label)
    if dataset is LOAD_CURVE:
        minutes = _minutes(pc.struct_field(flat_points, "p"), answers.column("pas").chunk(0), answer_of_point)
        reason = pc.coalesce(reason, pc.if_else(pc.is_null(minutes), pa.scalar("no readable step p (nor pas)"),
                                                pa.scalar(None, pa.string())))
    bad = pc.is_valid(reason)
    if pc.any(bad).as_py():
        rejects.extend(_rejects(bad, reason, raw_key, meter, wall, text, dataset, point_direction))
    src = _by(pa.nulls(size, pa.int32()).fill_null(0), pa.array([source]))
    if dataset is LOAD_CURVE:
        energy = pc.divide(pc.multiply(pc.cast(value, pa.float64()), pc.cast(minutes, pa.float64())), 60.0)
        arrays = [meter, instants, point_direction, minutes, pc.cast(value, pa.int32()), energy, src, raw_key]
    elif dataset is DAILY_ENERGY:
        quality = _by(answer_of_point, pc.fill_null(answers.column("etapeMetier").chunk(0), ""))
        arrays = [meter, pc.cast(day, pa.date32()), point_direction, src, value, quality, raw_key]
    elif dataset is MAX_POWER:
        # an instant, not an interval end: the day of the label (a peak at 00:00:00 stays on its day)
        day = pc.strptime(pc.utf8_slice_codeunits(wall, 0, 10), format="%Y-%m-%d", unit="s", error_is_null=True)
        arrays = [meter, pc.cast(day, pa.date32()), point_direction, pc.cast(value, pa.int32()), instants, src,
                  raw_key]
    else:
        raise ValueError(f"no Data Connect parser for {dataset.table}")
    table = pa.Table.from_arrays(arrays, schema=dataset.arrow_schema())
    return table.filter(pc.invert(bad)) if pc.any(bad).as_py() else table


def _index_instant(label: str) -> datetime:
    """An index reading's date: the Swagger only says 'horodate'; read Paris wall time, a day, or ISO with offset."""
    text = label.strip()
    if len(text) == 10:
        return datetime.fromisoformat(text).replace(tzinfo=PARIS).astimezone(UTC)
    moment = datetime.fromisoformat(text.replace(" ", "T"))
    return (moment if moment.tzinfo else moment.replace(tzinfo=PARIS)).astimezone(UTC)


def _calendars(grandeur: dict[str, Any]) -> list[dict[str, Any]]:
    """The distributor's calendar when there is one (ids `DI…`), else every calendar given."""
    calendars = grandeur.get("calendrier") or []
    distributor = [c for c in calendars if str(c.get("idCalendrier") or "").upper().startswith("DI")]
    return distributor or calendars


def _index_table(items: list[tuple[str, bytes]], direction: str, source: str, rejects: list[Reject]) -> Any:
    """Index answers (few values: read in Python) → meter_index rows."""
    import pyarrow as pa

    rows: dict[tuple, dict[str, Any]] = {}
    for raw_key, body in items:
        try:
            answer = orjson.loads(body)
            prm = answer["idPrm"]
            contexts = answer.get("contexte") or []
        except (orjson.JSONDecodeError, KeyError, TypeError):
            raise ResponseError(f"{raw_key}: not the documented index shape") from None
        for context in contexts:
            kind = context.get("contexteReleve") or context.get("typeReleve") or "COL"
            for grandeur in context.get("grandeur") or []:
                flow = grandeur.get("grandeurMetier") or direction
                classes = [(c.get("idClasseTemporelle") or "BASE", c.get("valeur") or [])
                           for cal in _calendars(grandeur) for c in cal.get("classeTemporelle") or []]
                if not classes and grandeur.get("cadranTotalisateur"):
                    classes = [("BASE", grandeur["cadranTotalisateur"].get("valeur") or [])]
                for time_class, values in classes:
                    for item in values:
                        label = str(item.get("d") or "")
                        try:
                            reading_at = _index_instant(label)
                            value = int(item["v"])
                        except (KeyError, TypeError, ValueError) as exc:
                            rejects.append(Reject(raw_key, METER_INDEX.table, f"{prm}|{label}|{time_class}|{flow}",
                                                  f"unreadable index value: {exc}", orjson.dumps(item).decode()))
                            continue
                        rows[(prm, reading_at, time_class, flow)] = {
                            "meter_id": prm, "reading_at": reading_at, "time_class": str(time_class),
                            "direction": flow, "index_wh": value, "context": str(kind), "source": source,
                            "raw_key": raw_key}
    schema = METER_INDEX.arrow_schema()
    plain = pa.schema([pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
                       for f in schema])
    table = pa.Table.from_pylist(list(rows.values()), schema=plain)
    return table.cast(schema)


def parse_measures(responses: Iterable[tuple[str, str, bytes]], *, source: str = SOURCE) -> Parsed:
    """Arrow tables per dataset from (resource, raw_key, body) measure responses; `.rejects` to quarantine."""
    groups: dict[str, list[tuple[str, bytes]]] = {}
    for resource, raw_key, body in responses:
        if resource not in RESOURCES:
            raise ResponseError(f"{raw_key}: unknown Data Connect resource {resource!r}")
        groups.setdefault(resource, []).append((raw_key, body))
    tables: dict[str, list[Any]] = {}
    rejects: list[Reject] = []
    for resource, items in groups.items():
        dataset, direction = RESOURCES[resource]
        keys = [k for k, _ in items]
        if dataset is METER_INDEX:
            table = _index_table(items, direction, source, rejects)
        else:
            table = _table(_read([b for _, b in items], keys), keys, dataset, direction, source, rejects)
        tables.setdefault(dataset.table, []).append(table)
    return Parsed({name: parts[0] if len(parts) == 1 else _concat(parts) for name, parts in tables.items()}, rejects)


def _concat(parts: list[Any]) -> Any:
    import pyarrow as pa

    return pa.concat_tables(parts, promote_options="permissive").unify_dictionaries()
