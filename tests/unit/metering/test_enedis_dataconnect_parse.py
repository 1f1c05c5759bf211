"""Data Connect 2026 answers (from the sandbox's generator) → canonical tables, with DST-correct point counts."""

from collections import Counter
from datetime import UTC, date, datetime

import orjson
import pytest

from collecte.metering.continuity import completeness, curve_day, expected_points
from collecte.metering.dataconnect import parse_measures
from collecte.sources.enedis.dataconnect import MEASURE_EXTRA
from sandbox.enedis import dataconnect as dc
from sandbox.enedis import meters
from sandbox.enedis.state import SandboxState

STATE = SandboxState(today=date(2026, 11, 20))


def _answer(resource, prm, first, end):
    extra = "".join(f"&{k}={v}" for k, v in MEASURE_EXTRA[resource].items())
    return dc.measure(STATE, resource, f"pointId={prm}&dateDebut={first}&dateFin={end}{extra}").body


def _curve_answer(points, step_field=True):
    return orjson.dumps({"idPrm": "30001234567890", "etapeMetier": "BRUT", "modeCalcul": "MESURE",
                         "periode": {"dateDebut": "2026-03-29", "dateFin": "2026-03-30"},
                         "grandeur": [{"grandeurMetier": "CONS", "grandeurPhysique": "PA", "unite": "W",
                                       "points": [{"v": v, "d": d, **({"p": p} if step_field else {})}
                                                  for v, d, p in points]}]})


@pytest.mark.parametrize(("prm", "step", "per_day"), [
    (meters.NORMAL, 30, 48), (meters.C4_10MIN, 10, 144), (meters.CURVE_60MIN, 60, 24)])
def test_dst_days_have_46_and_50_half_hours(prm, step, per_day):
    bodies = [("courbe_de_charge_consommation", f"raw/{a}", _answer("courbe_de_charge_consommation", prm, a, b))
              for a, b in (("2026-03-28", "2026-03-31"), ("2026-10-24", "2026-10-27"))]
    parsed = parse_measures(bodies)
    assert parsed.rejects == []
    curve = parsed["load_curve"].to_pylist()
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
    prm = meters.NORMAL
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
        assert peak["reached_at"].astimezone(dc.measures.PARIS).date() == peak["day"]
        top = max(p["power_w"] for p in curve if curve_day(p["interval_end"]) == peak["day"])
        assert peak["max_power_va"] >= top  # VA ≥ W
    index = tables["meter_index"].to_pylist()
    assert {r["time_class"] for r in index} == {"HP", "HC"} and len(index) == 4
    assert {r["context"] for r in index} == {"TOP", "COL"}  # the 1st of the month is a remote reading
    hp = sorted((r for r in index if r["time_class"] == "HP"), key=lambda r: r["reading_at"])
    assert hp[0]["reading_at"] == datetime(2026, 9, 30, 22, 0, tzinfo=UTC)  # Paris midnight
    assert hp[1]["index_wh"] > hp[0]["index_wh"]


def test_gap_days_are_absent_not_zero():
    body = _answer("courbe_de_charge_consommation", meters.GAPS, "2026-01-12", "2026-01-19")  # week 3 (odd)
    curve = parse_measures([("courbe_de_charge_consommation", "raw/g", body)])["load_curve"].to_pylist()
    days = Counter(curve_day(p["interval_end"]) for p in curve)
    assert date(2026, 1, 14) not in days and days[date(2026, 1, 13)] == 48


def test_step_changes_inside_one_answer_and_a_day_with_two_steps_is_counted_right():
    body = _answer("courbe_de_charge_consommation", meters.STEP_CHANGE, "2026-11-09", "2026-11-12")
    curve = parse_measures([("courbe_de_charge_consommation", "raw/s", body)])["load_curve"].to_pylist()
    day = [p for p in curve if curve_day(p["interval_end"]) == date(2026, 11, 10)]
    assert Counter(p["interval_minutes"] for p in day) == {30: 24, 10: 72}
    assert all(p["energy_wh"] == p["power_w"] * p["interval_minutes"] / 60 for p in curve)  # W x min / 60
    daily = parse_measures([("consommation_quotidienne", "raw/d",
                             _answer("consommation_quotidienne", meters.STEP_CHANGE, "2026-11-10", "2026-11-11"))])
    assert abs(daily["daily_energy"].to_pylist()[0]["energy_wh"] - sum(p["energy_wh"] for p in day)) <= 1
    days = {d.day: d for d in completeness(
        (p["meter_id"], p["direction"], p["interval_end"], p["interval_minutes"]) for p in curve)}
    assert days[date(2026, 11, 10)].complete and days[date(2026, 11, 10)].found == 96
    assert days[date(2026, 11, 9)].complete and days[date(2026, 11, 11)].complete
    holed = completeness((p["meter_id"], p["direction"], p["interval_end"], p["interval_minutes"])
                         for p in day if p["interval_end"].hour != 15)
    assert not holed[0].complete  # six 10-minute points missing are seen on the mixed day


def test_a_label_inside_the_spring_forward_gap_quarantines_that_point_only():
    body = _curve_answer([("1000", "2026-03-29 01:30:00", "PT30M"), ("1100", "2026-03-29 02:30:00", "PT30M"),
                          ("1200", "2026-03-29 03:00:00", "PT30M"), ("1300", "2026-03-29 03:30:00", "PT30M")])
    other = _answer("courbe_de_charge_consommation", meters.NORMAL, "2026-10-01", "2026-10-02")
    parsed = parse_measures([("courbe_de_charge_consommation", "raw/spring", body),
                             ("courbe_de_charge_consommation", "raw/other", other)])
    curve = parsed["load_curve"].to_pylist()
    assert len(curve) == 3 + 48  # the batch goes on: the other points and the other answer are loaded
    assert [p["power_w"] for p in curve[:3]] == [1000, 1200, 1300]
    [reject] = parsed.rejects
    assert reject.raw_key == "raw/spring" and reject.dataset == "load_curve"
    assert reject.record_ref == "30001234567890|2026-03-29 02:30:00|CONS" and "spring-forward gap" in reject.reason
    assert orjson.loads(reject.content) == {"v": "1100", "d": "2026-03-29 02:30:00"}


def test_a_point_without_a_step_takes_the_answers_pas_or_is_rejected():
    body = _curve_answer([("1000", "2026-03-28 00:30:00", None), ("1000", "2026-03-28 01:00:00", "PT7M")])
    parsed = parse_measures([("courbe_de_charge_consommation", "raw/p", body)])
    assert parsed["load_curve"].num_rows == 0 and len(parsed.rejects) == 2
    assert {r.reason for r in parsed.rejects} == {"no readable step p (nor pas)"}


def test_a_max_power_peak_at_midnight_stays_on_its_own_day():
    body = orjson.dumps({"idPrm": "30001234567890", "etapeMetier": "BRUT", "modeCalcul": "MESURE", "pas": "P1D",
                         "periode": {"dateDebut": "2026-11-01", "dateFin": "2026-11-03"},
                         "grandeur": [{"grandeurMetier": "CONS", "grandeurPhysique": "PMA", "unite": "VA",
                                       "points": [{"v": "6510", "d": "2026-11-01 00:00:00"},
                                                  {"v": "4680", "d": "2026-11-02 13:03:35"}]}]})
    rows = parse_measures([("puissance_conso_max_quotidienne", "raw/m", body)])["max_power"].to_pylist()
    assert [(str(r["day"]), r["max_power_va"]) for r in rows] == [("2026-11-01", 6510), ("2026-11-02", 4680)]
    assert rows[0]["reached_at"] == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)  # the instant, 00:00 Paris
