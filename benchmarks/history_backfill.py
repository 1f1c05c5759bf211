"""History import at the operator's rate: one year of load curves for 20 meters at 5 calls/s.

Runs what `import_meter_history` runs (collecte.sources.enedis.batch: the span cut into quarters,
each quarter into 7-day curve calls; batches of meters one after the other as with the 1-slot
pool `enedis`, threads sharing the process's rate limiter) against the local Enedis sandbox,
which enforces 5 calls/s and counts the 429s it sends. Prints the wall time divided by the
shortest possible time, (calls needed ÷ 5): 1.00 would be the limit used to the last call.

The hourly quota is raised to 10,000 (the v5 figure) for the run, in the sandbox AND in the client's
own hourly bucket: 1,060 calls exceed the 2026 specification's 1,000 per hour and per API, which would
make the import wait for the next hour (what a real import of this size does: ~53 curve calls per meter
and year, so about 19 meter-years of curves per hour and application).
Starts its own PostgreSQL and S3 API server. Bounded: `--meters` and `--days` shrink the run.
    .venv/bin/python benchmarks/history_backfill.py [--meters 20] [--days 365]
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "include")]

RATE = 5.0
TODAY = date(2026, 11, 20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meters", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=4)
    args = parser.parse_args()

    from collecte.landing.raw_zone import RawZone
    from collecte.sources.enedis.batch import collect_batch, load_batch, plan_batches
    from collecte.sources.enedis.dataconnect import DataConnectClient
    from collecte.sources.enedis.spans import plan_calls
    from collecte.warehouse.db import connect, migrate
    from sandbox.enedis import start_enedis
    from sandbox.enedis.state import CLIENT_ID, CLIENT_SECRET, Limits
    from sandbox.services.common import free_port
    from sandbox.services.postgres import PostgresServer
    from sandbox.services.s3 import S3Server

    last = date(2026, 10, 31)
    first = last - timedelta(days=args.days - 1)
    meters = [{"id": f"30008888{i:06d}", "kinds": ["load_curve"], "directions": ["CONS"]} for i in range(args.meters)]
    batches = plan_batches(meters, first, last, batch_size=args.batch_size, span_days=92)
    planned = sum(len(plan_calls("courbe_de_charge_consommation", date.fromisoformat(b["first"]),
                                 date.fromisoformat(b["last"]), today=TODAY)) * len(b["meters"]) for b in batches)
    minimum = args.meters * math.ceil(args.days / 7)

    work = Path(tempfile.mkdtemp(prefix="collecte-bench-"))
    work.chmod(0o755)
    postgres = PostgresServer(work / "pg", free_port(), attached=True).start()
    s3 = S3Server(free_port()).start()
    sandbox = start_enedis(0, today=TODAY, limits=Limits(calls_per_second=5, calls_per_hour=10_000))
    try:
        url = postgres.create_database("bench")
        with connect(url) as conn:
            migrate(conn)
        s3.ensure_bucket("bench-raw")
        zone = RawZone(s3.client(), "bench-raw")
        client = DataConnectClient(sandbox.base_url, CLIENT_ID, CLIENT_SECRET, calls_per_second=RATE,
                                   calls_per_hour=10_000)
        collected, loading, rows = [], 0.0, 0
        started = time.perf_counter()
        with connect(url, autocommit=True) as conn:
            for batch in batches:
                collected.append(collect_batch(client, zone, conn, batch, today=TODAY, threads=args.threads))
            collect_seconds = time.perf_counter() - started
            for result in collected:
                began = time.perf_counter()
                rows += load_batch(zone, conn, result)["rows_changed"]
                loading += time.perf_counter() - began
        stats = sandbox.state.stats
        calls = stats.by_resource.get("courbe_de_charge_consommation", 0) - stats.rate_limited
        shortest = planned / RATE
        print(f"{args.meters} meters x {args.days} days of 30-min curves: {len(batches)} batches, "
              f"{planned} calls planned ({minimum} at the very least: 7 days per call; quarters add a few), "
              f"{calls} answered")
        print(f"collection wall time: {collect_seconds:.1f} s; shortest possible at {RATE:.0f} calls/s: "
              f"{shortest:.1f} s")
        print(f"ratio wall / (calls needed / 5): {collect_seconds / shortest:.2f}  (1.00 = the limit fully used)")
        print(f"429 answers from the sandbox: {stats.rate_limited}; client retries: {client.retried}; "
              f"time waiting for the limiter: {client.waited:.1f} s")
        print(f"loading (Parquet + upsert) of {rows:,} points: {loading:.1f} s; "
              f"end to end: {collect_seconds + loading:.1f} s, ratio {(collect_seconds + loading) / shortest:.2f}")
        print(f"429s per call: {stats.rate_limited / max(1, calls):.2%} (target: none or very few, <= 1%)")
        return 0 if stats.rate_limited <= 0.01 * planned and calls == planned else 1
    finally:
        sandbox.stop()
        s3.stop()
        postgres.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
