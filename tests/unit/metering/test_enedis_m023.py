"""M023 curve results (R63) as Enedis delivers them → load-curve rows; defects set aside, never guessed."""

import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from collecte.metering.dataconnect import parse_measures
from collecte.metering.m023 import M023FormatError, parse_m023
from sandbox.enedis import dataconnect as dc
from sandbox.enedis.meters import profile
from sandbox.enedis.sge import m023_csv, m023_json
from sandbox.enedis.state import SandboxState

FIXTURES = Path(__file__).parents[2] / "fixtures" / "sge" / "m023"


def _rows(parsed):
    return [(r["meter_id"], r["interval_end"], r["direction"], r["interval_minutes"], r["power_w"])
            for r in parsed["load_curve"].to_pylist()]


def _utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_wall_clock_csv_with_bom_repeated_hour_gap_and_step_change():
    parsed = parse_m023((FIXTURES / "R63_wall_clock.csv").read_bytes(), "raw/wall.csv")
    assert not parsed.rejects
    prm = "30001642617347"
    assert _rows(parsed) == [
        (prm, _utc(2026, 10, 24, 23, 30), "CONS", 30, 812),   # 01:30 CEST
        (prm, _utc(2026, 10, 25, 0, 0), "CONS", 30, 790),     # 02:00 CEST
        (prm, _utc(2026, 10, 25, 0, 30), "CONS", 30, 774),    # 02:30 CEST: first occurrence
        (prm, _utc(2026, 10, 25, 1, 0), "CONS", 30, 768),     # 02:00 CET: second occurrence
        (prm, _utc(2026, 10, 25, 1, 30), "CONS", 30, 760),    # 02:30 CET: second occurrence, one hour later
        # 03:00 CET (02:00 UTC) has an empty value: a gap, no row (not a zero)
        (prm, _utc(2026, 10, 25, 2, 30), "CONS", 30, 751),
        (prm, _utc(2026, 10, 25, 2, 40), "CONS", 10, 744),    # the step changes inside the file
        (prm, _utc(2026, 10, 25, 2, 50), "CONS", 10, 739),
        (prm, _utc(2026, 10, 25, 3, 0), "CONS", 10, 735),
    ]
    energy = {r["interval_end"]: r["energy_wh"] for r in parsed["load_curve"].to_pylist()}
    assert energy[_utc(2026, 10, 25, 2, 40)] == pytest.approx(744 * 10 / 60)


def test_offset_csv_without_step_infers_it_from_the_stamps_and_sorts():
    parsed = parse_m023((FIXTURES / "R63_offset_no_step.csv").read_bytes(), "raw/offset.csv")
    assert not parsed.rejects
    rows = _rows(parsed)
    assert [r[1] for r in rows] == [_utc(2026, 3, 29, 0, 0), _utc(2026, 3, 29, 0, 30), _utc(2026, 3, 29, 1, 0),
                                    _utc(2026, 3, 29, 10, 0), _utc(2026, 3, 29, 10, 30)]
    assert {r[3] for r in rows} == {30} and {r[2] for r in rows} == {"PROD"}
    assert rows[3][4] == 2310


def test_json_result_reads_like_the_csv_one():
    parsed = parse_m023((FIXTURES / "R63.json").read_bytes(), "raw/r63.json")
    assert not parsed.rejects
    assert [(r[1], r[4]) for r in _rows(parsed)] == [
        (_utc(2026, 10, 25, 0, 0), 790), (_utc(2026, 10, 25, 0, 30), 774), (_utc(2026, 10, 25, 1, 0), 768), (_utc(2026, 10, 25, 1, 30), 760),
        (_utc(2026, 10, 25, 2, 30), 751)]


def test_zip_as_delivered_on_the_drop():
    member = "ENEDIS_R63_P_CdC_M0A1B2C3_00001_20261120061500.csv"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, (FIXTURES / "R63_wall_clock.csv").read_bytes())
    parsed = parse_m023(buffer.getvalue(), "raw/r63.zip")
    assert len(_rows(parsed)) == 9


def test_unreadable_points_are_set_aside_with_file_and_line():
    text = (FIXTURES / "R63_wall_clock.csv").read_text(encoding="utf-8-sig").splitlines()
    bad = text[:2] + [
        text[1].replace("2026-10-25 01:30:00", "2026-03-29 02:30:00"),       # line 3: inside the spring gap
        text[1].replace("2026-10-25 01:30:00", "25/10/2026 05:00"),          # line 4: unreadable stamp
        text[1].replace(";812;", ";8x2;").replace("01:30:00", "06:00:00"),   # line 5: not a number
        text[1].replace(";PT30M;", ";PT7M;").replace("01:30:00", "07:00:00"),  # line 6: unknown step, alone
        text[1].replace(";CONS;", ";ERI;"),                                   # line 7: neither CONS nor PROD
        text[1].replace(";PA;", ";PRI;").replace(";W;", ";VAr;"),            # line 8: not an active power
        text[1],                                                             # line 9: duplicate of line 2
    ]
    parsed = parse_m023(("\n".join(bad) + "\n").encode(), "raw/bad.csv")
    reasons = {r.record_ref: r.reason for r in parsed.rejects}
    assert set(reasons) == {f"raw/bad.csv line {n}" for n in range(3, 10)}
    assert "spring-forward gap" in reasons["raw/bad.csv line 3"]
    assert "unreadable Horodate" in reasons["raw/bad.csv line 4"]
    assert "not a number" in reasons["raw/bad.csv line 5"]
    assert "unknown step Pas 'PT7M'" in reasons["raw/bad.csv line 6"]
    assert "neither CONS nor PROD" in reasons["raw/bad.csv line 7"]
    assert "not an active power" in reasons["raw/bad.csv line 8"]
    assert "appears 2 times" in reasons["raw/bad.csv line 9"]
    assert _rows(parsed) == [("30001642617347", _utc(2026, 10, 24, 23, 30), "CONS", 30, 812)]
    assert parsed.rejects[0].content.startswith("30001642617347;")


def test_a_third_occurrence_of_the_repeated_hour_is_a_defect():
    lines = (FIXTURES / "R63_wall_clock.csv").read_text(encoding="utf-8-sig").splitlines()
    parsed = parse_m023(("\n".join(lines + [lines[3]]) + "\n").encode(), "raw/three.csv")
    assert [r.record_ref for r in parsed.rejects] == ["raw/three.csv line 12"]
    assert "appears 3 times" in parsed.rejects[0].reason


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "empty file"),
    (b"PRM;Date;Valeur\n1;2;3\n", "line 1: not an M023 curve file"),
    (b"\xff\xfeI\x00d\x00", "not UTF-8"),
    (b'{"header": {"codeFlux": "R64"}, "mesures": []}', "flux R64, not a curve"),
    (b'{"mesures": [', "invalid JSON at line 1"),
    (b"PK\x03\x04garbage", "not a readable ZIP"),
])
def test_unreadable_files_raise_naming_the_file(content, reason):
    with pytest.raises(M023FormatError, match=reason) as caught:
        parse_m023(content, "raw/broken")
    assert "raw/broken" in str(caught.value)


def test_sandbox_results_read_like_data_connect_including_the_repeated_hour():
    prm = "30001234567896"
    body = dc.measure(SandboxState(today=date(2026, 11, 20)), "courbe_de_charge_consommation",
                      f"pointId={prm}&dateDebut=2026-10-24&dateFin=2026-10-27").body
    from_api = parse_measures([("courbe_de_charge_consommation", "raw/dc", body)])["load_curve"].to_pylist()
    expected = [{k: v for k, v in row.items() if k != "raw_key"} for row in from_api]
    for content in (m023_csv([profile(prm)], date(2026, 10, 24), date(2026, 10, 27), {}),
                    m023_json([profile(prm)], date(2026, 10, 24), date(2026, 10, 27), {}, "M0000001")):
        parsed = parse_m023(content, "raw/m023")
        assert not parsed.rejects
        assert [{k: v for k, v in row.items() if k != "raw_key"} for row in parsed["load_curve"].to_pylist()] == expected
    assert len(expected) == 144 * 2 + 150


def test_a_curve_not_activated_gives_no_rows():
    prm = "30001234567892"
    assert profile(prm).curve_needs_activation
    content = m023_csv([profile(prm)], date(2026, 10, 1), date(2026, 10, 3), {})
    assert parse_m023(content, "raw/empty")["load_curve"].num_rows == 0


# -- billing measures (R67) ----------------------------------------------------------------------
def test_billing_measures_keep_both_grids_and_regularisations():
    from collecte.metering.m023 import parse_m023_billing

    parsed = parse_m023_billing((FIXTURES / "R67.json").read_bytes(), "raw/r67.json")
    assert not parsed.rejects
    rows = parsed["billing_energy"].to_pylist()
    assert len(rows) == 4 * 5  # 4 periods x (4 distributor classes + the supplier's Base)
    by_period = {}
    for row in rows:
        by_period.setdefault((row["period_start"], row["period_end"]), {}).setdefault(row["grid"], 0)
        by_period[(row["period_start"], row["period_end"])][row["grid"]] += row["energy_wh"]
    assert all(grids["D"] == grids["F"] for grids in by_period.values())  # D refines F
    regularised = [r for r in rows if r["nature"] == "C"]
    assert {r["reading_reason"] for r in regularised} == {"AUTRE"}
    assert sorted(r["energy_wh"] for r in regularised) == [-4000, -3000, -1000, 0, 0]  # negative: kept
    first = next(r for r in rows if r["time_class"] == "HPB" and r["period_start"] == date(2026, 4, 3))
    assert (first["period_end"], first["energy_wh"], first["calendar"], first["reading_reason"], first["status"]) == \
        (date(2026, 6, 1), 212000, "DI000003", "CYCL", "I")


def test_billing_defects_are_set_aside_and_other_flows_refused():
    import json

    from collecte.metering.m023 import parse_m023_billing

    document = json.loads((FIXTURES / "R67.json").read_text(encoding="utf-8"))
    calendars = document["mesures"][0]["contexte"][1]["grandeur"][0]["calendrier"]
    calendars[0]["classeTemporelle"][0]["quantite"][0]["quantite"] = "12,5"
    calendars[1]["codeGrille"] = "X"
    document["mesures"][0]["contexte"][2] = document["mesures"][0]["contexte"][0]  # the same periods twice
    parsed = parse_m023_billing(json.dumps(document).encode(), "raw/bad.json")
    reasons = [r.reason for r in parsed.rejects]
    assert sum("is not a whole number" in r for r in reasons) == 1
    assert sum("codeGrille 'X'" in r for r in reasons) == 2  # the two CYCL periods of the supplier grid
    assert sum("same period, grid and class" in r for r in reasons) == 5
    assert all(r.startswith("raw/bad.json mesures[0].contexte[") for r in reasons)
    document["header"]["codeFlux"] = "R63"
    with pytest.raises(M023FormatError, match="flux R63, not a billing"):
        parse_m023_billing(json.dumps(document).encode(), "raw/r63.json")


def test_registered_reparsers_read_a_quarantined_result_again_and_keep_defects_quarantined():
    from collecte.quality.reparsers import reparser

    good = (FIXTURES / "R63_wall_clock.csv").read_bytes()
    bad = good.replace(b"2026-10-25 01:30:00;812", b"2026-10-25 01:30:00;8x2")

    class Zone:
        objects = {"raw/good": good, "raw/bad": bad, "raw/r67": (FIXTURES / "R67.json").read_bytes()}

        def get(self, key):
            return self.objects[key]

    frame = reparser("m023_curve", Zone())("raw/good")["load_curve"]
    assert len(frame) == 9 and set(frame["meter_id"]) == {"30001642617347"}
    with pytest.raises(ValueError, match="still sets aside 1 record"):
        reparser("m023_curve", Zone())("raw/bad")
    assert len(reparser("m023_billing", Zone())("raw/r67")["billing_energy"]) == 20


def test_an_encrypted_archive_is_refused_naming_the_key_it_needs():
    with pytest.raises(M023FormatError, match=r"raw/x\.zip: not a readable ZIP; .* must be decrypted first"):
        parse_m023(bytes(range(32)), "raw/x.zip")
