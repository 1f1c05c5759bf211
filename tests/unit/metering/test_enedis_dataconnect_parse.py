"""Data Connect answers (from the sandbox's generator) → canonical tables, with DST-correct point counts."""

from collections import Counter
from datetime import date

import pytest

from collecte.metering.continuity import completeness, curve_day, expected_points
from collecte.metering.dataconnect import parse_measures
from sandbox.enedis import dataconnect as dc
from sandbox.enedis.state import SandboxState

STATE = SandboxState(today=date(2026, 11, 20))


def _answer(resource, prm, first, end):
    return dc.measure(STATE, resource, f"pointId={prm}&dateDebut={first}&dateFin={end}").body


@pytest.mark.parametrize(("prm", "step", "per_day"), [
    ("30001234567890", 30, 48), ("30001234567896", 10, 144), ("30001234567897", 60, 24)])
def test_dst_days_have_46_and_50_half_hours(prm, step, per_day):
    bodies = [("courbe_de_charge_consommation", f"raw/{a}", _answer("courbe_de_charge_consommation", prm, a, b))
              for a, b in (("2026-03-28", "2026-03-31"), ("2026-10-24", "2026-10-27"))]
    curve = parse_measures(bodies)["load_curve"].to_pylist()
    per_paris_day = Counter(curve_day(p["interval_end"]) for p in curve)
    assert per_paris_day[date(2026, 3, 29)] == per_day * 23 // 24 == expected_points(date(2026, 3, 29), step)
    assert per_paris_day[date(2026, 10, 25)] == per_day * 25 // 24 == expected_points(date(2026, 10, 25), step)
    assert per_paris_day[date(2026, 3, 28)] == per_paris_day[date(2026, 10, 26)] == per_day
    ends = [p["interval_end"] for p in curve]
    assert len(set(ends)) == len(ends)  # the repeated hour gives distinct instants
    assert all(p["interval_minutes"] == step and p["energy_wh"] == p["power_w"] * step / 60 for p in curve)
    assert all(day.complete for day in completeness(
        (p["meter_id"], p["direction"], p["interval_end"], p["interval_minutes"]) for p in curve))


def test_daily_max_power_and_index_shapes():
    prm = "30001234567890"
    tables = parse_measures([
        ("consommation_quotidienne", "raw/d", _answer("consommation_quotidienne", prm, "2026-10-01", "2026-10-08")),
        ("puissance_conso_max_quotidienne", "raw/m",
         _answer("puissance_conso_max_quotidienne", prm, "2026-10-01", "2026-10-08")),
        ("index_consommation", "raw/i", _answer("index_consommation", prm, "2026-10-01", "2026-10-03")),
        ("courbe_de_charge_consommation", "raw/c",
         _answer("courbe_de_charge_consommation", prm, "2026-10-01", "2026-10-08")),
    ])
    daily = tables["daily_energy"].to_pylist()
    assert [str(r["day"]) for r in daily] == [f"2026-10-0{i}" for i in range(1, 8)]
    curve = tables["load_curve"].to_pylist()
    for row in daily:  # daily energy is the integral of the day's curve
        energy = sum(p["energy_wh"] for p in curve if curve_day(p["interval_end"]) == row["day"])
        assert abs(row["energy_wh"] - energy) <= 1
        assert row["quality"] == "BEST" and row["direction"] == "CONS" and row["source"] == "enedis"
    peaks = tables["max_power"].to_pylist()
    assert len(peaks) == 7
    for peak in peaks:
        assert curve_day(peak["reached_at"]) == peak["day"]
        top = max(p["power_w"] for p in curve if curve_day(p["interval_end"]) == peak["day"])
        assert peak["max_power_va"] >= top  # VA ≥ W
    index = tables["meter_index"].to_pylist()
    assert {r["time_class"] for r in index} == {"HP", "HC"} and len(index) == 4
    assert {r["context"] for r in index} == {"TOP", "COL"}  # the 1st of the month is a remote reading
    hp = sorted((r for r in index if r["time_class"] == "HP"), key=lambda r: r["reading_at"])
    assert hp[1]["index_wh"] > hp[0]["index_wh"]


def test_gap_days_are_absent_not_zero():
    prm = "30001234567891"  # whole-day gaps on Wednesdays of odd ISO weeks
    body = _answer("courbe_de_charge_consommation", prm, "2026-01-12", "2026-01-19")  # week 3 (odd)
    curve = parse_measures([("courbe_de_charge_consommation", "raw/g", body)])["load_curve"].to_pylist()
    days = Counter(curve_day(p["interval_end"]) for p in curve)
    assert date(2026, 1, 14) not in days and days[date(2026, 1, 13)] == 48
