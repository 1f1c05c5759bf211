"""M023 result files → load-curve rows identical to Data Connect's for the same points."""

from datetime import date

from collecte.metering.dataconnect import parse_measures
from collecte.metering.m023 import parse_m023_csv
from sandbox.enedis import dataconnect as dc
from sandbox.enedis.meters import profile
from sandbox.enedis.sge import m023_csv
from sandbox.enedis.state import SandboxState


def test_m023_rows_match_data_connect_including_the_repeated_hour():
    prm = "30001234567896"
    csv = m023_csv(profile(prm), date(2026, 10, 24), date(2026, 10, 27), None).encode()
    from_file = parse_m023_csv(csv, "raw/m023").to_pylist()
    body = dc.measure(SandboxState(today=date(2026, 11, 20)), "courbe_de_charge_consommation",
                      f"pointId={prm}&dateDebut=2026-10-24&dateFin=2026-10-27").body
    from_api = parse_measures([("courbe_de_charge_consommation", "raw/dc", body)])["load_curve"].to_pylist()
    strip = [{k: v for k, v in row.items() if k != "raw_key"} for row in from_file]
    assert strip == [{k: v for k, v in row.items() if k != "raw_key"} for row in from_api]
    assert len(from_file) == 144 * 2 + 150


def test_empty_m023_file_gives_no_rows():
    csv = m023_csv(profile("30001234567892"), date(2026, 10, 1), date(2026, 10, 3), None).encode()
    assert parse_m023_csv(csv, "raw/empty").num_rows == 0
