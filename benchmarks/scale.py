"""Scale: generated supplier accounts and meters on real Celery workers (Redis broker, PostgreSQL metadata).

1. DAG parse time with the shipped config and with `--accounts` generated supplier accounts (API road,
   100 per supplier) and `--meters` generated Enedis meters (default 1,000 and 1,000).
2. One daily collection end to end (collect_azur, the supplier API road, over a month for N accounts +
   collect_enedis over one day for N meters) on 1 worker, then the same amount of work (next month,
   next day) on 2 workers, after a warm-up run (a third month and day): wall times and their ratio, peak memory per worker (worker + pool + task
   processes), the Enedis sandbox's calls and 429s. One deployment per size of `--sizes` (default 8);
   with two sizes or more, a straight line through the measured walls is extrapolated to 1,000 and
   printed as such. `--full` runs N = 1,000 itself (hours on 2 cores: 1,000 mapped account tasks and
   250 meter batches, each a Celery task of seconds; Enedis's 1,000 calls/h per API alone makes a
   1,000-meter day of 3 kinds last >= 3 h, so deployments of more than 900 calls lift the sandbox's hourly
   quota, and say so).
3. A history backfill (import_meter_history, load curves, `--backfill-meters` x `--backfill-days`) on
   2 workers in its own deployment: calls, rate, ideal seconds (calls / rate), wall seconds from the
   sandbox's first admitted call to its last, ratio, 429s.

    .venv/bin/python benchmarks/scale.py                               # ~10 min on 2 shared cores
    .venv/bin/python benchmarks/scale.py --parts daily --sizes 8,48    # + extrapolation to 1,000
    .venv/bin/python benchmarks/scale.py --parts backfill
    .venv/bin/python benchmarks/scale.py --full                        # N = 1,000 end to end
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "include")]
RATE = 5.0  # Enedis: calls per second per API
ENEDIS_POOL = 3  # docs/DEPLOYMENT.md: slots of the pool `enedis` with the shared bucket


def _dag_parse():
    spec = importlib.util.spec_from_file_location("dag_parse", REPO / "benchmarks" / "dag_parse.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prm(index: int) -> str:
    """A generated 14-digit PRM (the sandbox serves any: an ordinary C5 profile seeded by the number)."""
    return f"2{index:013d}"


def api_supplier(code: str, accounts: list[str]) -> dict:
    """A supplier on the azur API gateway with these accounts (connection per account)."""
    return {"code": code, "name": f"Scale {code}", "energy": "electricity", "invoice_template": "azur",
            "roads": [{"type": "api", "conn_id": f"api_{code}", "gateway": "azur", "pool": f"api_{code}",
                       "pool_slots": 4, "execution_timeout_minutes": 20,
                       "accounts": [{"id": a, "conn_id": f"{code}_{a.lower().replace('-', '_')}"} for a in accounts]}]}


def generated_config(target: Path, accounts: int, meters: int, suppliers: dict[str, list[str]] | None = None,
                     batch_size: int = 4, pool_slots: int = ENEDIS_POOL) -> None:
    """The shipped config, plus generated API suppliers (100 accounts each) or `suppliers`, and `meters` meters."""
    shutil.copytree(REPO / "include" / "config", target, dirs_exist_ok=True)
    if suppliers is None:
        suppliers = {f"gen{i // 100:02d}": [f"G-{j:05d}" for j in range(i, min(i + 100, accounts))]
                     for i in range(0, accounts, 100)}
    else:
        shutil.rmtree(target / "suppliers")
        (target / "suppliers").mkdir()
    for code, ids in suppliers.items():
        (target / "suppliers" / f"{code}.yaml").write_text(yaml.safe_dump(api_supplier(code, ids)), encoding="utf-8")
    enedis = yaml.safe_load((target / "operators" / "enedis.yaml").read_text(encoding="utf-8"))
    enedis |= {"pool_slots": pool_slots, "batch_size": batch_size,
               "meters": [{"id": prm(i), "kinds": ["daily", "load_curve", "max_power"]} for i in range(meters)]}
    (target / "operators" / "enedis.yaml").write_text(yaml.safe_dump(enedis), encoding="utf-8")


def parse_times(accounts: int, meters: int) -> None:
    parse = _dag_parse()
    base = parse.measure(None)
    with tempfile.TemporaryDirectory() as tmp:
        generated_config(Path(tmp), accounts, meters)
        big = parse.measure(Path(tmp))
    print("== DAG parse time (fresh interpreter, DagBag of dags/, median of 3)")
    print(f"shipped config                          : {base['parse']:.2f} s, {base['dags']} DAGs")
    print(f"+{accounts} accounts, {meters} meters        : {big['parse']:.2f} s, {big['dags']} DAGs "
          f"({big['errors']} import errors); ratio {big['parse'] / base['parse']:.2f}x")


class Deployment:
    """Services, sandboxes and the Celery stack of the end-to-end measurements."""

    def __init__(self, work: Path, suppliers: dict[str, list[str]], meters: int, batch_size: int = 4,
                 calls_per_hour: int = 1000) -> None:
        from sandbox.enedis import start_enedis
        from sandbox.portals import start_portals
        from sandbox.portals.accounts import SandboxAccount
        from sandbox.services.common import free_port
        from sandbox.services.postgres import PostgresServer
        from sandbox.services.redis import RedisServer
        from sandbox.services.s3 import S3Server

        self.work = work
        self.pg = PostgresServer(work / "pg", free_port(), attached=True).start()
        self.s3 = S3Server(free_port()).start()
        self.bucket = f"scale-{uuid.uuid4().hex[:6]}"
        self.s3.ensure_bucket(self.bucket)
        self.enedis = start_enedis(0, work / "m023")
        self.enedis.state.today = None
        self.enedis.state.limits.calls_per_hour = self.calls_per_hour = calls_per_hour
        self.accounts = {(code, a): SandboxAccount(portal="azur", login=a, password=f"pw-{a}-Zq9!", seed=7 + i,
                                                   months=3, api_key=f"azk-scale-{code}-{i}")
                         for code, ids in suppliers.items() for i, a in enumerate(ids)}
        self.portals = start_portals(work / "portals", accounts=list(self.accounts.values()))
        self.redis = RedisServer(work / "redis", free_port(), attached=True).start()
        self.config = work / "config"
        generated_config(self.config, 0, meters, suppliers, batch_size=batch_size)
        self.batch_size = batch_size
        self.suppliers = suppliers
        self.stack = None
        self.workers = None

    def start(self) -> None:
        from collecte.landing.raw_zone import RawZone
        from collecte.warehouse.db import connect, migrate
        from sandbox.enedis.state import CLIENT_ID, CLIENT_SECRET
        from sandbox.services.s3 import ACCESS_KEY, REGION, SECRET_KEY
        from sandbox.workers import WorkerProcesses, celery_env
        from tests.faults.airflow_stack import BIN, AirflowStack

        os.environ["COLLECTE_CONFIG_DIR"] = str(self.config)  # seed_demo reads the generated meters
        self.warehouse = self.pg.create_database("collecte")
        metadata = self.pg.create_database("airflow")
        with connect(self.warehouse) as conn:
            migrate(conn)
        self.seed(RawZone(self.s3.client(), self.bucket))
        conns = {
            "ENEDIS_DATACONNECT": {"conn_type": "http", "host": self.enedis.base_url, "login": CLIENT_ID,
                                   "password": CLIENT_SECRET,
                                   "extra": {"calls_per_second": RATE, "calls_per_hour": self.calls_per_hour,
                                             "pool_slots": ENEDIS_POOL}},
            "COLLECTE_S3": {"conn_type": "aws", "login": ACCESS_KEY, "password": SECRET_KEY,
                            "extra": {"endpoint_url": self.s3.endpoint_url, "region_name": REGION}},
            "COLLECTE_WAREHOUSE": {"conn_type": "postgres", "host": "127.0.0.1", "port": self.pg.port,
                                   "login": "postgres", "schema": "collecte"},
        }
        for code in self.suppliers:
            conns[f"API_{code.upper()}"] = {"conn_type": "http", "host": self.portals["azur_api"]}
        for (code, account_id), account in self.accounts.items():
            conns[f"{code}_{account_id.lower().replace('-', '_')}".upper()] = {"conn_type": "generic",
                                                                               "password": account.api_key}
        env = {f"AIRFLOW_CONN_{k}": json.dumps(v) for k, v in conns.items()}
        env |= celery_env(self.redis.url, metadata, rate_limit_url=self.warehouse)
        env |= {"AIRFLOW_VAR_COLLECTE_BUCKET": self.bucket, "COLLECTE_CONFIG_DIR": str(self.config),
                "AIRFLOW__CORE__PARALLELISM": "16", "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
                # AirflowStack's short heartbeats are for kill -9 tests; a loaded machine needs the default's slack
                "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "300",
                "COLLECTE_RETRY_DELAY_SECONDS": "2", "PYTHONPATH": os.pathsep.join([str(REPO / "include"), str(REPO)])}
        dags = self.work / "dags"
        dags.mkdir()
        for name in ("collect_suppliers.py", "collect_enedis.py", "import_meter_history.py"):
            shutil.copy(REPO / "dags" / name, dags)
        home = self.work / "airflow"
        home.mkdir()
        self.stack = AirflowStack(home, dags, env)
        self.stack.migrate()
        pools = [("enedis", ENEDIS_POOL), ("grdf", 2)] + [(f"api_{code}", 4) for code in self.suppliers]
        for pool, slots in pools:
            subprocess.run([str(BIN / "airflow"), "pools", "set", pool, str(slots), "scale benchmark"],
                           env=self.stack.env(), check=True, capture_output=True, timeout=120)
        for name in ("api-server", "dag-processor", "scheduler", "triggerer"):  # deferrable publication sensor
            self.stack.start(name)
        self.workers = WorkerProcesses(home, self.stack.env())
        self.stack.wait_for_api()
        for dag_id in [f"collect_{c}" for c in self.suppliers] + ["collect_enedis", "import_meter_history"]:
            self.stack.wait_for_dag(dag_id, timeout=300)

    def seed(self, zone) -> None:
        from collecte.consent.demo import seed_demo
        from collecte.consent.mandates import draft_mandate, sign
        from collecte.warehouse.db import connect

        with connect(self.warehouse) as conn:
            seed_demo(conn, zone)
            conn.execute("INSERT INTO organization (id, name) VALUES ('org-s', 'Scale SA')")
            conn.execute("INSERT INTO entity (id, organization_id, name, company_name)"
                         " VALUES ('ent-s', 'org-s', 'HQ', 'Scale SA')")
            conn.execute("INSERT INTO contact (id, entity_id, role, surname, first_name, email)"
                         " VALUES ('c-s', 'ent-s', 'entity_contact', 'Martin', 'Léa', 'lea@scale.example')")
            draft = draft_mandate(conn, entity_id="ent-s", contact_id="c-s", start=date(2025, 1, 1),
                                  accounts=list(self.accounts), meters=[], actor="benchmark")
            sign(conn, zone, draft.id, signer_ip="127.0.0.1", actor="benchmark", require_code=False)

    def run(self, triggers: dict[str, dict], timeout: float = 1800) -> dict:
        """Trigger the runs, wait for all; wall time, states, peak RSS per worker, sandbox calls and 429s."""
        before = self.enedis.state.stats.as_dict()
        peaks: dict[str, int] = {}
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                for name, rss in self.workers.rss().items():
                    peaks[name] = max(peaks.get(name, 0), rss)
                time.sleep(0.5)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.monotonic()
        runs = {dag_id: self.stack.trigger(dag_id, conf) for dag_id, conf in triggers.items()}
        states = {dag_id: self.stack.wait_for_run(dag_id, run_id, timeout) for dag_id, run_id in runs.items()}
        wall = time.monotonic() - started
        done.set()
        sampler.join()
        after = self.enedis.state.stats.as_dict()
        return {"wall": wall, "states": states, "runs": runs, "peaks": peaks,
                "calls": after["calls"] - before["calls"], "429": after["rate_limited"] - before["rate_limited"]}

    def phase(self, dag_id: str, run_id: str, task_prefix: str) -> float:
        """Seconds from the first start to the last end of a run's task instances named `task_prefix`*."""
        items = self.stack.http.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances",
                                    params={"limit": 1000}).json()["task_instances"]
        spans = [(datetime.fromisoformat(t["start_date"]), datetime.fromisoformat(t["end_date"]))
                 for t in items if t["task_id"].startswith(task_prefix) and t["start_date"] and t["end_date"]]
        return (max(e for _, e in spans) - min(s for s, _ in spans)).total_seconds() if spans else float("nan")

    def stop(self) -> None:
        for part in (self.workers, self.stack):
            if part is not None:
                part.stop()
        self.redis.stop()
        self.enedis.stop()
        self.portals.server.stop()
        self.s3.stop()
        self.pg.stop()


class AdmissionLog:
    """When the Enedis sandbox admitted or refused each call, per API (it runs in this process): the
    backfill's wall time is taken from its first admitted call to its last, as the operator sees it."""

    def __init__(self, state) -> None:  # noqa: ANN001 - sandbox.enedis.state.SandboxState
        self.admitted: list[tuple[float, str]] = []
        self.refused: list[tuple[float, str]] = []
        original = state.admit

        def admit(client_id: str, api: str = "") -> int | None:
            verdict = original(client_id, api)
            (self.admitted if verdict is None else self.refused).append((time.monotonic(), api))
            return verdict

        state.admit = admit

    def between(self, start: float, end: float) -> tuple[list[tuple[float, str]], list[tuple[float, str]]]:
        """(admitted, refused) calls in [start, end] (monotonic)."""
        return ([c for c in self.admitted if start <= c[0] <= end], [c for c in self.refused if start <= c[0] <= end])


def daily(deployment: Deployment, size: int) -> dict[str, dict]:
    """One daily collection on 1 worker, then the same amount of work on 2 workers: wall times, ratio."""
    today = date.today()
    month = {"from": (today - timedelta(days=62)).isoformat(), "to": (today - timedelta(days=32)).isoformat()}
    month_b = {"from": (today - timedelta(days=31)).isoformat(), "to": (today - timedelta(days=1)).isoformat()}
    day_a, day_b = (today - timedelta(days=4)).isoformat(), (today - timedelta(days=3)).isoformat()
    deployment.workers.start("worker1", concurrency=4)
    # a first run pays one-off costs (first DAG runs, caches, connections): a warm-up over a third span
    month_w = {"from": (today - timedelta(days=93)).isoformat(), "to": (today - timedelta(days=63)).isoformat()}
    day_w = (today - timedelta(days=5)).isoformat()
    warm = deployment.run({"collect_azur": month_w, "collect_enedis": {"from": day_w, "to": day_w}})
    # the same work twice: every account has one invoice a month, every meter the same calls a day
    one = deployment.run({"collect_azur": month, "collect_enedis": {"from": day_a, "to": day_a}})
    deployment.workers.start("worker2", concurrency=4)
    two = deployment.run({"collect_azur": month_b, "collect_enedis": {"from": day_b, "to": day_b}})
    print(f"== One daily collection, N = {size}: collect_azur ({size} API accounts, a month) + collect_enedis"
          f" ({size} meters x daily, load curve, max power, one day); then the same work (next month, next day)")
    print(f"warm-up (1 worker, a third month and day; not counted): {warm['wall']:.1f} s, states {warm['states']}")
    for label, result in (("1 worker ", one), ("2 workers", two)):
        peaks = ", ".join(f"{n} {v / 2**20:.0f} MiB" for n, v in sorted(result["peaks"].items()))
        print(f"{label}: {result['wall']:6.1f} s  states {result['states']}  Enedis calls {result['calls']}, "
              f"429s {result['429']}  peak memory {peaks}")
    print(f"ratio 2 workers / 1 worker: {two['wall'] / one['wall']:.2f} (wall time, trigger to both runs ended)")
    return {"1": one, "2": two}


def extrapolate(measured: dict[int, dict[str, dict]], target: int = 1000) -> None:
    """A straight line through the measured walls (per worker count), evaluated at `target`: labelled as such."""
    sizes = sorted(measured)
    if len(sizes) < 2:
        return
    print(f"== EXTRAPOLATED (not measured): one daily collection at N = {target}, from a least-squares line "
          f"through N = {', '.join(map(str, sizes))}")
    walls = {}
    for workers in ("1", "2"):
        xs, ys = sizes, [measured[n][workers]["wall"] for n in sizes]
        mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
        slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum((x - mean_x) ** 2 for x in xs)
        walls[workers] = mean_y + slope * (target - mean_x)
        if slope <= 0:
            print(f"{workers} worker(s): walls {ys} do not grow with N here (noise, one-off costs): not extrapolated")
            return
        print(f"{workers} worker(s): {mean_y - slope * mean_x:.0f} s + {slope:.2f} s per account+meter "
              f"-> ~{walls[workers] / 60:.0f} min at N = {target} (extrapolated)")
    print(f"ratio 2 workers / 1 worker at N = {target}: {walls['2'] / walls['1']:.2f} (extrapolated)")
    floor = 3 * target / RATE
    print(f"quota floor at N = {target}: {3 * target} Enedis calls at {RATE:g}/s = {floor / 60:.0f} min; with "
          f"Enedis's 1,000 calls/h per API, >= {3 * target / 1000:.0f} h (the quota, not the workers, bounds it)")


def backfill(deployment: Deployment, log: AdmissionLog, meters: int, days: int) -> None:
    """A load-curve history import on 2 workers: its calls' wall time against calls / rate, and its 429s."""
    for name in ("worker1", "worker2"):
        deployment.workers.start(name, concurrency=4)
    last = date.today() - timedelta(days=3)
    first = last - timedelta(days=days - 1)
    conf = {"operator": "enedis", "meters": [prm(i) for i in range(meters)], "from": first.isoformat(),
            "to": last.isoformat(), "kinds": ["load_curve"]}
    started = time.monotonic()
    back = deployment.run({"import_meter_history": conf})
    admitted, refused = log.between(started, time.monotonic())
    apis = {api for _, api in admitted}
    calls = len(admitted)
    ideal = calls / RATE
    wall = admitted[-1][0] - admitted[0][0] if calls > 1 else float("nan")
    run_id = back["runs"]["import_meter_history"]
    collecting = deployment.phase("import_meter_history", run_id, "collect_batch")
    print(f"== History backfill on 2 workers: {meters} meters x {days} days of load curve "
          f"(pool enedis {ENEDIS_POOL} slots, batches of {deployment.batch_size} meters, one shared {RATE:g} calls/s bucket)")
    print(f"state {back['states']['import_meter_history']}; API(s) {sorted(apis)}")
    print(f"calls {calls}  rate {RATE:g}/s  ideal {ideal:.1f} s  wall {wall:.1f} s  ratio {wall / ideal:.3f}"
          f"  429s {len(refused)}  (target: ratio <= 1.10, almost no 429s)")
    print("  wall = the sandbox's first admitted call to its last (excludes triggering, scheduling and the first"
          " task's start-up before its first call, and the loads after the last call; includes every later"
          " task's start-up, the bucket's waits and the 429s' pauses)")
    gaps = sorted(admitted[i + 5][0] - admitted[i][0] for i in range(calls - 5))
    if gaps:
        print(f"  as the sandbox saw them, call n+5 came after call n by: min {gaps[0]:.3f} s, 1st percentile "
              f"{gaps[len(gaps) // 100]:.3f} s, median {gaps[len(gaps) // 2]:.3f} s (its window: 1 s)")
    print(f"  for reference: collect_batch tasks' first start to last end {collecting:.1f} s"
          f" ({collecting / ideal:.2f}x); whole run, trigger to end with loads {back['wall']:.1f} s")


def deployed(size: int, meters: int, work_with, lift_hourly_quota: bool = False) -> None:  # noqa: ANN001
    """Start a deployment with `size` API accounts and `meters` meters, run `work_with(deployment, log)`, stop it."""
    # the azur API gateway's own code: the extraction checks that a PDF belongs to the supplier it was collected for
    suppliers = {"azur": [f"S-{i:04d}" for i in range(size)]}
    work = Path(tempfile.mkdtemp(prefix="collecte-scale-"))
    work.chmod(0o755)  # PostgreSQL runs as `postgres`
    deployment = Deployment(work, suppliers, meters, calls_per_hour=100_000 if lift_hourly_quota else 1000)
    log = AdmissionLog(deployment.enedis.state)
    try:
        t0 = time.monotonic()
        deployment.start()
        print(f"\n== Celery stack up in {time.monotonic() - t0:.0f} s (Redis, PostgreSQL metadata, "
              f"{size} API accounts, {meters} meters)")
        if lift_hourly_quota:
            print("   (Enedis hourly quota lifted to 100,000 calls/h in the sandbox and the connection: "
                  "the real 1,000/h would make the run last hours by the quota alone)")
        work_with(deployment, log)
    finally:
        deployment.stop()
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000, help="generated accounts for the parse time")
    parser.add_argument("--meters", type=int, default=1000, help="generated meters for the parse time")
    parser.add_argument("--sizes", default="8", help="N for the daily collection (N accounts + N meters), "
                                                      "comma-separated; two or more: extrapolated to 1,000")
    parser.add_argument("--backfill-meters", type=int, default=32)
    parser.add_argument("--backfill-days", type=int, default=92)
    parser.add_argument("--parts", default="parse,daily,backfill",
                        help="comma-separated: parse (DAG parse time), daily (1 then 2 workers), backfill")
    parser.add_argument("--full", action="store_true", help="the daily collection at N = 1,000 (hours)")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    sizes = [1000] if args.full else [int(n) for n in args.sizes.split(",")]
    if "parse" in parts:
        parse_times(args.accounts, args.meters)
    if "daily" in parts:
        measured: dict[int, dict[str, dict]] = {}
        for size in sizes:
            deployed(size, size, lambda d, _log, n=size: measured.__setitem__(n, daily(d, n)),
                     lift_hourly_quota=3 * 3 * size > 900)  # three runs of 3 calls per meter
        extrapolate(measured)
    if "backfill" in parts:
        deployed(1, args.backfill_meters,  # one supplier account: its DAG stays idle
                 lambda d, log: backfill(d, log, args.backfill_meters, args.backfill_days))


if __name__ == "__main__":
    main()
