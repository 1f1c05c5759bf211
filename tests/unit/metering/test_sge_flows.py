"""R50 and R151 files (shaped like the real ones in consometers/sge-tiers) -> canonical records."""

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from collecte.metering.sge_flows import FlowFormatError, parse_r50, parse_r151

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sge"


def test_r50_curve_points_with_their_offsets():
    rows = parse_r50((FIXTURES / "R50.xml").read_bytes(), "raw/r50").to_pylist()
    assert [r["interval_end"] for r in rows] == [  # 2025-10-26: 02:30 twice, +02:00 then +01:00
        datetime(2025, 10, 25, 22, 30, tzinfo=UTC), datetime(2025, 10, 26, 0, 30, tzinfo=UTC),
        datetime(2025, 10, 26, 1, 30, tzinfo=UTC), datetime(2025, 10, 26, 2, 0, tzinfo=UTC)]
    assert [(r["power_w"], r["energy_wh"], r["interval_minutes"]) for r in rows[:2]] == [(476, 238.0, 30),
                                                                                       (508, 254.0, 30)]
    assert {(r["meter_id"], r["direction"], r["source"], r["raw_key"]) for r in rows} == {
        ("09111642617347", "CONS", "enedis", "raw/r50")}


def test_r151_indexes_per_distributor_class_and_max_power():
    tables = parse_r151((FIXTURES / "R151.xml").read_bytes(), "raw/r151")
    index = tables["meter_index"].to_pylist()
    assert [(r["time_class"], r["index_wh"], r["reading_at"]) for r in index] == [
        ("HP", 9744495, datetime(2026, 2, 1, 23, 0, tzinfo=UTC)),
        ("HC", 4012210, datetime(2026, 2, 1, 23, 0, tzinfo=UTC))]
    power = tables["max_power"].to_pylist()
    assert [(r["day"], r["max_power_va"], r["reached_at"]) for r in power] == [(date(2026, 2, 2), 3817, None)]


def test_a_wrong_file_is_named_with_its_reason():
    with pytest.raises(FlowFormatError, match="raw/x: not an R50 flow"):
        parse_r50((FIXTURES / "R151.xml").read_bytes(), "raw/x")
    with pytest.raises(FlowFormatError, match="not XML"):
        parse_r151(b"<R151", "raw/y")
    broken = (FIXTURES / "R50.xml").read_bytes().replace(b"<V>508</V>", b"<V>5O8</V>")
    with pytest.raises(FlowFormatError, match="V '5O8' is not an integer"):
        parse_r50(broken, "raw/z")
