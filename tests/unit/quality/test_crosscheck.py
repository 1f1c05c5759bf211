"""Invoice kWh against operator metering, on the real warehouse."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from collecte.quality.crosscheck import crosscheck, resolve
from collecte.quality.invoice_frames import invoice_frames
from collecte.quality.loading import upsert_frame
from tests.unit.quality.builders import daily_energy, invoice

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]
MARCH = date(2026, 3, 1)


def _load_invoices(conn, docs):
    frames = invoice_frames(docs, raw_keys=["raw/source=volta/x.pdf"] * len(docs))
    for name, frame in frames.items():
        if len(frame):
            upsert_frame(conn, name, frame)


def _gas_invoice():
    doc = invoice("GZ-1", supplier="gazelec", meter="21100000000001", hp=600, hc=400)
    doc["energy"] = "gas"
    return doc


def _verdicts(conn):
    return {r[0]: r[1:] for r in conn.execute(
        "SELECT invoice_number, status, metered_days, estimated, resolution FROM discrepancy").fetchall()}


def test_verdicts_per_meter_and_period(warehouse):
    import pandas as pd

    docs = [invoice("FV-OK", meter="30001234567890"),
            invoice("FV-MISMATCH", meter="30001234567891", estimated=True),
            invoice("FV-PARTIAL", meter="30001234567892"),
            invoice("FV-NONE", meter="30001234567893"),
            invoice("FV-OK", meter="30001234567890", credit=True),
            _gas_invoice()]
    _load_invoices(warehouse, docs)
    elec = pd.concat([
        daily_energy("30001234567890", MARCH, 31, wh=32_258),      # 999.998 kWh vs 1000 billed
        daily_energy("30001234567891", MARCH, 31, wh=16_000),      # 496 kWh vs 1000 billed
        daily_energy("30001234567892", MARCH, 20, wh=32_258),      # 20 of 31 days
        daily_energy("30001234567890", date(2026, 4, 1), 5),       # outside the billed span
    ], ignore_index=True)
    best = daily_energy("30001234567890", MARCH, 1, wh=40_000).assign(source="sge", quality="BEST")
    upsert_frame(warehouse, "daily_energy", pd.concat([elec, best], ignore_index=True))
    gas = pd.DataFrame([{"pce": "21100000000001", "period_start": MARCH + timedelta(days=i),
                         "period_end": MARCH + timedelta(days=i + 1), "kind": "informative",
                         "volume_m3": 2.86, "conversion_coefficient": 11.29, "energy_kwh": 32.3,
                         "status": "provisional", "raw_key": "raw/g"} for i in range(31)])
    upsert_frame(warehouse, "gas_consumption", gas)
    warehouse.commit()

    report = crosscheck(warehouse)
    assert report.counts == {"ok": 2, "mismatch": 1, "incomplete_metering": 1, "no_metering": 1}
    verdicts = _verdicts(warehouse)
    assert verdicts == {
        "FV-OK": ("ok", 31, False, "open"), "FV-MISMATCH": ("mismatch", 31, True, "open"),
        "FV-PARTIAL": ("incomplete_metering", 20, False, "open"), "FV-NONE": ("no_metering", 0, False, "open"),
        "GZ-1": ("ok", 31, False, "open")}
    detail, diff = warehouse.execute("SELECT detail, difference_kwh FROM discrepancy"
                                     " WHERE invoice_number = 'FV-MISMATCH'").fetchone()
    assert "estimated readings" in detail and float(diff) == 504.0
    # the consolidated (BEST) value of 1 March won over the raw one: 999.998 - 32.258 + 40
    metered = warehouse.execute("SELECT metered_kwh FROM discrepancy WHERE invoice_number = 'FV-OK'").fetchone()[0]
    assert float(metered) == pytest.approx(1007.74)


def test_a_person_s_resolution_survives_reruns_until_the_verdict_changes(warehouse):
    _load_invoices(warehouse, [invoice("FV-1", meter="30001234567891")])
    upsert_frame(warehouse, "daily_energy", daily_energy("30001234567891", MARCH, 31, wh=16_000))
    warehouse.commit()
    crosscheck(warehouse, supplier="volta")
    resolve(warehouse, supplier="volta", invoice_number="FV-1", meter_id="30001234567891",
            resolution="disputed", note="claim sent to Volta", by="claire")
    crosscheck(warehouse, supplier="volta")
    assert _verdicts(warehouse)["FV-1"] == ("mismatch", 31, False, "disputed")
    # the operator's consolidated values arrive: the verdict changes, the case reopens
    upsert_frame(warehouse, "daily_energy", daily_energy("30001234567891", MARCH, 31, wh=32_258))
    crosscheck(warehouse, invoice_numbers=["FV-1"])
    assert _verdicts(warehouse)["FV-1"] == ("ok", 31, False, "open")
