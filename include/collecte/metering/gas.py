"""Gas consumption (GRDF ADICT) as canonical records: parse, check, stage as Parquet, upsert.

`gas_consumption` rows (docs/DATA_MODEL.md) come from published (billing) and informative
(daily) records. Each record is checked before it is loaded:

- volume (m³) = end index - start index (unless the meter rolled over);
- conversion coefficient within 9-12.5 kWh/m³;
- energy (kWh) = volume × coefficient, within the rounding of a coefficient given to 2 decimals
  (0.005 kWh per m³) and of an energy given in whole kWh (0.5 kWh);
- the period ends after it starts.

A record failing a check is not loaded: it goes to the quarantine with its reason. Contract and
technical data go to `meter_contract` (fields shared with electricity, source 'grdf') and to
`gas_contract` (gas-only fields). Loads are COPY upserts: a rerun changes nothing.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Any

from collecte.warehouse.upsert import UpsertCount, copy_upsert

SOURCE = "grdf"
TABLE = "gas_consumption"
KEY = ("pce", "period_start", "period_end", "kind")
COEFFICIENT_RANGE = (9.0, 12.5)
_STATUS = {"Définitive": "definitive", "Definitive": "definitive", "Provisoire": "provisional"}
_QUALITY = {"Mesuré": "measured", "Mesure": "measured", "Estimé": "estimated", "Estime": "estimated",
            "Corrigé": "corrected"}
_KINDS = {"Publiée": "published", "Informative": "informative"}


@dataclass(frozen=True)
class GasConsumption:
    """One `gas_consumption` row."""

    pce: str
    period_start: date
    period_end: date
    kind: str                     # published | informative
    index_start_m3: int | None
    index_end_m3: int | None
    volume_m3: Decimal
    conversion_coefficient: Decimal
    energy_kwh: Decimal
    status: str                   # provisional | definitive
    reading_reason: str | None
    reading_quality: str | None
    raw_key: str

    @classmethod
    def columns(cls) -> list[str]:
        """Column names in table order."""
        return [f.name for f in fields(cls)]


@dataclass(frozen=True)
class Rejected:
    """A record that failed its checks: where it was and why."""

    line: int
    reason: str
    record: dict[str, Any]


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))


def _record(line: dict[str, Any], kind: str, raw_key: str) -> GasConsumption:
    start, end = line.get("releve_debut") or {}, line.get("releve_fin") or {}
    status = _STATUS.get(str(line.get("statut_conso")))
    if status is None:
        raise ValueError(f"unknown statut_conso {line.get('statut_conso')!r}")
    return GasConsumption(
        pce=str(line["id_pce"]),
        period_start=date.fromisoformat(line["date_debut_consommation"]),
        period_end=date.fromisoformat(line["date_fin_consommation"]),
        kind=_KINDS.get(str(line.get("type_conso")), kind),
        index_start_m3=start.get("index_brut_debut"),
        index_end_m3=end.get("index_brut_fin"),
        volume_m3=_decimal(line["volume_brut"]),
        conversion_coefficient=_decimal((line.get("coeff_calcul") or {})["coeff_conversion"]),
        energy_kwh=_decimal(line["energie"]),
        status=status,
        reading_reason=end.get("raison_releve"),
        reading_quality=_QUALITY.get(str(end.get("qualification_releve")), end.get("qualification_releve")),
        raw_key=raw_key,
    )


def energy_tolerance(volume_m3: Decimal) -> Decimal:
    """Largest |kWh - m³ × coefficient| explained by rounding (coefficient to 0.01, kWh to 1)."""
    return Decimal("0.5") + Decimal("0.005") * abs(volume_m3) + Decimal("0.001")


def problems(row: GasConsumption, *, rolled_over: bool = False) -> list[str]:
    """Why `row` cannot be loaded (empty when it is consistent)."""
    found = []
    if row.period_end <= row.period_start:
        found.append(f"period ends ({row.period_end}) before it starts ({row.period_start})")
    low, high = COEFFICIENT_RANGE
    if not low <= float(row.conversion_coefficient) <= high:
        found.append(f"conversion coefficient {row.conversion_coefficient} outside {low}-{high} kWh/m³")
    if row.volume_m3 < 0:
        found.append(f"negative volume {row.volume_m3} m³")
    if not rolled_over and row.index_start_m3 is not None and row.index_end_m3 is not None \
            and row.index_end_m3 - row.index_start_m3 != row.volume_m3:
        found.append(f"volume {row.volume_m3} m³ differs from indexes {row.index_start_m3} -> {row.index_end_m3}")
    expected = row.volume_m3 * row.conversion_coefficient
    if abs(row.energy_kwh - expected) > energy_tolerance(row.volume_m3):
        found.append(f"energy {row.energy_kwh} kWh differs from {row.volume_m3} m³ × "
                     f"{row.conversion_coefficient} = {expected:.1f} kWh")
    return found


def parse_consumption(lines: Iterable[dict[str, Any]], *, kind: str,
                      raw_key: str) -> tuple[list[GasConsumption], list[Rejected]]:
    """Canonical rows of ADICT consumption records, and the records rejected with their reason."""
    rows: list[GasConsumption] = []
    rejected: list[Rejected] = []
    for number, line in enumerate(lines, start=1):
        try:
            row = _record(line, kind, raw_key)
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            rejected.append(Rejected(number, f"unreadable record: {type(exc).__name__}: {exc}", line))
            continue
        reasons = problems(row, rolled_over=line.get("flag_retour_zero") == "Vrai")
        if reasons:
            rejected.append(Rejected(number, "; ".join(reasons), line))
        else:
            rows.append(row)
    return rows, rejected


def continuity_gaps(rows: Sequence[GasConsumption]) -> list[str]:
    """Breaks between consecutive periods of one PCE and kind (missing period, index jump)."""
    gaps = []
    ordered = sorted(rows, key=lambda r: (r.pce, r.kind, r.period_start))
    for before, after in zip(ordered, ordered[1:], strict=False):
        if (before.pce, before.kind) != (after.pce, after.kind):
            continue
        if after.period_start != before.period_end:
            gaps.append(f"{after.pce} {after.kind}: no data from {before.period_end} to {after.period_start}")
        elif before.index_end_m3 is not None and after.index_start_m3 is not None \
                and after.index_start_m3 != before.index_end_m3:
            gaps.append(f"{after.pce} {after.kind}: index jumps from {before.index_end_m3} to "
                        f"{after.index_start_m3} m³ on {after.period_start}")
    return gaps


def arrow_schema() -> Any:
    """The staged Parquet schema of `gas_consumption`."""
    import pyarrow as pa

    return pa.schema([
        pa.field("pce", pa.string(), nullable=False), pa.field("period_start", pa.date32(), nullable=False),
        pa.field("period_end", pa.date32(), nullable=False), pa.field("kind", pa.string(), nullable=False),
        ("index_start_m3", pa.int64()), ("index_end_m3", pa.int64()),
        ("volume_m3", pa.decimal128(14, 3)), ("conversion_coefficient", pa.decimal128(6, 3)),
        ("energy_kwh", pa.decimal128(16, 3)), ("status", pa.string()), ("reading_reason", pa.string()),
        ("reading_quality", pa.string()), ("raw_key", pa.string()),
    ])


def to_parquet(rows: Sequence[GasConsumption]) -> bytes:
    """Parquet bytes of `rows` (staged zone)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = GasConsumption.columns()
    data = {name: [getattr(r, name) for r in rows] for name in columns}
    table = pa.Table.from_pydict(data, schema=arrow_schema())
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def staged_key(raw_key: str) -> str:
    """Where the Parquet of a raw object goes: staged/dataset=gas_consumption/<raw key path>.parquet."""
    stem = raw_key.removeprefix("raw/").rsplit(".", 1)[0]
    return f"staged/dataset=gas_consumption/{stem}.parquet"


def upsert_consumption(conn: Any, rows: Sequence[GasConsumption]) -> UpsertCount:
    """COPY upsert into `gas_consumption` on (pce, period_start, period_end, kind)."""
    if not rows:
        return UpsertCount(0, 0)
    return copy_upsert(conn, TABLE, GasConsumption.columns(), (astuple(r) for r in rows), KEY)


# -- contract and technical data ------------------------------------------------------------------
def contract_rows(pce: str, *, contract: dict[str, Any] | None, contract_raw_key: str | None,
                  technical: dict[str, Any] | None, technical_raw_key: str | None,
                  valid_at: Any) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(`meter_contract` row or None, `gas_contract` row) from ADICT contract / technical lines."""
    gas: dict[str, Any] = {"pce": pce}
    shared = None
    if contract is not None:
        c = contract.get("donnees_contractuelles") or {}
        holder = (c.get("titulaire") or {})
        shared = {
            "meter_id": pce, "source": SOURCE, "segment": c.get("option_tarifaire"), "fta": None,
            "tariff_option": c.get("option_tarifaire"), "status": c.get("statut_pce"),
            "last_activation_date": c.get("date_mise_en_service"),
            "holder": holder.get("raison_sociale") or holder.get("nom"),
            "valid_at": valid_at, "raw_key": contract_raw_key,
        }
        gas.update(tariff_option=c.get("option_tarifaire"), car_kwh=c.get("car"),
                   profile=c.get("profil_type"), contract_raw_key=contract_raw_key)
    if technical is not None:
        t = technical.get("donnees_techniques") or {}
        place, meter, pitd = (t.get("situation_compteur") or {}), (t.get("caracteristiques_compteur") or {}), \
            (t.get("pitd") or {})
        gas.update(reading_frequency=meter.get("frequence"), meter_number=meter.get("matricule_compteur"),
                   gas_zone=pitd.get("zone_gaz"), pitd=pitd.get("code_pitd"), technical_raw_key=technical_raw_key)
        if shared is not None:
            shared["address"] = " ".join(str(place[k]) for k in ("numero_rue", "nom_rue", "code_postal", "commune")
                                         if place.get(k))
    return shared, gas


def upsert_contract(conn: Any, shared: dict[str, Any] | None, gas: dict[str, Any]) -> int:
    """Upsert contract rows; the number of rows changed."""
    changed = 0
    if shared is not None:
        changed += copy_upsert(conn, "meter_contract", list(shared), [tuple(shared.values())],
                               ("meter_id", "source")).changed
    if len(gas) > 1:
        changed += copy_upsert(conn, "gas_contract", list(gas), [tuple(gas.values())], ("pce",)).changed
    return changed
