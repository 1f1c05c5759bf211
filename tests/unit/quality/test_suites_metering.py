"""Suites of metering datasets: the rules reject what they should, row by row, and nothing else."""

from __future__ import annotations

from datetime import date

import pytest

from collecte.quality.validation import validate
from tests.unit.quality.builders import daily_energy, load_curve

pytestmark = pytest.mark.timeout(120)


def test_complete_curve_over_both_dst_days_passes():
    spring = load_curve("30001234567890", date(2026, 3, 28), 3)  # 29 March 2026: 23 h
    autumn = load_curve("30001234567890", date(2026, 10, 24), 3)  # 25 October 2026: 25 h
    import pandas as pd

    points = pd.concat([spring, autumn], ignore_index=True)
    assert len(spring) == 48 + 46 + 48 and len(autumn) == 48 + 50 + 48
    outcome = validate("load_curve", points)
    assert outcome.success and not outcome.failures, outcome.summary()
    assert len(outcome.passed) == len(points) and len(outcome.warned) == 0


def test_missing_interval_on_a_dst_day_flags_that_day_only():
    import pandas as pd

    points = load_curve("30001234567890", date(2026, 3, 28), 3, step=10)
    dropped = points.drop(index=200)  # a point of 29 March (144 + 56)
    outcome = validate("load_curve", dropped)
    assert outcome.success  # warnings do not quarantine
    assert [f["rule"] for f in outcome.failures] == ["day_complete"]
    assert len(outcome.warned) == 138 - 1  # 23 h x 6 points - the dropped one
    starts = outcome.warned["interval_end"] - pd.Timedelta(minutes=10)  # `interval_end` marks the END
    assert set(starts.dt.tz_convert("Europe/Paris").dt.day) == {29}


def test_bad_rows_fail_with_the_expectations_they_broke():
    points = load_curve("30001234567890", date(2026, 5, 4), 1)
    points.loc[3, "power_w"] = -50
    points.loc[3, "energy_wh"] = -25
    points.loc[7, "energy_wh"] = 9999
    points.loc[9, "meter_id"] = "3000123456789"  # 13 digits
    outcome = validate("load_curve", points)
    failed = dict(zip(outcome.failed.index, outcome.failed["failed_expectations"], strict=True))
    assert failed == {3: ["power_w_in_range"], 7: ["energy_matches_power"], 9: ["prm_form"]}
    assert len(outcome.passed) == 48 - 3
    # the meter with a bad id has one point in its day: the day is incomplete for both ids
    assert "day_complete" in {f["rule"] for f in outcome.failures}


def test_duplicated_key_fails_both_rows():
    points = load_curve("30001234567890", date(2026, 5, 4), 1)
    import pandas as pd

    doubled = pd.concat([points, points.iloc[[5]]], ignore_index=True)
    outcome = validate("load_curve", doubled)
    assert sorted(outcome.failed.index) == [5, 48]
    assert all(r == ["key_unique"] for r in outcome.failed["failed_expectations"])


def test_many_failures_are_all_found_beyond_the_summary_list():
    points = load_curve("30001234567890", date(2026, 5, 4), 7, step=10)
    points.loc[points.index % 3 == 0, "direction"] = "SIDEWAYS"
    outcome = validate("load_curve", points)
    assert len(outcome.failed) == len(points[points.index % 3 == 0]) > 20


def test_missing_column_fails_the_whole_batch():
    points = load_curve("30001234567890", date(2026, 5, 4), 1).drop(columns=["energy_wh"])
    outcome = validate("load_curve", points)
    assert outcome.batch_failed and len(outcome.failed) == 48 and len(outcome.passed) == 0
    assert outcome.failures[0]["rule"] == "columns_present"


def test_daily_energy_gap_and_range():
    rows = daily_energy("30001234567890", date(2026, 3, 1), 10).drop(index=4).reset_index(drop=True)
    rows.loc[0, "energy_wh"] = -1
    outcome = validate("daily_energy", rows)
    assert list(outcome.failed.index) == [0]
    assert {f["rule"] for f in outcome.failures} == {"energy_wh_in_range", "no_missing_day"}
    assert len(outcome.warned) == 8


def test_meter_contract_rules():
    import pandas as pd

    base = {"source": "sge", "fta": "BTSUPCU4", "tariff_option": "4P", "off_peak_hours": None, "status": "SERVC",
            "last_activation_date": date(2020, 1, 1), "holder": "X", "address": "Y", "valid_at": date(2026, 1, 1),
            "raw_key": "raw/k", "injection_contract": None}
    rows = pd.DataFrame([
        {**base, "meter_id": "30001234567896", "segment": "C4", "max_subscribed_kva": 60,
         "subscribed_powers_kva": {"HPH": 42, "HCH": 48, "HPB": 54, "HCB": 60}},
        {**base, "meter_id": "30001234567897", "segment": "C4", "max_subscribed_kva": 60,
         "subscribed_powers_kva": {"HPH": 60, "HCH": 48, "HPB": 54, "HCB": 55}},
        {**base, "meter_id": "30001234567890", "segment": "C5", "max_subscribed_kva": 42,
         "subscribed_powers_kva": {"BASE": 42}},
    ])
    outcome = validate("meter_contract", rows)
    failed = dict(zip(outcome.failed["meter_id"], outcome.failed["failed_expectations"], strict=True))
    assert failed == {"30001234567897": ["c4_powers_ordered"], "30001234567890": ["segment_power_consistent"]}


def test_gas_consumption_forms_and_arithmetic():
    import pandas as pd

    base = {"period_start": date(2026, 1, 1), "period_end": date(2026, 1, 31), "kind": "published",
            "index_start_m3": 1000, "index_end_m3": 1100, "volume_m3": 100, "conversion_coefficient": 11.29,
            "energy_kwh": 1129, "status": "definitive", "reading_reason": "cyclique", "reading_quality": "measured",
            "raw_key": "raw/k"}
    rows = pd.DataFrame([
        {**base, "pce": "21100000000001"},
        {**base, "pce": "GI000123"},
        {**base, "pce": "GI00012"},
        {**base, "pce": "21100000000002", "energy_kwh": 1500},
    ])
    outcome = validate("gas_consumption", rows)
    failed = dict(zip(outcome.failed["pce"], outcome.failed["failed_expectations"], strict=True))
    assert failed == {"GI00012": ["pce_form"], "21100000000002": ["energy_matches_volume"]}
