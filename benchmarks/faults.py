"""Share of data collected and wall-time cost under injected faults: 0 % (baseline, same run), 10 %,
30 % and 50 % of requests faulted by the test proxy (HTTP 500, 503, 429 with Retry-After, resets,
stalls, bodies cut short), on three roads:

- supplier API -> raw zone: Azur's API (sandbox portals) lists and serves invoice PDFs, each landed
  in the raw zone (moto S3); both the API and S3 go through a fault proxy.
- Enedis Data Connect -> answers: 8 weeks of daily energy and load curve for 3 meters (token included).
- GRDF ADICT -> answers: a year of daily gas consumption for the demo PCEs (token endpoint included).

For each rate: the share collected by one task attempt, then after up to 3 task retries (what
Airflow's retries do: the raw zone already holds what landed, so a retry resumes), and the wall
time against the clean run's. Loopback only, seeded faults; stalls last 2 s and clients time out
after 1 s.

    .venv/bin/python benchmarks/faults.py [--rates 0.1 0.3 0.5] [--months 18]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "include")]

TASK_RETRIES = 3


def _policy():
    from collecte.sources.http import RetryPolicy

    return RetryPolicy(attempts=5, backoff=0.2, max_backoff=2.0, max_retry_after=5.0, connect_timeout=1.0,
                       read_timeout=1.0, total_timeout=10.0)


def supplier_api_road(portals, s3_server, api_key: str, rate: float, seed: int) -> tuple[int, int, float, int]:
    """(landed after one attempt, landed after the retries, seconds, attempts) for one fault rate."""
    from collecte.landing.raw_zone import RawZone
    from collecte.sources.supplier_api.azur import AzurApiClient
    from collecte.sources.supplier_api.collect import collect_api_account
    from collecte.storage.s3 import S3_POLICY, s3_client, s3_config
    from sandbox.services.s3 import ACCESS_KEY, REGION, SECRET_KEY
    from tests.faults.proxy import FaultProxy, s3_error

    bucket = f"bench-{uuid.uuid4().hex[:10]}"
    s3_server.ensure_bucket(bucket)
    with FaultProxy(portals["azur_api"], rate=rate, seed=seed, stall=2.0, retry_after=1) as api, \
            FaultProxy(s3_server.endpoint_url, rate=rate, seed=seed + 1, stall=2.0, retry_after=1,
                       error_body=s3_error) as s3:
        client = s3_client(endpoint_url=s3.url, region_name=REGION, aws_access_key_id=ACCESS_KEY,
                           aws_secret_access_key=SECRET_KEY, config=s3_config(connect_timeout=1, read_timeout=1),
                           policy=S3_POLICY)
        started = time.perf_counter()
        first_attempt = total = 0
        for attempt in range(1, TASK_RETRIES + 2):
            zone = RawZone(client, bucket)  # a task retry: a new process, a new listing
            with AzurApiClient(api.url, api_key, page_size=10, policy=_policy()) as azur:
                run = collect_api_account(azur, zone, account="AZ-BENCH", first=date(2000, 1, 1),
                                          last=date(2100, 1, 1))
            total = len(RawZone(client, bucket).keys("raw/source=azur/kind=invoice_pdf/"))
            if attempt == 1:
                first_attempt = total
            if run.status.succeeded:
                break
        return first_attempt, total, time.perf_counter() - started, attempt


def grdf_road(grdf, rate: float, seed: int) -> tuple[int, int, float, int]:
    """(records after one attempt, records after the retries, seconds, attempts) for one fault rate."""
    from collecte.errors import TransientError
    from collecte.sources.grdf.client import AdictClient
    from collecte.sources.ratelimit import RateLimiter
    from sandbox.grdf.state import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
    from tests.faults.proxy import FaultProxy

    today = grdf.state.today()
    pces = ["21100000000001", "21100000000002"]
    collected: dict[str, int] = {}
    first_attempt = 0
    started = time.perf_counter()
    with FaultProxy(grdf.base_url, rate=rate, seed=seed, stall=2.0, retry_after=1) as proxy:
        for attempt in range(1, TASK_RETRIES + 2):
            with AdictClient(proxy.url + grdf.api_url.removeprefix(grdf.base_url),
                             proxy.url + grdf.token_url.removeprefix(grdf.base_url), DEMO_CLIENT_ID,
                             DEMO_CLIENT_SECRET, limiter=RateLimiter(50), timeout=1.0, max_attempts=5,
                             backoff_s=0.2, max_backoff_s=2.0) as client:
                try:
                    for pce in pces:
                        for month in range(12):  # one call per month: a year of daily data
                            end = today - timedelta(days=30 * month)
                            key = f"{pce}/{month}"
                            if key in collected:
                                continue  # a retry resumes: what came in stays
                            answers, _ = client.consumption("daily", pce, end - timedelta(days=30), end, today=today)
                            collected[key] = sum(len(a.records) for _, _, a in answers)
                    done = True
                except TransientError:
                    done = False
            if attempt == 1:
                first_attempt = sum(collected.values())
            if done:
                break
    return first_attempt, sum(collected.values()), time.perf_counter() - started, attempt


def enedis_road(enedis, rate: float, seed: int) -> tuple[int, int, float, int]:
    """(answers after one attempt, answers after the retries, seconds, attempts): daily energy and
    load curve of 3 meters, a week per call, over 8 weeks (Data Connect, token endpoint included)."""
    from collecte.errors import TransientError
    from collecte.sources.enedis.dataconnect import _TOKENS, DataConnectClient
    from sandbox.enedis import meters
    from sandbox.enedis.state import CLIENT_ID, CLIENT_SECRET
    from tests.faults.proxy import FaultProxy

    calls = [(res, prm, date(2026, 9, 1) + timedelta(days=7 * n))
             for res in ("consommation_quotidienne", "courbe_de_charge_consommation")
             for prm in (meters.NORMAL, meters.GAPS, meters.C4_10MIN) for n in range(8)]
    collected: dict[tuple, int] = {}
    first_attempt = 0
    started = time.perf_counter()
    with FaultProxy(enedis.base_url, rate=rate, seed=seed, stall=2.0, retry_after=1) as proxy:
        for attempt in range(1, TASK_RETRIES + 2):
            _TOKENS.clear()  # a task retry is a new process: a new token
            with DataConnectClient(proxy.url, CLIENT_ID, CLIENT_SECRET, calls_per_second=100, timeout=1.0,
                                   max_attempts=5, backoff_base=0.2, max_backoff=2.0) as client:
                try:
                    for call in calls:
                        if call not in collected:
                            res, prm, first = call
                            collected[call] = len(client.measure(res, prm, first, first + timedelta(days=7)))
                    done = True
                except TransientError:
                    done = False
            if attempt == 1:
                first_attempt = len(collected)
            if done:
                break
    return first_attempt, len(collected), time.perf_counter() - started, attempt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", type=float, nargs="+", default=[0.1, 0.3, 0.5])
    parser.add_argument("--months", type=int, default=18, help="months of invoices of the benchmark account")
    args = parser.parse_args()

    import logging

    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)  # the proxies' connections cut on purpose
    from sandbox.enedis import start_enedis
    from sandbox.grdf import start_grdf
    from sandbox.portals import start_portals
    from sandbox.portals.accounts import SandboxAccount
    from sandbox.services.common import free_port
    from sandbox.services.s3 import S3Server

    key = "azk-bench"
    account = SandboxAccount(portal="azur", login="AZ-BENCH", password="pw-bench-Zq9!", scenario="normal",
                             seed=901, months=args.months, contracts=2, api_key=key)
    portals = start_portals(Path(tempfile.mkdtemp(prefix="bench-faults-")), accounts=[account])
    s3_server = S3Server(free_port()).start()
    grdf = start_grdf(0)
    enedis = start_enedis(0, Path(tempfile.mkdtemp(prefix="bench-m023-")), today=date(2026, 11, 20))
    enedis.state.limits.calls_per_second = 200
    try:
        rows = []
        for road, run in (("supplier API -> raw zone", lambda r, s: supplier_api_road(portals, s3_server, key, r, s)),
                          ("Enedis Data Connect, 48 calls", lambda r, s: enedis_road(enedis, r, s)),
                          ("GRDF ADICT daily, 2 PCEs x 12 months", lambda r, s: grdf_road(grdf, r, s))):
            run(0.0, 0)  # warm-up (connections, first imports), not counted
            base_first, base_total, base_time, _ = run(0.0, 1)
            rows.append((road, 0.0, base_total, base_first, base_total, base_time, base_time, 1))
            for n, rate in enumerate(args.rates):
                first, total, seconds, attempts = run(rate, 100 + n)
                rows.append((road, rate, base_total, first, total, seconds, base_time, attempts))
    finally:
        enedis.stop()
        grdf.stop()
        s3_server.stop()
        portals.server.stop()

    print(f"\nfaults: 500 / 503 / 429+Retry-After / reset / 2 s stall / short body, seeded; clients time out "
          f"after 1 s, 5 attempts per call; up to {TASK_RETRIES} task retries")
    print(f"{'road':38} {'faults':>6} {'1st attempt':>12} {'after retries':>14} {'tries':>5} {'time':>8} "
          f"{'x clean':>8}")
    for road, rate, expected, first, total, seconds, base, attempts in rows:
        print(f"{road:38} {rate:6.0%} {first / expected:12.1%} {total / expected:14.1%} {attempts:5d} "
              f"{seconds:7.1f}s {seconds / base:7.1f}x")


if __name__ == "__main__":
    main()
