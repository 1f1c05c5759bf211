"""Gas consumption records: parsing, kWh = m³ × coefficient checks, continuity, Parquet."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from collecte.metering import gas

pytestmark = pytest.mark.timeout(20)
RAW = "raw/source=grdf/kind=adict_published/account=21100000000001/received=2026-11-29/abc.ndjson"


def _at6(day: str) -> str:
    """06:00 Paris on `day`, with its offset (as ADICT writes it)."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    return datetime.combine(date.fromisoformat(day), time(6), tzinfo=ZoneInfo("Europe/Paris")).isoformat()


def _line(start: str, end: str, i0: int, i1: int, coeff: float, energy: float | None = None, **over) -> dict:
    """A published record in ADICT v2's nested shape (names of the real records)."""
    volume = over.pop("volume", i1 - i0)
    conso = {
        "date_debut_consommation": over.pop("debut", _at6(start)),
        "date_fin_consommation": over.pop("fin", _at6(end)), "flag_retour_zero": over.pop("flag_retour_zero", False),
        "volume_brut": volume, "coeff_calcul": {"coeff_pta": None, "valeur_pcs": None, "coeff_conversion": coeff},
        "volume_converti": 0, "energie": round(volume * coeff) if energy is None else energy,
        "type_qualif_conso": "Mesuré", "sens_flux_gaz": "Consommation",
        "statut_conso": over.pop("statut_conso", "Définitive"), "journee_gaziere": None,
        "type_conso": over.pop("type_conso", "Publiée"),
    }
    return {
        "pce": {"id_pce": "21100000000001"},
        "periode": {"valeur": None, "date_debut": start, "date_fin": end},
        "releve_debut": {"date_releve": None, "raison_releve": None, "libelle_raison_releve": None,
                         "qualite_releve": "Mesure", "statut_releve": "Normal",
                         "index_brut_debut": {"valeur_index": i0, "horodate_Index": _at6(start)},
                         "index_converti_debut": {"valeur_index": None, "horodate_Index": None}},
        "releve_fin": {"date_releve": _at6(end), "raison_releve": "RNO", "libelle_raison_releve": "Relevé normal",
                       "qualite_releve": "Estimé", "statut_releve": "Normal",
                       "index_brut_fin": {"valeur_index": i1, "horodate_Index": _at6(end)},
                       "index_converti_fin": {"valeur_index": None, "horodate_Index": None}},
        "consommation": conso,
        "statut_restitution": None,
    }


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
    ({"pce": {"id_pce": "21100000000001"}, "consommation": {"volume_brut": 1}}, "unreadable record"),
    (_line("2026-09-01", "2026-10-01", 1000, 1250, 11.29, debut="2026-09-01T00:00:00+02:00"),
     "not a gas-day boundary"),
    (_line("2026-09-01", "2026-10-01", 1000, 1250, 11.29, debut="2026-09-01T06:00:00"), "no UTC offset"),
    (_line("2026-09-01", "2026-10-01", 1000, 1250, 11.29, type_conso="Informative Journalier"),
     "in a published answer"),
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
    line = _line("2026-01-01", "2026-02-01", 99_950, 40, 11.0, volume=90, flag_retour_zero=True)
    rows, rejected = gas.parse_consumption([line], kind="published", raw_key=RAW)
    assert rejected == [] and rows[0].volume_m3 == 90
    # "Vrai" (ADICT's access-right spelling) is read the same way; without the flag it is rejected
    line["consommation"]["flag_retour_zero"] = "Vrai"
    assert gas.parse_consumption([line], kind="published", raw_key=RAW)[1] == []
    line["consommation"]["flag_retour_zero"] = None
    assert "differs from indexes" in gas.parse_consumption([line], kind="published", raw_key=RAW)[1][0].reason


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


def test_gas_day_and_utc_bounds_across_the_clock_change():
    # 2026-10-25 is the autumn clock change: 06:00 is +02:00 before it, +01:00 after it
    line = _line("2026-10-24", "2026-10-26", 0, 20, 11.0, type_conso="Informative Journalier")
    assert line["consommation"]["date_debut_consommation"] == "2026-10-24T06:00:00+02:00"
    assert line["consommation"]["date_fin_consommation"] == "2026-10-26T06:00:00+01:00"
    (row,), _ = gas.parse_consumption([line], kind="informative", raw_key=RAW)
    assert (row.period_start, row.period_end) == (date(2026, 10, 24), date(2026, 10, 26))
    record = gas.series_record(row)
    assert (record["start"], record["end"]) == ("2026-10-24T04:00:00Z", "2026-10-26T05:00:00Z")
    assert record["value"] == 220.0 and record["unit"] == "kWh" and record["meter_id"] == "21100000000001"


def test_informative_record_without_start_index():
    line = _line("2026-08-16", "2026-08-17", 0, 1, 11.16, type_conso="Informative Journalier")
    line["releve_debut"] = {"date_releve": None,
                            "index_brut_debut": {"valeur_index": None, "horodate_Index": None},
                            "index_converti_debut": {"valeur_index": None, "horodate_Index": None}}
    (row,), rejected = gas.parse_consumption([line], kind="informative", raw_key=RAW)
    assert rejected == [] and row.index_start_m3 is None and row.index_end_m3 == 1


def test_restitution_record_is_a_note_not_data_nor_error():
    note = {"pce": {"id_pce": "21100000000001"}, "periode": {"date_debut": "2026-01-01", "date_fin": "2026-02-01"},
            "statut_restitution": {"code": "1000", "message": "Absence de données"}}
    rows, rejected = gas.parse_consumption([note], kind="published", raw_key=RAW)
    assert rows == [] and rejected == []
    assert gas.restitution_notes([note]) == ["ADICT: Absence de données (code 1000)"]


@pytest.mark.parametrize("car", [9426, {"car_actuelle": 9426, "car_future": 9500}])
def test_contract_record_reads_car_as_number_or_object(car):
    line = {"pce": {"id_pce": "23000000000000"},
            "donnees_contractuelles": {"car": car, "cja": 0, "profil": {"profil_type_actuel": "P012"},
                                       "tarif_acheminement": "T2", "date_mes": "2020-12-07"},
            "statut_restitution": None}
    assert gas.contract_record(line) == {"meter_id": "23000000000000", "distribution_tariff": "T2",
                                         "annual_reference_kwh": 9426, "profile": "P012",
                                         "commissioning_date": "2020-12-07"}


def test_contract_rows_split_shared_and_gas_fields():
    shared, gas_row = gas.contract_rows(
        "GI000123",
        contract={"pce": {"id_pce": "GI000123"},
                  "donnees_contractuelles": {"car": {"car_actuelle": 1_400_000}, "profil": {"profil_type_actuel": "P016"},
                                             "tarif_acheminement": "T3", "date_mes": "2012-03-01"}},
        contract_raw_key="k1",
        technical={"pce": {"id_pce": "GI000123"},
                   "donnees_techniques": {"situation_compteur": {"numero_rue": "4", "nom_rue": "RUE A",
                                                                 "complement_adresse": "BAT B",
                                                                 "code_postal": "69003", "commune": "LYON"},
                                          "caracteristiques_compteur": {"frequence": "MM", "client_sensible_mig": "Non"},
                                          "pitd": {"identifiant_pitd": "GD1", "libelle_pitd": "LYON"}}},
        technical_raw_key="k2", valid_at=None)
    assert shared["tariff_option"] == "T3" and shared["source"] == "grdf"
    assert shared["address"] == "4 RUE A, BAT B, 69003 LYON" and shared["last_activation_date"] == "2012-03-01"
    assert gas_row == {"pce": "GI000123", "tariff_option": "T3", "car_kwh": 1_400_000, "profile": "P016",
                       "contract_raw_key": "k1", "reading_frequency": "MM", "pitd": "GD1", "technical_raw_key": "k2"}
