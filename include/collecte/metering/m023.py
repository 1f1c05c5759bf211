"""Enedis M023 curve history results (flux R63) → canonical load-curve rows.

What Enedis delivers, as far as public sources show it (docs/M023.md cites them):

- one ZIP per result on the SFTP drop, `ENEDIS_R63_P_CdC_<affaire>_<seq:5>_<yyyymmddHHMMSS>.zip`,
  holding one file of the same base name, `.csv` or `.json` as the order asked (`format`);
- CSV: `;`, UTF-8 (a BOM may lead), one row per point with its PRM, the order's span, the
  quantity (PA in W for a curve), direction (CONS/PROD), stage, unit, `Horodate`, `Valeur`, nature,
  `Pas` (PT10M, PT30M…), likelihood and state; `Horodate` is the Paris wall clock
  `YYYY-MM-DD HH:MM:SS` (an ISO stamp with offset is read too);
- JSON: `{"header": {codeFlux, idDemande…}, "mesures": [{idPrm, periode, grandeur: [{grandeurMetier,
  grandeurPhysique, unite, points: [{d, v, p, n, iv…}]}]}]}`, `d` in the same forms.

Reading rules (never a guess):
- an empty value is a gap: no row, not a zero;
- the step is the point's `Pas`; when not stated, the gap to the neighbouring stamp of the same
  series (prm, direction, quantity), which must be a known step;
- a wall-clock label of the repeated autumn hour is resolved by order of appearance in its series:
  its first occurrence is summer time (CEST), the second winter time (CET, one hour later); a third
  is a defect; a label inside the spring-forward gap is a defect;
- a point that cannot be read (label, value, step, unit, duplicate) is set aside in `rejects` with
  the file and line (CSV) or JSON path, and quarantined; a file that cannot be read at all raises
  M023FormatError naming it, and is quarantined whole.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from collecte.metering.dataconnect import Parsed, Reject
from collecte.metering.paris_time import PARIS
from collecte.metering.records import LOAD_CURVE

M023_SOURCE = "enedis"  # same measures as Data Connect: same source, same keys
CURVE_FLUX = "R63"
STEPS = (5, 10, 15, 30, 60)
STEP_RE = re.compile(r"^PT(\d+)([MH])$")
OFFSET_RE = re.compile(r"(Z|[+-]\d\d:?\d\d)$")
# unit -> factor to W (power) or Wh (energy); a curve of energies is turned into average power
POWER_UNITS = {"W": 1, "KW": 1000}
ENERGY_UNITS = {"WH": 1, "KWH": 1000}
CSV_COLUMNS = {  # normalised header -> field
    "identifiant prm": "prm", "horodate": "label", "valeur": "value", "pas": "step",
    "grandeur physique": "quantity", "grandeur metier": "direction", "unite": "unit",
}
REQUIRED = ("prm", "label", "value", "direction", "quantity", "unit")


class M023FormatError(ValueError):
    """A result file that cannot be read at all (named, with the reason)."""


@dataclass
class _Point:
    ref: str          # "line 12" or "mesures[0].grandeur[0].points[5]"
    content: str      # the raw line / point, for the quarantine
    prm: str
    direction: str
    quantity: str
    unit: str
    label: str
    value: str | None
    step: str | None
    instant: datetime | None = None
    minutes: int | None = None


def parse_m023(content: bytes, raw_key: str) -> Parsed:
    """The load-curve table of one M023 curve result (ZIP, CSV or JSON), with the points set aside."""
    points: list[_Point] = []
    for name, data in _members(content, raw_key):
        text = _text(data, name)
        if text.lstrip()[:1] in ("{", "["):
            points.extend(_json_points(text, name))
        else:
            points.extend(_csv_points(text, name))
    rejects: list[Reject] = []
    kept = _resolve(points, raw_key, rejects)
    return Parsed({"load_curve": _table(kept, raw_key)}, rejects)


MAX_MEMBERS = 16
MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024  # 10,000 PRMs x 10,000 points of ~100 bytes, with room


def _members(content: bytes, raw_key: str) -> list[tuple[str, bytes]]:
    """The data files of a result: the ZIP's .csv/.json members (bounded), or the file itself."""
    if not content.startswith(b"PK\x03\x04"):
        if raw_key.lower().endswith(".zip"):
            raise M023FormatError(f"{raw_key}: not a readable ZIP; an archive encrypted on the SFTP drop must be "
                                  "decrypted first (the flows key of the SGE connection)")
        return [(raw_key, content)]
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = [i for i in archive.infolist() if i.filename.lower().endswith((".csv", ".json"))]
            if not infos:
                raise M023FormatError(f"{raw_key}: ZIP without a .csv or .json result ({archive.namelist()})")
            if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:
                raise M023FormatError(f"{raw_key}: ZIP of {len(infos)} results, {sum(i.file_size for i in infos)} "
                                      "bytes unzipped: more than a result holds, refused (zip bomb?)")
            return [(f"{raw_key}!{i.filename}", archive.read(i)) for i in sorted(infos, key=lambda i: i.filename)]
    except (zipfile.BadZipFile, OSError) as exc:  # an AES-encrypted archive lands here too
        raise M023FormatError(f"{raw_key}: not a readable ZIP ({exc}); encrypted archives must be "
                              "decrypted before they are parsed") from None


def _text(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")  # the BOM, when there is one, is not part of the first header
    except UnicodeDecodeError as exc:
        raise M023FormatError(f"{name}: not UTF-8 ({exc})") from None


def _normalise(header: str) -> str:
    plain = unicodedata.normalize("NFKD", header)
    return " ".join("".join(c for c in plain if not unicodedata.combining(c)).strip().lower().split())


def _csv_points(text: str, name: str) -> list[_Point]:
    rows = csv.reader(io.StringIO(text), delimiter=";")
    header = next(rows, None)
    if not header:
        raise M023FormatError(f"{name}: empty file (no header line)")
    columns = {CSV_COLUMNS[_normalise(h)]: i for i, h in enumerate(header) if _normalise(h) in CSV_COLUMNS}
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        raise M023FormatError(f"{name} line 1: not an M023 curve file: no column for {', '.join(missing)} "
                              f"(header {';'.join(header)!r})")
    out = []
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue  # a blank line (a trailing one)

        def cell(field: str, row: list[str] = row) -> str | None:
            index = columns.get(field)
            value = row[index].strip() if index is not None and index < len(row) else ""
            return value or None

        out.append(_Point(f"{name} line {number}", ";".join(row), cell("prm") or "", (cell("direction") or ""),
                          cell("quantity") or "", cell("unit") or "", cell("label") or "", cell("value"),
                          cell("step")))
    return out


def _json_points(text: str, name: str) -> list[_Point]:
    out = []
    for where, doc in _documents(text, name, CURVE_FLUX, "a curve"):
        for i, mesure in enumerate(doc["mesures"]):
            path = f"{where}mesures[{i}]"
            prm = str((mesure or {}).get("idPrm") or "")
            grandeurs = (mesure or {}).get("grandeur")
            if not isinstance(grandeurs, list):
                raise M023FormatError(f"{name} {path}: no 'grandeur' list")
            for j, grandeur in enumerate(grandeurs):
                points = (grandeur or {}).get("points")
                if not isinstance(points, list):
                    raise M023FormatError(f"{name} {path}.grandeur[{j}]: no 'points' list")
                for k, point in enumerate(points):
                    point = point if isinstance(point, dict) else {}
                    value = point.get("v")
                    out.append(_Point(f"{name} {path}.grandeur[{j}].points[{k}]", json.dumps(point, ensure_ascii=False),
                                      prm, str(grandeur.get("grandeurMetier") or ""),
                                      str(grandeur.get("grandeurPhysique") or ""), str(grandeur.get("unite") or ""),
                                      str(point.get("d") or ""), None if value in (None, "") else str(value),
                                      point.get("p") or None))
    return out


def _documents(text: str, name: str, flux: str, what: str) -> list[tuple[str, dict[str, Any]]]:
    """(path prefix, document) of a JSON result: one document, or a list of them; of flux `flux` only."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise M023FormatError(f"{name}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    out = []
    for n, doc in enumerate(document if isinstance(document, list) else [document]):
        where = f"[{n}]" if isinstance(document, list) else ""
        if not isinstance(doc, dict) or not isinstance(doc.get("mesures"), list):
            raise M023FormatError(f"{name}{where}: no 'mesures' list: not an M023 result")
        found = (doc.get("header") or {}).get("codeFlux")
        if found not in (None, flux):
            raise M023FormatError(f"{name}{where}: flux {found}, not {what} ({flux}) result")
        out.append((where, doc))
    return out


def _step(text: str | None) -> int | None:
    match = STEP_RE.match((text or "").strip().upper())
    if not match:
        return None
    minutes = int(match[1]) * (60 if match[2] == "H" else 1)
    return minutes if minutes in STEPS else None


def _wall(label: str) -> datetime | None:
    try:
        return datetime.fromisoformat(label.replace("T", " ", 1))
    except ValueError:
        return None


def _resolve(points: list[_Point], raw_key: str, rejects: list[Reject]) -> list[_Point]:
    """Instants (repeated hour by order), steps (stated or inferred), defects set aside."""
    def reject(point: _Point, reason: str) -> None:
        rejects.append(Reject(raw_key, LOAD_CURVE.table, point.ref, f"{point.ref}: {reason}", point.content))

    occurrences: dict[tuple[str, str, str, datetime], int] = {}
    zoned: dict[datetime, tuple[datetime, datetime] | None] = {}  # wall time -> (CEST/first, CET/second) UTC
    readable: list[_Point] = []
    for point in points:
        if not re.fullmatch(r"\d{14}", point.prm):
            reject(point, f"PRM {point.prm!r} is not 14 digits")
            continue
        if point.direction not in ("CONS", "PROD"):
            reject(point, f"Grandeur métier {point.direction!r} is neither CONS nor PROD")
            continue
        unit = point.unit.upper()
        if not ((point.quantity == "PA" and unit in POWER_UNITS) or (point.quantity == "EA" and unit in ENERGY_UNITS)):
            reject(point, f"quantity {point.quantity} in {point.unit} is not an active power (PA, W) "
                          "nor an active energy (EA, Wh) curve")
            continue
        naive = _wall(point.label)
        if naive is None:
            reject(point, f"unreadable Horodate {point.label!r} (expected YYYY-MM-DD HH:MM:SS, or ISO with offset)")
            continue
        if OFFSET_RE.search(point.label) and naive.tzinfo is not None:
            point.instant = naive.astimezone(UTC)
        else:
            naive = naive.replace(tzinfo=None)
            if naive not in zoned:  # one zone computation per wall time, shared by every series of the file
                first = naive.replace(tzinfo=PARIS, fold=0).astimezone(UTC)
                exists = first.astimezone(PARIS).replace(tzinfo=None) == naive
                zoned[naive] = (first, naive.replace(tzinfo=PARIS, fold=1).astimezone(UTC)) if exists else None
            instants = zoned[naive]
            if instants is None:
                reject(point, f"Horodate {point.label} is inside the spring-forward gap: Paris skips this time")
                continue
            key = (point.prm, point.direction, point.quantity, naive)
            seen = occurrences.get(key, 0)
            occurrences[key] = seen + 1
            if seen >= (2 if instants[0] != instants[1] else 1):
                reject(point, f"Horodate {point.label} appears {seen + 1} times in this series")
                continue
            point.instant = instants[1 if seen else 0]
        readable.append(point)
    _infer_steps(readable)
    kept: list[_Point] = []
    instants: dict[tuple[str, str, datetime], str] = {}
    for point in readable:
        if point.minutes is None:
            reject(point, f"unknown step Pas {point.step!r}" if point.step else
                       "no Pas and no neighbouring stamp at a known step")
            continue
        series = (point.prm, point.direction, point.instant)
        if series in instants:
            reject(point, f"same instant as {instants[series]}")
            continue
        instants[series] = point.ref
        if point.value is None:
            continue  # a gap: Enedis has no measure for this point
        unit = point.unit.upper()
        if point.quantity == "PA" and unit == "W" and point.value.isascii() and point.value.isdigit():  # no Decimal
            kept.append(point)
            continue
        try:
            number = Decimal(point.value.replace(",", "."))
        except InvalidOperation:
            reject(point, f"Valeur {point.value!r} is not a number")
            continue
        watts = number * POWER_UNITS[unit] if point.quantity == "PA" else \
            number * ENERGY_UNITS[unit] * 60 / point.minutes
        if watts != watts.to_integral_value():
            reject(point, f"Valeur {point.value} {point.unit} is not a whole number of watts")
            continue
        point.value = str(int(watts))
        kept.append(point)
    return kept


def _infer_steps(points: list[_Point]) -> None:
    """Each point's step: its `Pas`; when none is stated, the gap to the previous stamp of its series
    (stamps end their interval), else to the next one; either must be a known step."""
    series: dict[tuple[str, str, str], list[_Point]] = {}
    for point in points:
        point.minutes = _step(point.step)
        series.setdefault((point.prm, point.direction, point.quantity), []).append(point)
    for members in series.values():
        if all(p.minutes is not None for p in members):
            continue
        members = sorted(members, key=lambda p: p.instant)
        for i, point in enumerate(members):
            if point.minutes is not None or point.step:  # a stated but unknown step is not replaced
                continue
            gaps = [members[i].instant - members[i - 1].instant] if i else []
            if i + 1 < len(members):
                gaps.append(members[i + 1].instant - members[i].instant)
            for gap in gaps:
                minutes = int(gap / timedelta(minutes=1))
                if gap == timedelta(minutes=minutes) and minutes in STEPS:
                    point.minutes = minutes
                    break


def _table(points: list[_Point], raw_key: str) -> Any:
    import pyarrow as pa

    schema = LOAD_CURVE.arrow_schema()
    if not points:
        return schema.empty_table()
    points.sort(key=lambda p: (p.prm, p.direction, p.instant))
    power = [int(p.value) for p in points]
    columns = {
        "meter_id": [p.prm for p in points],
        "interval_end": [p.instant for p in points],
        "direction": [p.direction for p in points],
        "interval_minutes": [p.minutes for p in points],
        "power_w": power,
        "energy_wh": [w * p.minutes / 60.0 for w, p in zip(power, points, strict=True)],
        "source": [M023_SOURCE] * len(points),
        "raw_key": [raw_key] * len(points),
    }
    return pa.Table.from_arrays([pa.array(columns[f.name], f.type) for f in schema], schema=schema)


# -- M023 billing measures (flux R67, JSON) --------------------------------------------------------
BILLING_FLUX = "R67"


def parse_m023_billing(content: bytes, raw_key: str) -> Parsed:
    """The billing_energy table of one M023 billing-measures result (R67: ZIP or JSON), with defects set aside.

    Shape (the real anonymised R67 results in Energie-De-Nantes/electricore tests/fixtures/flux/r67.json):
    `mesures[].contexte[]` (idMotifReleve: CYCL, CFNS, MCT…) `.grandeur[]` (CONS/EA/Wh) `.calendrier[]`
    (codeGrille D or F, codeCalendrier) `.classeTemporelle[]` (idClasseTemporelle) `.quantite[]`
    (dbtMesure, finMesure: days; codeNature R/E/C; codeStatut; quantite in Wh, negative for a
    regularisation). Every period is kept per grid: the distributor grid refines the supplier's.
    """
    from datetime import date

    rejects: list[Reject] = []
    rows: list[dict[str, Any]] = []
    seen: dict[tuple, str] = {}

    def reject(ref: str, reason: str, content: Any) -> None:
        rejects.append(Reject(raw_key, "billing_energy", ref, f"{ref}: {reason}", json.dumps(content, ensure_ascii=False)))

    for name, data in _members(content, raw_key):
        for where, doc in _documents(_text(data, name), name, BILLING_FLUX, "a billing-measures"):
            for i, mesure in enumerate(doc["mesures"]):
                prm = str((mesure or {}).get("idPrm") or "")
                for c, context in enumerate(_list(mesure, "contexte")):
                    for g, grandeur in enumerate(_list(context, "grandeur")):
                        for k, calendar in enumerate(_list(grandeur, "calendrier")):
                            for t, klass in enumerate(_list(calendar, "classeTemporelle")):
                                for q, item in enumerate(_list(klass, "quantite")):
                                    ref = (f"{name} {where}mesures[{i}].contexte[{c}].grandeur[{g}].calendrier[{k}]"
                                           f".classeTemporelle[{t}].quantite[{q}]")
                                    row, problem = _billing_row(prm, context, grandeur, calendar, klass, item, date)
                                    if problem:
                                        reject(ref, problem, item)
                                        continue
                                    key = tuple(row[c] for c in ("meter_id", "period_start", "period_end", "grid",
                                                                 "time_class", "direction"))
                                    if key in seen:
                                        reject(ref, f"same period, grid and class as {seen[key]}", item)
                                        continue
                                    seen[key] = ref
                                    rows.append(row | {"source": M023_SOURCE, "raw_key": raw_key})
    return Parsed({"billing_energy": _billing_table(rows)}, rejects)


def _list(parent: Any, key: str) -> list[Any]:
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, list) else []


def _billing_row(prm: str, context: dict, grandeur: dict, calendar: dict, klass: dict, item: Any,
                 date_type: Any) -> tuple[dict[str, Any], str | None]:
    """One billing_energy row, or the reason it cannot be read."""
    if not re.fullmatch(r"\d{14}", prm):
        return {}, f"idPrm {prm!r} is not 14 digits"
    if not isinstance(item, dict):
        return {}, "not an object"
    direction = grandeur.get("grandeurMetier")
    if direction not in ("CONS", "PROD"):
        return {}, f"grandeurMetier {direction!r} is neither CONS nor PROD"
    unit = str(grandeur.get("unite") or "").upper()
    if grandeur.get("grandeurPhysique") != "EA" or unit not in ENERGY_UNITS:
        return {}, f"{grandeur.get('grandeurPhysique')} in {grandeur.get('unite')} is not an active energy (EA, Wh)"
    grid = calendar.get("codeGrille")
    if grid not in ("D", "F"):
        return {}, f"codeGrille {grid!r} is neither D (distributor) nor F (supplier)"
    time_class = klass.get("idClasseTemporelle")
    if not time_class:
        return {}, "no idClasseTemporelle"
    try:
        start = date_type.fromisoformat(str(item.get("dbtMesure"))[:10])
        end = date_type.fromisoformat(str(item.get("finMesure"))[:10])
    except ValueError:
        return {}, f"unreadable period {item.get('dbtMesure')!r}..{item.get('finMesure')!r}"
    if end < start:
        return {}, f"period ends ({end}) before it starts ({start})"
    value = item.get("quantite")
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not re.fullmatch(r"-?\d+", str(value)):
        return {}, f"quantite {value!r} is not a whole number"
    return {"meter_id": prm, "period_start": start, "period_end": end, "grid": grid, "time_class": time_class,
            "direction": direction, "energy_wh": int(value) * ENERGY_UNITS[unit],
            "calendar": calendar.get("codeCalendrier"), "nature": item.get("codeNature"),
            "status": item.get("codeStatut"), "reading_reason": context.get("idMotifReleve")}, None


def _billing_table(rows: list[dict[str, Any]]) -> Any:
    import pyarrow as pa

    from collecte.quality.datasets import DATASETS

    schema = DATASETS["billing_energy"].arrow_schema()
    rows.sort(key=lambda r: (r["meter_id"], r["period_start"], r["period_end"], r["grid"], r["time_class"]))
    return pa.Table.from_arrays([pa.array([r[f.name] for r in rows], f.type) for f in schema], schema=schema)
