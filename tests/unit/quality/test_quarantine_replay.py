"""Quarantine and replay against the real warehouse (PostgreSQL) and S3 API server."""

from __future__ import annotations

from datetime import date

import pytest

from collecte.quality.quarantine import from_parquet, open_records, quarantine_failed_rows, quarantine_invoice
from collecte.quality.replay import replay
from collecte.quality.results import INDEX_KEY, store_validation
from collecte.quality.validation import validate
from tests.unit.quality.builders import invoice, load_curve

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]
RAW = "raw/source=enedis/kind=load_curve/account=30001234567890/received=2026-05-05/abc.json"


def _bad_curve():
    points = load_curve("30001234567890", date(2026, 5, 4), 1)
    points.loc[[3, 4], "power_w"] = -10
    points.loc[[3, 4], "energy_wh"] = -5
    return points


def test_failed_rows_are_quarantined_with_their_expectations_then_replayed_after_a_fix(raw_zone, warehouse):
    outcome = validate("load_curve", _bad_curve())
    receipt = quarantine_failed_rows(raw_zone, warehouse, outcome, raw_key=RAW)
    stored = store_validation(raw_zone, warehouse, outcome, source="enedis", raw_key=RAW,
                              quarantine_key=receipt.quarantine_key)
    assert receipt.rows == 2 and receipt.quarantine_key.startswith(
        "quarantine/source=enedis/kind=load_curve/account=30001234567890/received=2026-05-05/abc.json/dataset=load_curve/")
    records = open_records(warehouse, raw_key=RAW)
    assert [r["expectations"] for r in records] == [["power_w_in_range"], ["power_w_in_range"]]
    assert "power_w between 0 and 50 MW" in records[0]["reason"]
    summary = warehouse.execute("SELECT success, row_count, failed_rows, result_key FROM validation_result").fetchone()
    assert summary == (False, 48, 2, stored.result_key)
    assert b"expect_column_values_to_be_between" in raw_zone.get(stored.result_key)
    assert b"2 rows quarantined" in raw_zone.get(stored.report_key)
    assert outcome.validation_id.encode() in raw_zone.get(INDEX_KEY)

    # replay before any fix: still failing, nothing loaded, records stay open
    first = replay(raw_zone, warehouse, RAW)
    assert (first[0].loaded, first[0].still_failing) == (0, 2)
    assert len(open_records(warehouse, raw_key=RAW)) == 2

    # a person fixes the quarantined rows in place, then replays
    import pandas as pd

    from collecte.quality.quarantine import to_parquet

    key = first[0].quarantine_key
    rows = from_parquet(raw_zone.get(key))
    rows["power_w"], rows["energy_wh"] = 10, 5.0
    raw_zone.put(key, to_parquet(rows))
    second = replay(raw_zone, warehouse, RAW)
    assert (second[0].loaded, second[0].still_failing) == (2, 0)
    assert open_records(warehouse, raw_key=RAW) == []
    loaded = warehouse.execute("SELECT power_w FROM load_curve ORDER BY interval_end").fetchall()
    assert loaded == [(10,), (10,)]
    released = warehouse.execute("SELECT status FROM quarantine_record").fetchall()
    assert released == [("released",), ("released",)]
    with pytest.raises(LookupError, match="nothing quarantined"):
        replay(raw_zone, warehouse, RAW)
    assert isinstance(rows, pd.DataFrame)


def test_replay_from_the_raw_object_with_a_fixed_parser(raw_zone, warehouse):
    outcome = validate("load_curve", _bad_curve())
    quarantine_failed_rows(raw_zone, warehouse, outcome, raw_key=RAW)
    fixed = load_curve("30001234567890", date(2026, 5, 4), 1)
    reports = replay(raw_zone, warehouse, RAW, reparse=lambda key: {"load_curve": fixed})
    assert reports[0].origin == "raw" and reports[0].loaded == 48
    assert warehouse.execute("SELECT count(*) FROM load_curve").fetchone() == (48,)


def test_rejected_invoice_is_quarantined_whole_and_replayed(raw_zone, warehouse):
    raw = "raw/source=volta/kind=invoice_pdf/account=C-1/received=2026-04-06/f00.pdf"
    bad = invoice("FV-2026-000777")
    bad["total_incl_tax"] += 3
    receipt = quarantine_invoice(raw_zone, warehouse, bad, raw_key=raw,
                                 failed_rules=["invoice.total_incl_tax_adds_up"])
    assert receipt.quarantine_key.endswith("/dataset=invoice/FV-2026-000777.json")
    import orjson

    stored = orjson.loads(raw_zone.get(receipt.quarantine_key))
    assert stored["quarantine"]["failed_expectations"] == ["invoice.total_incl_tax_adds_up"]
    stored["total_incl_tax"] -= 3  # the fix
    raw_zone.put(receipt.quarantine_key, orjson.dumps(stored))
    reports = replay(raw_zone, warehouse, raw)
    assert (reports[0].loaded, reports[0].still_failing) == (1, 0)
    assert warehouse.execute("SELECT count(*) FROM invoice_line WHERE invoice_number = 'FV-2026-000777'"
                             ).fetchone() == (4,)


def test_staged_batch_of_many_raw_objects_is_quarantined_per_raw_object(raw_zone, warehouse):
    import pandas as pd

    from collecte.quality.staged_check import check_staged, checked_key

    first = _bad_curve()
    second = load_curve("30001234567891", date(2026, 5, 4), 1).assign(raw_key="raw/source=enedis/other.json")
    second.loc[0, "meter_id"] = "ABC"
    staged = "staged/source=enedis/dataset=load_curve/b1.parquet"
    batch = pd.concat([first.assign(raw_key=RAW), second], ignore_index=True)
    # dictionary-encoded strings, as collecte.metering.staging writes them (read back as categoricals)
    batch = batch.astype({c: "category" for c in ("meter_id", "direction", "source", "raw_key")})
    raw_zone.put(staged, batch.to_parquet(index=False))
    (result,) = check_staged(raw_zone, warehouse, "load_curve", [staged], source="enedis")
    assert (result["rows"], result["passed"], result["failed"]) == (96, 93, 3)
    assert result["key"] == checked_key(staged) and len(from_parquet(raw_zone.get(result["key"]))) == 93
    per_raw = dict(warehouse.execute("SELECT raw_key, count(*) FROM quarantine_record GROUP BY raw_key").fetchall())
    assert per_raw == {RAW: 2, "raw/source=enedis/other.json": 1}


def test_staged_invoices_are_screened_and_the_rejected_one_quarantined_whole(raw_zone, warehouse):
    import orjson

    from collecte.quality.staged_check import check_staged

    good, bad = invoice("FV-2026-000801"), invoice("FV-2026-000802")
    bad["sites"][0]["total_excl_tax"] += 5
    refs = []
    for doc in (good, bad):
        key = f"staged/source=volta/dataset=invoice/{doc['invoice_number']}.json"
        raw_zone.put(key, orjson.dumps({"status": "ok", "invoice": doc}))
        refs.append({"key": key, "raw_key": f"raw/source=volta/kind=invoice_pdf/{doc['invoice_number']}.pdf"})
    results = check_staged(raw_zone, warehouse, "invoice", refs, source="volta")
    assert [r["key"] for r in results] == [refs[0]["key"], None]
    assert results[1]["failed_expectations"] == ["invoice.sites_add_up", "invoice_site.lines_add_up"]
    records = open_records(warehouse, dataset="invoice")
    assert [(r["record_ref"], r["raw_key"]) for r in records] == [("volta|FV-2026-000802", refs[1]["raw_key"])]
