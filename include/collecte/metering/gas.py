"""Gas consumption (GRDF ADICT) as canonical records: parse, check, stage as Parquet, upsert.

ADICT v2 consumption records are nested (read from real records: lowatt/lowatt-grdf
tests/test_api.py, and ../shared/DOMAIN.md)::

    {"pce": {"id_pce": ...}, "periode": {...},
     "releve_debut": {"index_brut_debut": {"valeur_index": ..., "horodate_Index": ...}, ...},
     "releve_fin": {"qualite_releve": ..., "raison_releve": ..., "index_brut_fin": {...}, ...},
     "consommation": {"date_debut_consommation": "2021-01-01T06:00:00+01:00",
                      "date_fin_consommation": ..., "flag_retour_zero": ..., "volume_brut": ...,
                      "coeff_calcul": {"coeff_conversion": ...}, "energie": ..., "statut_conso": ...,
                      "type_conso": "Publiée" | "Informative Journalier", ...},
     "statut_restitution": null}

Datetimes carry their offset; a gas day runs from 06:00 to 06:00 Paris time, so a period is
stored as the gas days [period_start, period_end) and shown in UTC by `utc_bounds`. A record
whose `statut_restitution` is set and that carries no `consommation` is ADICT saying why there is
nothing (e.g. no data for the period): it is a note, not data and not an error.

`gas_consumption` rows (docs/DATA_MODEL.md) come from published (billing) and informative
(daily) records. Each record is checked before it is loaded:

- volume (m³) = end index - start index (unless the meter rolled over, `flag_retour_zero`);
- conversion coefficient within 9-12.5 kWh/m³;
- energy (kWh) = volume × coefficient, within the rounding of a coefficient given to 2 decimals
  (0.005 kWh per m³) and of an energy given in whole kWh (0.5 kWh);
- the period ends after it starts, on gas-day boundaries (06:00 Paris).

A record failing a check is not loaded: it goes to the quarantine with its reason. Contract and
technical data go to `meter_contract` (fields shared with electricity, source 'grdf') and to
`gas_contract` (gas-only fields). Loads are COPY upserts: a rerun changes nothing.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from collecte.warehouse.upsert import UpsertCount, copy_upsert

SOURCE = "grdf"
TABLE = "gas_consumption"
KEY = ("pce", "period_start", "period_end", "kind")
COEFFICIENT_RANGE = (9.0, 12.5)
PARIS = ZoneInfo("Europe/Paris")
GAS_DAY_START = time(6, 0)
_STATUS = {"Définitive": "definitive", "Definitive": "definitive", "Provisoire": "provisional"}
# qualite_releve ("Mesure" in real records) and type_qualif_conso ("Mesuré"); other spellings are
# kept as given (the sources do not list every value)
_QUALITY = {"Mesuré": "measured", "Mesure": "measured", "Estimé": "estimated", "Estime": "estimated",
            "Corrigé": "corrected", "Corrige": "corrected"}


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
    if value is None or isinstance(value, bool):
        raise ValueError(f"number expected, got {value!r}")
    return Decimal(str(value))


def adict_bool(value: Any) -> bool | None:
    """ADICT's booleans: "Vrai"/"Faux" in access rights; JSON true/false or null in consumption
    records (`flag_retour_zero` in the real records of lowatt-grdf's tests)."""
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("vrai", "faux"):
        return text == "vrai"
    raise ValueError(f"boolean expected (Vrai/Faux), got {value!r}")


def gas_day(moment: str, field_name: str) -> date:
    """The gas day starting at `moment` (ISO 8601 with offset, 06:00 Paris)."""
    try:
        parsed = datetime.fromisoformat(moment)
    except (TypeError, ValueError):
        raise ValueError(f"{field_name} {moment!r} is not an ISO 8601 datetime") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{field_name} {moment!r} has no UTC offset")
    local = parsed.astimezone(PARIS)
    if local.time() != GAS_DAY_START:
        raise ValueError(f"{field_name} {moment!r} is {local.time().isoformat()} in Paris, "
                         "not a gas-day boundary (06:00)")
    return local.date()


def gas_day_start_utc(day: date) -> datetime:
    """06:00 Paris on `day`, in UTC (the instant gas day `day` starts)."""
    return datetime.combine(day, GAS_DAY_START, tzinfo=PARIS).astimezone(UTC)


def utc_bounds(row: GasConsumption) -> tuple[datetime, datetime]:
    """Start and end instants of a row's period, in UTC."""
    return gas_day_start_utc(row.period_start), gas_day_start_utc(row.period_end)


def _index(reading: dict[str, Any], name: str) -> int | None:
    value = (reading.get(name) or {}).get("valeur_index")
    return None if value is None else int(value)


def is_restitution_note(line: dict[str, Any]) -> bool:
    """A record that only says why there is no data (statut_restitution set, no consommation)."""
    return bool(line.get("statut_restitution")) and not line.get("consommation")


def restitution_notes(lines: Iterable[dict[str, Any]]) -> list[str]:
    """The messages of the records that only explain an absence of data."""
    out = []
    for line in lines:
        if is_restitution_note(line):
            status = line["statut_restitution"]
            text = status.get("message") if isinstance(status, dict) else str(status)
            code = status.get("code") if isinstance(status, dict) else None
            out.append(f"ADICT: {text}" + (f" (code {code})" if code else ""))
    return out


def _record(line: dict[str, Any], kind: str, raw_key: str) -> GasConsumption:
    conso = line["consommation"]
    start, end = line.get("releve_debut") or {}, line.get("releve_fin") or {}
    status = _STATUS.get(str(conso.get("statut_conso")))
    if status is None:
        raise ValueError(f"unknown statut_conso {conso.get('statut_conso')!r}")
    type_conso = str(conso.get("type_conso") or "")
    found = "published" if type_conso.startswith("Publi") else \
        "informative" if type_conso.startswith("Informative") else None
    if found != kind:
        raise ValueError(f"type_conso {type_conso!r} in a {kind} answer")
    quality = end.get("qualite_releve") or conso.get("type_qualif_conso")
    return GasConsumption(
        pce=str(line["pce"]["id_pce"]),
        period_start=gas_day(conso["date_debut_consommation"], "date_debut_consommation"),
        period_end=gas_day(conso["date_fin_consommation"], "date_fin_consommation"),
        kind=kind,
        index_start_m3=_index(start, "index_brut_debut"),
        index_end_m3=_index(end, "index_brut_fin"),
        volume_m3=_decimal(conso["volume_brut"]),
        conversion_coefficient=_decimal((conso.get("coeff_calcul") or {}).get("coeff_conversion")),
        energy_kwh=_decimal(conso["energie"]),
        status=status,
        reading_reason=end.get("raison_releve"),
        reading_quality=_QUALITY.get(str(quality), quality),
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
        if is_restitution_note(line):
            continue
        try:
            row = _record(line, kind, raw_key)
            rolled_over = adict_bool(line["consommation"].get("flag_retour_zero")) is True
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            rejected.append(Rejected(number, f"unreadable record: {type(exc).__name__}: {exc}", line))
            continue
        reasons = problems(row, rolled_over=rolled_over)
        if reasons:
            rejected.append(Rejected(number, "; ".join(reasons), line))
        else:
            rows.append(row)
    return rows, rejected


def series_record(row: GasConsumption) -> dict[str, Any]:
    """The canonical time-series record of a row: one interval in UTC, energy in kWh.

    Extra fields keep what a data engineer checks while onboarding (volume, coefficient,
    indexes, status)."""
    start, end = utc_bounds(row)
    return {
        "meter_id": row.pce, "start": start.isoformat().replace("+00:00", "Z"),
        "end": end.isoformat().replace("+00:00", "Z"), "value": float(row.energy_kwh), "unit": "kWh",
        "kind": row.kind, "gas_day_start": row.period_start.isoformat(),
        "gas_day_end": row.period_end.isoformat(), "volume_m3": float(row.volume_m3),
        "conversion_coefficient": float(row.conversion_coefficient),
        "index_start_m3": row.index_start_m3, "index_end_m3": row.index_end_m3,
        "status": row.status, "quality": row.reading_quality,
    }


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
    """The staged Parquet schema of `gas_consumption` (from the one dataset catalogue)."""
    from collecte.quality.datasets import dataset

    return dataset(TABLE).arrow_schema()


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
# Real names (lowatt/lowatt-grdf tests/test_api.py; ../shared/DOMAIN.md): donnees_contractuelles
# {tarif_acheminement, car, cja, profil.profil_type_actuel, date_mes}; donnees_techniques
# {situation_compteur{numero_rue, nom_rue, complement_adresse, code_postal, commune},
#  caracteristiques_compteur{frequence, ...}, pitd{identifiant_pitd, libelle_pitd}}.
# The sources disagree on `car`: a number in lowatt-grdf's v2 test, an object
# {car_actuelle, car_future} in v2 per DOMAIN.md and other public ADICT clients; both are read.
def _car(value: Any) -> int | None:
    if isinstance(value, dict):
        value = value.get("car_actuelle")
    return None if value is None else int(Decimal(str(value)))


def _payload(line: dict[str, Any], name: str) -> dict[str, Any]:
    payload = line.get(name)
    if not isinstance(payload, dict):
        raise ValueError(f"ADICT answer has no {name!r} object")
    return payload


def contract_record(line: dict[str, Any]) -> dict[str, Any]:
    """Canonical contract record of one `donnees_contractuelles` answer line."""
    c = _payload(line, "donnees_contractuelles")
    profile = c.get("profil") or {}
    mes = c.get("date_mes")
    return {
        "meter_id": str(line["pce"]["id_pce"]),
        "distribution_tariff": c.get("tarif_acheminement"),
        "annual_reference_kwh": _car(c.get("car")),
        "profile": profile.get("profil_type_actuel") if isinstance(profile, dict) else profile,
        "commissioning_date": date.fromisoformat(mes[:10]).isoformat() if mes else None,
    }


def technical_record(line: dict[str, Any]) -> dict[str, Any]:
    """Canonical technical record of one `donnees_techniques` answer line."""
    t = _payload(line, "donnees_techniques")
    place = t.get("situation_compteur") or {}
    meter = t.get("caracteristiques_compteur") or {}
    pitd = t.get("pitd") or {}
    street = " ".join(str(place[k]) for k in ("numero_rue", "nom_rue") if place.get(k))
    return {
        "meter_id": str(line["pce"]["id_pce"]),
        "address": ", ".join(p for p in (street, place.get("complement_adresse"),
                                         " ".join(str(place[k]) for k in ("code_postal", "commune")
                                                  if place.get(k))) if p) or None,
        "postal_code": place.get("code_postal"),
        "city": place.get("commune"),
        "reading_frequency": meter.get("frequence"),
        "pitd": pitd.get("identifiant_pitd"),
        "pitd_label": pitd.get("libelle_pitd"),
    }


def contract_rows(pce: str, *, contract: dict[str, Any] | None, contract_raw_key: str | None,
                  technical: dict[str, Any] | None, technical_raw_key: str | None,
                  valid_at: Any) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """(`meter_contract` row or None, `gas_contract` row) from ADICT contract / technical lines."""
    gas: dict[str, Any] = {"pce": pce}
    shared = None
    tech = technical_record(technical) if technical is not None else None
    if contract is not None:
        c = contract_record(contract)
        shared = {
            "meter_id": pce, "source": SOURCE, "segment": c["distribution_tariff"], "fta": None,
            "tariff_option": c["distribution_tariff"], "status": None,
            "last_activation_date": c["commissioning_date"], "holder": None,
            "valid_at": valid_at, "raw_key": contract_raw_key,
        }
        gas.update(tariff_option=c["distribution_tariff"], car_kwh=c["annual_reference_kwh"],
                   profile=c["profile"], contract_raw_key=contract_raw_key)
    if tech is not None:
        # ADICT gives no meter number nor gas zone (H/B) in the documented technical data
        gas.update(reading_frequency=tech["reading_frequency"], pitd=tech["pitd"],
                   technical_raw_key=technical_raw_key)
        if shared is not None:
            shared["address"] = tech["address"]
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
