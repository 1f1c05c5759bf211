"""Coverage queries at scale: 1,000 meters x 3 years of daily data, 1,000 accounts x 36 months of invoices.

Generates the data in its own PostgreSQL (sandbox/services), about 2 % of days and 3 % of bills
missing at random, then times each question the coverage view asks (best of 3 runs after a warm-up):
1. the overview: registry tree + per-meter day counts by state over 3 years, all 1,000 meters;
2. one meter's heatmap over 3 years (day states);
3. invoice months of all 1,000 accounts over 36 months;
4. one account's month grid.
Each must answer in under 1 s; the baseline is a bare `count(*)` scan of the same daily table,
measured in the same run, so the ratio says what the coverage logic costs over reading the rows.
Run: .venv/bin/python benchmarks/coverage.py [--meters 1000] [--years 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "include")]


def seed(conn, meters: int, years: int, today: date) -> tuple[date, date]:
    """Registry, daily energy and invoices generated inside PostgreSQL (set-based, a few seconds)."""
    first = date(today.year - years, today.month, 1)
    last = today - timedelta(days=2)
    conn.execute("SELECT setseed(0.42)")
    conn.execute("INSERT INTO organization (id, name) SELECT 'o' || i, 'Organisation ' || i FROM generate_series(1, 10) i")
    conn.execute("INSERT INTO entity (id, organization_id, name) "
                 "SELECT 'e' || i, 'o' || (1 + i % 10), 'Entité ' || i FROM generate_series(1, 100) i")
    conn.execute("INSERT INTO site (id, entity_id, name) "
                 "SELECT 's' || i, 'e' || (1 + i %% 100), 'Site ' || i FROM generate_series(1, %s) i", (meters,))
    conn.execute("INSERT INTO meter (id, site_id, operator, energy, point_kind) "
                 "SELECT lpad(i::text, 14, '0'), 's' || i, 'enedis', 'electricity', 'PRM' "
                 "FROM generate_series(1, %s) i", (meters,))
    conn.execute("INSERT INTO supplier_account (supplier, account_id, entity_id, site_id) "
                 "SELECT 'volta', 'A' || i, 'e' || (1 + i %% 100), 's' || i FROM generate_series(1, %s) i", (meters,))
    conn.execute("""INSERT INTO daily_energy (meter_id, day, direction, source, energy_wh, quality, raw_key)
                    SELECT lpad(i::text, 14, '0'), d::date, 'CONS', 'enedis', 10000 + (random() * 5000)::int, 'BRUT',
                           'raw/source=enedis/x.json'
                      FROM generate_series(1, %s) i, generate_series(%s::date, %s::date, interval '1 day') d
                     WHERE random() > 0.02""", (meters, first, last))
    conn.execute("""INSERT INTO invoice (supplier, invoice_number, document_type, invoice_date, customer_account, energy,
                                         total_excl_tax, total_vat, total_incl_tax, site_count, status, source, raw_key)
                    SELECT 'volta', 'F' || i || '-' || to_char(m, 'YYYYMM'), 'invoice', (m + interval '1 month')::date,
                           'A' || i, 'electricity', 100, 20, 120, 1,
                           CASE WHEN random() < 0.02 THEN 'needs_review' ELSE 'ok' END, 'template:volta', 'raw/x.pdf'
                      FROM generate_series(1, %s) i,
                           generate_series(%s::date, %s::date - interval '1 month', interval '1 month') m
                     WHERE random() > 0.03""", (meters, first, today.replace(day=1)))
    conn.execute("""INSERT INTO invoice_site (supplier, invoice_number, meter_id, position, period_start, period_end,
                                              consumption_kwh, total_excl_tax)
                    SELECT supplier, invoice_number, lpad(substr(customer_account, 2), 14, '0'), 1,
                           (invoice_date - interval '1 month')::date, invoice_date - 1, 300, 100 FROM invoice""")
    conn.execute("ANALYZE")
    return first, last


def best_of(fn, repeat: int = 3) -> float:
    """Best wall time of `repeat` runs after one warm-up run."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meters", type=int, default=1000)
    parser.add_argument("--years", type=int, default=3)
    args = parser.parse_args()

    from collecte.coverage.queries import (
        AccountNode,
        Filters,
        account_months,
        account_summaries,
        meter_days,
        meter_summaries,
        registry,
    )
    from collecte.warehouse.db import connect, migrate
    from sandbox.services.common import free_port
    from sandbox.services.postgres import PostgresServer

    work = Path(tempfile.mkdtemp(prefix="collecte-bench-coverage-"))
    work.chmod(0o755)
    postgres = PostgresServer(work / "pg", free_port(), attached=True).start()
    try:
        url = postgres.create_database("bench")
        with connect(url, autocommit=True) as conn:
            migrate(conn)
            now = datetime(2026, 11, 30, 12, tzinfo=UTC)
            started = time.perf_counter()
            first, last = seed(conn, args.meters, args.years, now.date())
            rows = conn.execute("SELECT count(*) FROM daily_energy").fetchone()[0]
            invoices = conn.execute("SELECT count(*) FROM invoice").fetchone()[0]
            print(f"generated {args.meters} meters, {rows:,} daily rows ({first}..{last}), {invoices:,} invoices "
                  f"in {time.perf_counter() - started:.1f} s; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            filters = Filters(first, last, kind="daily_energy")

            def overview() -> None:
                tree = registry(conn, filters)
                meters = [m for o in tree for _, sites in o.entities.values() for s in sites for m in s.meters]
                assert len(meters) == args.meters
                meter_summaries(conn, meters, filters, now)

            accounts = [AccountNode("volta", f"A{i}") for i in range(1, args.meters + 1)]
            figures = {
                "baseline: count(*) of the daily table": best_of(
                    lambda: conn.execute("SELECT count(*) FROM daily_energy").fetchone()),
                f"overview: {args.meters} meters x {args.years} years, day counts by state": best_of(overview),
                "one meter's heatmap (3 years of day states)": best_of(
                    lambda: meter_days(conn, "0" * 13 + "7", "daily_energy", first, last, now)),
                f"invoice months of {args.meters} accounts x 36 months": best_of(
                    lambda: account_summaries(conn, accounts, Filters(first, last), now)),
                "one account's month grid": best_of(
                    lambda: account_months(conn, [("volta", "A7")], first, last, now)),
            }
            baseline = figures["baseline: count(*) of the daily table"]
            for name, seconds in figures.items():
                verdict = "" if name.startswith("baseline") else ("  ok (< 1 s)" if seconds < 1 else "  OVER 1 s")
                print(f"{name:60s} {seconds * 1000:8.1f} ms  x{seconds / baseline:6.2f} baseline{verdict}")
    finally:
        postgres.stop()


if __name__ == "__main__":
    main()
