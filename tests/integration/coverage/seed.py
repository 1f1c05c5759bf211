"""Warehouse rows shared by the coverage and operations-page tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
PRM, PCE = "12345678901234", "GI123456"
NOW = datetime(2026, 5, 25, 12, tzinfo=UTC)


def _curve_day(conn, day: date, minutes_kept: int | None = None) -> None:
    start = datetime(day.year, day.month, day.day, tzinfo=PARIS).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), PARIS).astimezone(UTC)
    t, rows = start, []
    while t < end and (minutes_kept is None or (t - start) < timedelta(minutes=minutes_kept)):
        t += timedelta(minutes=30)
        rows.append((PRM, t, "CONS", 30, 1000, 500.0, "enedis", f"raw/c/{day}.json"))
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO load_curve VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", rows)


def seed_coverage(conn) -> None:
    """Two organizations; a PRM with daily energy, curves (a DST day), a wall; a PCE; an account with invoices."""
    conn.execute("INSERT INTO organization (id, name) VALUES ('o1', 'Ville de Test'), ('o2', 'Autre')")
    conn.execute("INSERT INTO entity (id, organization_id, name) VALUES ('e1', 'o1', 'Mairie'), ('e2', 'o2', 'X')")
    conn.execute("INSERT INTO site (id, entity_id, name) VALUES ('s1', 'e1', 'École'), ('s2', 'e2', 'Y')")
    conn.execute("INSERT INTO meter (id, site_id, operator, energy, point_kind) VALUES "
                 "(%s, 's1', 'enedis', 'electricity', 'PRM'), (%s, 's1', 'grdf', 'gas', 'PCE')", (PRM, PCE))
    conn.execute("INSERT INTO supplier_account (supplier, account_id, entity_id, site_id) "
                 "VALUES ('volta', 'ACC1', 'e1', 's1')")
    for d in range(1, 11):
        if d != 5:
            conn.execute("INSERT INTO daily_energy VALUES (%s, %s, 'CONS', 'enedis', 12000, 'BRUT', 'raw/d.json')",
                         (PRM, date(2026, 3, d)))
    conn.execute("INSERT INTO meter_status (operator, meter_id, data_kind, status, not_before) "
                 "VALUES ('enedis', %s, 'daily', 'HISTORY_WALL', '2026-03-03')", (PRM,))
    _curve_day(conn, date(2026, 3, 28))
    _curve_day(conn, date(2026, 3, 29))          # 23 hours: 46 points make it complete
    _curve_day(conn, date(2026, 3, 30), minutes_kept=600)
    conn.execute("INSERT INTO max_power VALUES (%s, '2026-03-28', 'CONS', 7000, '2026-03-28T18:00:00Z', "
                 "'enedis', 'raw/m.json')", (PRM,))
    conn.execute("INSERT INTO meter_contract (meter_id, source, max_subscribed_kva, raw_key) VALUES (%s, 'enedis', 9, 'raw/k.json')", (PRM,))
    conn.execute("INSERT INTO gas_consumption (pce, period_start, period_end, kind, volume_m3, "
                 "conversion_coefficient, energy_kwh, status, raw_key) VALUES "
                 "(%s, '2026-03-01', '2026-03-08', 'informative', 10, 11.2, 112, 'provisional', 'raw/g.json')",
                 (PCE,))
    for number, status, start, end in (("F1", "ok", "2026-01-01", "2026-01-31"),
                                       ("F2", "needs_review", "2026-02-01", "2026-02-28")):
        conn.execute("INSERT INTO invoice (supplier, invoice_number, document_type, invoice_date, customer_account, "
                     "energy, total_excl_tax, total_vat, total_incl_tax, site_count, status, source, raw_key) "
                     "VALUES ('volta', %s, 'invoice', %s, 'ACC1', 'electricity', 1, 0.2, 1.2, 1, %s, 't', %s)",
                     (number, end, status, f"raw/source=volta/kind=invoice_pdf/account=ACC1/received={end}/{number}.pdf"))
        conn.execute("INSERT INTO invoice_site (supplier, invoice_number, meter_id, position, period_start, "
                     "period_end, consumption_kwh, total_excl_tax) VALUES ('volta', %s, %s, 1, %s, %s, 10, 1)",
                     (number, PRM, start, end))
    conn.execute("INSERT INTO quarantine_record (raw_key, record_ref, dataset, reason) VALUES "
                 "('raw/source=volta/kind=invoice_pdf/account=ACC1/received=2026-04-10/abc.pdf', '*', 'invoice', "
                 "'truncated PDF')")
