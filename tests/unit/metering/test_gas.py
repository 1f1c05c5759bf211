"""Gas consumption records: parsing, kWh = m³ × coefficient checks, continuity, Parquet."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from collecte.metering import gas

pytestmark = pytest.mark.timeout(20)
RAW = "raw/source=grdf/kind=adict_published/account=21100000000001/received=2026-11-29/abc.ndjson"


def _line(start: str, end: str, i0: int, i1: int, coeff: float, energy: float | None = None, **over) -> dict:
    volume = over.pop("volume", i1 - i0)
    line = {
        "id_pce": "21100000000001", "date_debut_consommation": start, "date_fin_consommation": end,
        "releve_debut": {"date_releve": start, "index_brut_debut": i0, "raison_releve": "Relève cyclique",
                         "qualification_releve": "Mesuré"},
        "releve_fin": {"date_releve": end, "index_brut_fin": i1, "raison_releve": "Relève cyclique",
                       "qualification_releve": "Estimé"},
        "volume_brut": volume, "coeff_calcul": {"coeff_conversion": coeff},
        "energie": round(volume * coeff) if energy is None else energy,
        "type_conso": "Publiée", "statut_conso": "Définitive", "flag_retour_zero": "Faux",
    }
    line.update(over)
    return line


def test_parse_published_record():
    rows, rejected = gas.parse_consumption([_line("2026-09-01", "2026-10-01", 1000, 1250, 11.29)],
                                           kind="published", raw_key=RAW)
    assert rejected == []
    (row,) = rows
    assert row.period_start == date(2026, 9, 1) and row.period_end == date(2026, 10, 1)
    assert row.volume_m3 == 250 and row.conversion_coefficient == Decimal("11.29")
    assert row.energy_kwh == Decimal(round(250 * 11.29)) and row.status == "definitive"
    assert row.reading_quality == "estimated" and row.kind == "published" and row.raw_key == RAW


@pytest.mark.parametrize(("line", "reason"), [
    (_line("2026-09-01", "2026-10-01", 1000, 1250, 11.29, energy=2900), "energy 2900 kWh differs"),
    (_line("2026-09-01", "2026-10-01", 1000, 1250, 13.4), "outside 9.0-12.5"),
    (_line("2026-09-01", "2026-10-01", 1000, 1250, 11.29, volume=240), "differs from indexes"),
    (_line("2026-10-01", "2026-09-01", 1000, 1250, 11.29), "before it starts"),
    (_line("2026-09-01", "2026-10-01", 1000, 1250, 11.29, statut_conso="???"), "unreadable record"),
    ({"id_pce": "21100000000001"}, "unreadable record"),
])
def test_inconsistent_records_rejected_with_reason(line, reason):
    rows, rejected = gas.parse_consumption([line], kind="published", raw_key=RAW)
    assert rows == []
    assert reason in rejected[0].reason and rejected[0].line == 1


def test_energy_tolerance_is_rounding_only():
    # 1000 m³ × 11.29 = 11290 kWh; a coefficient rounded to 0.01 allows ± 5.5 kWh, not more
    ok, _ = gas.parse_consumption([_line("2026-01-01", "2026-02-01", 0, 1000, 11.29, energy=11295)],
                                  kind="published", raw_key=RAW)
    _, bad = gas.parse_consumption([_line("2026-01-01", "2026-02-01", 0, 1000, 11.29, energy=11297)],
                                   kind="published", raw_key=RAW)
    assert len(ok) == 1 and len(bad) == 1


def test_meter_rollover_allows_index_wrap():
    line = _line("2026-01-01", "2026-02-01", 99_950, 40, 11.0, volume=90, flag_retour_zero="Vrai")
    rows, rejected = gas.parse_consumption([line], kind="published", raw_key=RAW)
    assert rejected == [] and rows[0].volume_m3 == 90


def test_continuity_gaps_and_index_jumps():
    rows, _ = gas.parse_consumption([
        _line("2026-01-01", "2026-02-01", 0, 100, 11.0),
        _line("2026-02-01", "2026-03-01", 100, 180, 11.0),
        _line("2026-04-01", "2026-05-01", 250, 300, 11.0),
        _line("2026-05-01", "2026-06-01", 310, 320, 11.0),
    ], kind="published", raw_key=RAW)
    gaps = gas.continuity_gaps(rows)
    assert gaps == ["21100000000001 published: no data from 2026-03-01 to 2026-04-01",
                    "21100000000001 published: index jumps from 300 to 310 m³ on 2026-05-01"]


def test_parquet_round_trip_and_staged_key():
    import pyarrow.parquet as pq

    rows, _ = gas.parse_consumption([_line("2026-09-01", "2026-10-01", 1000, 1250, 11.29)],
                                    kind="published", raw_key=RAW)
    table = pq.read_table(io.BytesIO(gas.to_parquet(rows)))
    assert table.column_names == gas.GasConsumption.columns()
    assert table.column("energy_kwh").to_pylist() == [Decimal("2822.000")]
    assert gas.staged_key(RAW) == ("staged/dataset=gas_consumption/source=grdf/kind=adict_published/"
                                   "account=21100000000001/received=2026-11-29/abc.parquet")


def test_contract_rows_split_shared_and_gas_fields():
    shared, gas_row = gas.contract_rows(
        "GI000123",
        contract={"donnees_contractuelles": {"car": 1_400_000, "profil_type": "P016", "option_tarifaire": "T3",
                                             "statut_pce": "En service", "date_mise_en_service": "2012-03-01",
                                             "titulaire": {"raison_sociale": "Clinique du Parc"}}},
        contract_raw_key="k1",
        technical={"donnees_techniques": {"situation_compteur": {"numero_rue": "4", "nom_rue": "rue A",
                                                                 "code_postal": "69003", "commune": "Lyon"},
                                          "caracteristiques_compteur": {"frequence": "MM", "matricule_compteur": "GZ1"},
                                          "pitd": {"code_pitd": "GD1", "zone_gaz": "H"}}},
        technical_raw_key="k2", valid_at=None)
    assert shared["tariff_option"] == "T3" and shared["source"] == "grdf" and shared["address"] == "4 rue A 69003 Lyon"
    assert gas_row == {"pce": "GI000123", "tariff_option": "T3", "car_kwh": 1_400_000, "profile": "P016",
                       "contract_raw_key": "k1", "reading_frequency": "MM", "meter_number": "GZ1",
                       "gas_zone": "H", "pitd": "GD1", "technical_raw_key": "k2"}
