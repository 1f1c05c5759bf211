"""GX validation time for 10 million load-curve points, as a share of their ingestion time.

Both sides run in this process on the same generated points (Parquet-like columns in memory:
meter_id, interval_end (UTC), direction, interval_minutes, power_w, energy_wh, source, raw_key):
- validation: `collecte.quality.validation.validate("load_curve", frame)`, i.e. the derived columns
  of the multi-row rules (complete Paris days, W x min / 60 = Wh) plus the GX suite, all passing;
- ingestion: `collecte.warehouse.upsert.copy_upsert` into `load_curve` of a PostgreSQL started for
  the run (migrated), timestamps sent as ISO text as the metering loader does. Ingestion is
  measured on `--ingest-points` (default 1 M) and extrapolated linearly to the validated count:
  COPY and the upsert scale linearly with rows, and this bounds the run's time and disk.
It then measures how failed rows are found when 1 % of 1 M points fail: the runner's two passes
(SUMMARY, then COMPLETE only for the failed expectations) against one COMPLETE pass.

    python benchmarks/validation.py [--points 10000000] [--ingest-points 1000000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "include")]


def curve_points(points: int, step: int = 30) -> object:
    """`points` complete-day points: as many meters as needed, each over whole Paris days of 2026."""
    import numpy as np
    import pandas as pd

    per_day = 24 * 60 // step
    days = 365
    per_meter = per_day * days
    meters = max(1, -(-points // per_meter))
    start = pd.Timestamp("2026-01-01", tz="Europe/Paris").tz_convert("UTC")
    end = pd.Timestamp("2027-01-01", tz="Europe/Paris").tz_convert("UTC")
    ends = pd.date_range(start + pd.Timedelta(minutes=step), end, freq=f"{step}min", tz="UTC")
    total = len(ends) * meters
    ids = np.repeat(np.array([f"3000{i:010d}" for i in range(meters)], dtype=object), len(ends))
    power = np.random.default_rng(7).integers(0, 12_000, total)
    frame = pd.DataFrame({
        "meter_id": pd.array(ids, dtype="str"),
        "interval_end": pd.DatetimeIndex(np.tile(ends.tz_convert(None).to_numpy(), meters)).tz_localize("UTC"),
        "direction": pd.array(np.full(total, "CONS", dtype=object), dtype="str"),
        "interval_minutes": np.full(total, step, dtype=np.int16),
        "power_w": power.astype(np.int32),
        "energy_wh": power * step / 60.0,
        "source": pd.array(np.full(total, "dataconnect", dtype=object), dtype="str"),
        "raw_key": pd.array(np.repeat(np.array([f"raw/source=enedis/kind=load_curve/m{i}.json"
                                                for i in range(meters)], dtype=object), len(ends)), dtype="str"),
    })
    # whole meters only (a cut meter would have an incomplete last day): drop meters beyond `points`
    keep = (points // len(ends)) * len(ends) or len(ends)
    return frame.iloc[:keep].reset_index(drop=True)


def time_validation(frame: object) -> tuple[float, float, object]:
    """(seconds including GX start-up, seconds of the validation alone, outcome)."""
    from collecte.quality.gx_runtime import context

    t0 = time.perf_counter()
    context()  # GX import and ephemeral context: once per worker process
    from collecte.quality.validation import validate

    validate("load_curve", frame.iloc[:1000])  # registers the suite (once per process)
    t1 = time.perf_counter()
    outcome = validate("load_curve", frame)
    t2 = time.perf_counter()
    return t2 - t0, t2 - t1, outcome


def time_ingestion(frame: object, points: int) -> float:
    """Seconds to copy_upsert the first `points` points into a fresh migrated PostgreSQL."""
    from collecte.warehouse.db import connect, migrate
    from collecte.warehouse.upsert import copy_upsert
    from sandbox.services.common import free_port
    from sandbox.services.postgres import PostgresServer

    folder = Path(tempfile.mkdtemp(prefix="collecte-bench-"))
    folder.chmod(0o755)
    server = PostgresServer(folder / "pg", free_port(), attached=True).start()
    try:
        url = server.create_database("bench")
        with connect(url) as conn:
            migrate(conn)
            conn.commit()
            part = frame.iloc[:points]
            columns = list(part.columns)
            t0 = time.perf_counter()
            cols = [part[c].astype(str).tolist() if c == "interval_end" else part[c].tolist() for c in columns]
            rows = zip(*cols, strict=True)
            count = copy_upsert(conn, "load_curve", columns, rows, ["meter_id", "interval_end", "direction"])
            conn.commit()
            elapsed = time.perf_counter() - t0
            assert count.inserted == len(part), count
    finally:
        server.stop()
    return elapsed


def time_row_level(frame: object) -> tuple[float, float, int]:
    """With 1 % failing points: (runner's two passes, single COMPLETE pass, failed rows found)."""
    import numpy as np

    from collecte.quality.gx_runtime import batch_definition
    from collecte.quality.suites import suite as suite_of
    from collecte.quality.validation import _gx_suite, validate

    bad = frame.copy()
    rows = np.random.default_rng(3).choice(len(bad), len(bad) // 100, replace=False)
    bad.loc[rows, "power_w"] = -1
    t0 = time.perf_counter()
    outcome = validate("load_curve", bad)
    t1 = time.perf_counter()
    gx_suite, _ = _gx_suite("load_curve", True)
    prepared = suite_of("load_curve").prepare(bad, {})
    batch = batch_definition("load_curve").get_batch(batch_parameters={"dataframe": prepared})
    t2 = time.perf_counter()
    batch.validate(gx_suite, result_format={"result_format": "COMPLETE"})
    t3 = time.perf_counter()
    return t1 - t0, (t3 - t2), len(outcome.failed)


def main() -> None:
    """Generate, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=10_000_000)
    parser.add_argument("--ingest-points", type=int, default=1_000_000)
    args = parser.parse_args()

    t = time.perf_counter()
    frame = curve_points(args.points)
    n = len(frame)
    print(f"generated {n:,} load-curve points ({frame['meter_id'].nunique()} meters x 365 Paris days, "
          f"30-min steps, DST days included) in {time.perf_counter() - t:.1f} s")

    total, validation, outcome = time_validation(frame)
    assert outcome.success and not outcome.failures, outcome.summary()
    print(f"validation of {n:,} points: {validation:.1f} s ({n / validation / 1e6:.2f} M points/s); "
          f"with GX import and context start-up: {total:.1f} s")

    ingest_n = min(args.ingest_points, n)
    ingestion = time_ingestion(frame, ingest_n)
    extrapolated = ingestion * n / ingest_n
    how = "measured" if ingest_n == n else f"measured on {ingest_n:,} points ({ingestion:.1f} s), extrapolated linearly"
    print(f"ingestion (copy_upsert into PostgreSQL) of {n:,} points: {extrapolated:.1f} s ({how}; "
          f"{ingest_n / ingestion / 1e3:.0f} k points/s)")
    print(f"validation / ingestion = {validation / extrapolated:.1%} "
          f"(with GX start-up: {total / extrapolated:.1%})")

    sample = frame.iloc[:1_000_000] if n > 1_000_000 else frame
    two_pass, complete, found = time_row_level(sample)
    print(f"row-level failures, {len(sample):,} points with 1 % failing ({found:,} found): runner (SUMMARY, then "
          f"COMPLETE for failed expectations only) {two_pass:.2f} s incl. derived columns; "
          f"one COMPLETE pass of the whole suite {complete:.2f} s excl. derived columns")


if __name__ == "__main__":
    main()
