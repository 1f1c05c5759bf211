"""`make demo` / `make stop`: the local services, the sandbox stand-ins and Airflow, on 127.0.0.1.

    python -m sandbox.demo start     # start everything, run the collection DAGs, print a summary
    python -m sandbox.demo stop      # stop everything this started
    python -m sandbox.demo status    # what is running
    python -m sandbox.demo worker --queues api   # Celery mode: one more worker, on some queues only

COLLECTE_EXECUTOR=celery (`make demo EXECUTOR=celery WORKERS=2`) runs the same demo on Celery workers:
Redis as the broker, Airflow's metadata in the project's PostgreSQL (sandbox/workers.py).

State lives in .local/ (PostgreSQL data, SSH keys, the SFTP root, Airflow's home, logs, pids).
Secrets are generated on first start and kept in .local/secrets/ (0600): the PostgreSQL
superuser's and the warehouse role's passwords (SCRAM), the consent pages' secret, Airflow's
Fernet key (connections encrypted at rest). Logs and passwords.json are 0600 too, Airflow's home
0700: they hold contacts' links, the admin password and the connections.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LOCAL = REPO / ".local"
RUN = LOCAL / "run"
LOGS = LOCAL / "logs"
AIRFLOW_HOME = LOCAL / "airflow"
MAILBOX = AIRFLOW_HOME / "sandbox-mailbox"
BIN = Path(sys.executable).parent

PG_PORT = int(os.environ.get("COLLECTE_PG_PORT", 54329))
SFTP_PORT = int(os.environ.get("COLLECTE_SFTP_PORT", 2222))
S3_PORT = int(os.environ.get("COLLECTE_S3_PORT", 9555))
AIRFLOW_PORT = int(os.environ.get("COLLECTE_AIRFLOW_PORT", 8080))
PORTALS_PORT = int(os.environ.get("COLLECTE_PORTALS_PORT", 8700))
ENEDIS_PORT = int(os.environ.get("COLLECTE_ENEDIS_PORT", 8601))
GRDF_PORT = int(os.environ.get("COLLECTE_GRDF_PORT", 8602))
ERP_PORT = int(os.environ.get("COLLECTE_ERP_PORT", 8091))
SMTP_PORT = int(os.environ.get("COLLECTE_SMTP_PORT", 8025))
ERP_TOKEN = "erp-demo-token"
BUCKET = "collecte"
SECRETS = LOCAL / "secrets"
WAREHOUSE_ROLE = "collecte"  # the application's login role: a member of collecte_app, owns nothing
DEMO_DAGS = ["collect_nordis", "collect_gazelec", "collect_volta", "collect_azur", "collect_enedis",
             "collect_grdf"]


def private_file(path: Path, content: str = "") -> Path:
    """Create (or fix) a file readable by its owner only (0600); write `content` if given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if content else os.O_APPEND), 0o600)
    try:
        if content:
            os.write(fd, content.encode())
    finally:
        os.close(fd)
    path.chmod(0o600)
    return path


def local_secret(name: str, nbytes: int = 24, *, fernet: bool = False) -> str:
    """A secret generated once per .local/ and kept in .local/secrets/<name> (0600); `fernet`: a Fernet key."""
    import base64

    path = SECRETS / name
    if not path.exists():
        SECRETS.mkdir(parents=True, exist_ok=True)
        SECRETS.chmod(0o700)
        value = base64.urlsafe_b64encode(os.urandom(32)).decode() if fernet else secrets.token_urlsafe(nbytes)
        private_file(path, value)
    path.chmod(0o600)
    return path.read_text().strip()


def _pg():
    from sandbox.services.postgres import PostgresServer

    return PostgresServer(LOCAL / "pg", PG_PORT, password=local_secret("pg_superuser_password"))


def _sshd():
    from sandbox.services.sshd import SshdServer

    return SshdServer(LOCAL / "ssh", LOCAL / "sftp", SFTP_PORT)


# -- background processes -------------------------------------------------------------------------
def spawn(name: str, args: list[str], env: dict[str, str] | None = None) -> int:
    """Start a detached process, its output in .local/logs/<name>.log, its pid in .local/run/."""
    RUN.mkdir(parents=True, exist_ok=True)
    LOGS.mkdir(parents=True, exist_ok=True)
    LOGS.chmod(0o700)
    if is_running(name):
        return int((RUN / f"{name}.pid").read_text())
    log = open(private_file(LOGS / f"{name}.log"), "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            env={**os.environ, **(env or {})}, cwd=REPO, start_new_session=True)
    (RUN / f"{name}.pid").write_text(str(proc.pid))
    return proc.pid


def is_running(name: str) -> bool:
    """Whether the process recorded under `name` is alive."""
    pid_file = RUN / f"{name}.pid"
    if not pid_file.exists():
        return False
    try:
        os.kill(int(pid_file.read_text()), 0)
    except (OSError, ValueError):
        return False
    return True


def kill(name: str) -> None:
    """Stop the process group recorded under `name`."""
    pid_file = RUN / f"{name}.pid"
    if not pid_file.exists():
        return
    try:
        pid = int(pid_file.read_text())
        os.killpg(pid, signal.SIGTERM)
        for _ in range(50):
            os.kill(pid, 0)
            time.sleep(0.1)
        os.killpg(pid, signal.SIGKILL)
    except (OSError, ValueError):
        pass
    pid_file.unlink(missing_ok=True)


# -- environment ----------------------------------------------------------------------------------
def service_env() -> dict[str, str]:
    """Values airflow_settings.yaml's ${NAME} placeholders take."""
    from sandbox.services.s3 import ACCESS_KEY, SECRET_KEY

    sshd = _sshd()
    return {
        "COLLECTE_ENEDIS_PORT": str(ENEDIS_PORT), "COLLECTE_GRDF_PORT": str(GRDF_PORT),
        "COLLECTE_ERP_PORT": str(ERP_PORT), "COLLECTE_ERP_TOKEN": ERP_TOKEN, "COLLECTE_SMTP_PORT": str(SMTP_PORT),
        "COLLECTE_SANDBOX_MAILDIR": str(LOCAL / "portals" / "mailbox"),
        "COLLECTE_S3_ENDPOINT": f"http://127.0.0.1:{S3_PORT}", "COLLECTE_S3_ACCESS_KEY": ACCESS_KEY,
        "COLLECTE_S3_SECRET_KEY": SECRET_KEY, "COLLECTE_PG_PORT": str(PG_PORT),
        "COLLECTE_PG_USER": WAREHOUSE_ROLE, "COLLECTE_PG_PASSWORD": local_secret("warehouse_password"),
        "COLLECTE_SFTP_PORT": str(SFTP_PORT), "COLLECTE_SFTP_USER": sshd.username,
        "COLLECTE_SFTP_KEY_FILE": str(sshd.client_key_file), "COLLECTE_SFTP_HOST_KEY": sshd.host_key,
    }


def admin_password() -> str:
    """The demo's admin password, generated once per .local/."""
    path = AIRFLOW_HOME / "passwords.json"
    AIRFLOW_HOME.mkdir(parents=True, exist_ok=True)
    AIRFLOW_HOME.chmod(0o700)  # its SQLite database holds the connections, its logs the task output
    if not path.exists():
        private_file(path, json.dumps({"admin": secrets.token_urlsafe(12)}))
    path.chmod(0o600)
    return json.loads(path.read_text())["admin"]


def celery_mode() -> bool:
    """Whether the demo runs on Celery workers (COLLECTE_EXECUTOR=celery) instead of the embedded LocalExecutor."""
    from sandbox.workers import executor

    return executor() == "celery"


def _redis():
    from sandbox.workers import demo_redis

    return demo_redis(LOCAL, local_secret("redis_password"))


def executor_env() -> dict[str, str]:
    """Celery mode only: broker, PostgreSQL metadata database, deployment-wide rate limits."""
    if not celery_mode():
        return {}
    from sandbox.workers import demo_env

    warehouse = _pg().url("collecte", WAREHOUSE_ROLE, local_secret("warehouse_password"))
    return demo_env(_pg(), _redis(), warehouse, local_secret("airflow_db_password"))


def airflow_env() -> dict[str, str]:
    """Airflow configuration of the demo: SQLite + LocalExecutor (or Celery), every listener on loopback."""
    return {
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": "UTC",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{AIRFLOW_PORT}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(AIRFLOW_HOME / "passwords.json"),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(AIRFLOW_PORT),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{AIRFLOW_PORT}",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
        "COLLECTE_CONSENT_SECRET": local_secret("consent_secret", 32),
        "AIRFLOW__CORE__FERNET_KEY": local_secret("fernet_key", fernet=True),  # connections encrypted at rest
        "COLLECTE_RETRY_DELAY_SECONDS": "5",
        "TZ": "UTC",
        **service_env(),
        **executor_env(),
    }


def airflow(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run an Airflow CLI command with the demo's configuration."""
    result = subprocess.run([str(BIN / "airflow"), *args], env={**os.environ, **airflow_env()},
                            capture_output=True, text=True, cwd=REPO)
    if check and result.returncode:
        raise RuntimeError(f"airflow {' '.join(args)} failed:\n{result.stderr[-1500:]}")
    return result


# -- start ----------------------------------------------------------------------------------------
def start_services() -> None:
    """PostgreSQL (warehouse), sshd (SFTP), the S3 API server, each on 127.0.0.1."""
    from collecte.warehouse.db import connect, migrate
    from sandbox.services.common import port_in_use, wait_until
    from sandbox.services.s3 import S3Server

    LOCAL.mkdir(parents=True, exist_ok=True)
    LOCAL.chmod(0o755)
    pg = _pg().start()
    with connect(pg.create_database("collecte")) as conn:
        applied = migrate(conn)  # as the superuser, who owns the tables
    pg.ensure_role(WAREHOUSE_ROLE, local_secret("warehouse_password"), member_of="collecte_app")
    print(f"  postgresql   127.0.0.1:{PG_PORT}  (database collecte, {len(applied)} migration(s) applied;"
          f" application role {WAREHOUSE_ROLE}, SCRAM passwords in {SECRETS})")
    sshd = _sshd()
    if not port_in_use(SFTP_PORT):
        sshd.prepare()
        spawn("sshd", ["/usr/sbin/sshd", "-D", "-e", "-f", str(sshd.state_dir / "sshd_config")])
        wait_until("sshd (sftp)", lambda: port_in_use(SFTP_PORT), timeout=15,
                   log_hint=f"See {LOGS / 'sshd.log'}.")
    print(f"  sshd (sftp)  127.0.0.1:{SFTP_PORT}  (root {sshd.root_dir}, pinned host key)")
    if not port_in_use(S3_PORT):
        spawn("s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(S3_PORT)])
        wait_until("s3 (moto server)", lambda: port_in_use(S3_PORT), timeout=20,
                   log_hint=f"See {LOGS / 's3.log'}.")
    S3Server(S3_PORT).ensure_bucket(BUCKET)
    restored = restore_bucket(S3Server(S3_PORT).client(), BUCKET, LOCAL / "s3")
    print(f"  s3 api       127.0.0.1:{S3_PORT}  (bucket {BUCKET}"
          + (f"; {restored} object(s) restored from {LOCAL / 's3'})" if restored else ")"))
    if celery_mode():
        from sandbox.workers import prepare_demo

        prepare_demo(pg, _redis(), local_secret("airflow_db_password"), spawn)


def save_bucket(client, bucket: str, folder: Path) -> int:
    """Copy every object of `bucket` (bytes, content type, user metadata) under `folder`: moto keeps
    its data in memory only, and the raw zone must outlive a `make stop`. Returns the object count."""
    import shutil

    staging = folder.with_name(folder.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    index: dict[str, dict] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            obj = client.get_object(Bucket=bucket, Key=item["Key"])
            path = staging / "objects" / f"{len(index):08d}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(obj["Body"].read())
            index[item["Key"]] = {"file": path.name, "content_type": obj.get("ContentType"),
                                  "metadata": obj.get("Metadata", {})}
    private_file(staging / "index.json", json.dumps(index))
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    folder.chmod(0o700)  # the raw zone holds customers' invoices
    return len(index)


def restore_bucket(client, bucket: str, folder: Path) -> int:
    """Put back what `save_bucket` kept, into an empty bucket (a moto server just started)."""
    index_file = folder / "index.json"
    if not index_file.exists() or client.list_objects_v2(Bucket=bucket, MaxKeys=1).get("KeyCount"):
        return 0
    index = json.loads(index_file.read_text())
    for key, entry in index.items():
        extra = {"ContentType": entry["content_type"]} if entry.get("content_type") else {}
        client.put_object(Bucket=bucket, Key=key, Body=(folder / "objects" / entry["file"]).read_bytes(),
                          Metadata=entry.get("metadata") or {}, **extra)
    return len(index)


def seed_sandbox() -> None:
    """Sandbox suppliers' drops on the SFTP server (nordis: invoices + CSVs; gazelec: invoices)."""
    from sandbox import drops

    root = _sshd().root_dir
    outgoing = root / "nordis" / "outgoing"
    if not (outgoing / "processed").exists() and not any(outgoing.glob("*.pdf")):
        for seed, first in ((1, 1), (2, 4)):
            drops.drop_history(outgoing, "nordis", account_seed=seed, months=3, first_sequence=first,
                               last_month="2026-10")
        print(f"  nordis       dropped 2 accounts x 3 months of multi-site invoices and CSVs in {outgoing}")
    outgoing = root / "gazelec" / "outgoing"
    if not (outgoing / "processed").exists() and not any(outgoing.glob("*.pdf")):
        drops.drop_history(outgoing, "gazelec", account_seed=99, months=4, last_month="2026-10",
                           account="GZ-lambert-frigo")
        print(f"  gazelec      dropped 4 invoices in {outgoing}")


def start_sandbox_apps() -> None:
    """The stand-ins for supplier portals, Enedis, GRDF and the ERP, each its own process."""
    from sandbox.services.common import port_in_use, wait_until

    python = str(BIN / "python")
    apps = {
        "portals": ([python, "-m", "sandbox.portals", "--port", str(PORTALS_PORT), "--state-dir",
                     str(LOCAL / "portals")], PORTALS_PORT, "volta, azur (+ API), gazelec portals"),
        "enedis": ([python, "-m", "sandbox.enedis", "--port", str(ENEDIS_PORT), "--sftp-dir",
                    str(_sshd().root_dir / "enedis" / "m023"), "--state-file", str(LOCAL / "enedis_state.json")],
                   ENEDIS_PORT, "Data Connect + SGE"),
        "grdf": ([python, "-m", "sandbox.grdf", "--port", str(GRDF_PORT)], GRDF_PORT, "ADICT"),
        "erp": ([python, "-m", "sandbox.erp", "--port", str(ERP_PORT), "--token", ERP_TOKEN], ERP_PORT,
                "supplier-invoice intake"),
        # consent e-mails and alerts go out by SMTP (connection collecte_smtp) and land in this Maildir
        "smtp": ([python, "-m", "sandbox.services.smtp", "--port", str(SMTP_PORT), "--maildir", str(MAILBOX)],
                 SMTP_PORT, f"SMTP server delivering to the Maildir {MAILBOX}"),
    }
    for name, (args, port, what) in apps.items():
        if not port_in_use(port):
            spawn(f"sandbox-{name}", args, service_env())
            wait_until(f"sandbox {name}", lambda p=port: port_in_use(p), timeout=60,
                       log_hint=f"See {LOGS / f'sandbox-{name}.log'}.")
        print(f"  {name:12s} http://127.0.0.1:{port}  ({what})")


def seed_consent() -> None:
    """The demo organization, its entities, contacts, sites, meters, accounts and signed mandates."""
    _pg().create_database("partner", owner=WAREHOUSE_ROLE)
    subprocess.run([str(BIN / "python"), "-m", "collecte.consent", "--warehouse", _pg().url("collecte"),
                    "--s3-endpoint", f"http://127.0.0.1:{S3_PORT}", "--bucket", BUCKET, "seed-demo"],
                   env={**os.environ, **airflow_env()}, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    print("  consent      demo organization seeded, mandates signed (see /collecte-consent in the UI)")
    link = subprocess.run([str(BIN / "python"), "-m", "collecte.consent", "--warehouse", _pg().url("collecte"),
                           "contact-link", "referent", "--issued-by", "make-demo"],
                          env={**os.environ, **airflow_env()}, check=True, cwd=REPO, capture_output=True, text=True)
    print(f"  consent      personal link of the demo referent (single use, 7 days): "
          f"http://127.0.0.1:{AIRFLOW_PORT}/collecte-consent{link.stdout.strip()}")


def import_portal_connections() -> None:
    """One Airflow connection per sandbox portal account (login/password), as production has."""
    target = LOCAL / "portal_connections.json"
    result = subprocess.run([str(BIN / "python"), "-m", "sandbox.portals", "--port", str(PORTALS_PORT),
                             "--state-dir", str(LOCAL / "portals"), "--print-connections"],
                            capture_output=True, text=True, check=True, cwd=REPO)
    target.write_text(result.stdout)
    target.chmod(0o600)
    airflow("connections", "import", str(target), "--overwrite")


def start_airflow() -> None:
    """Airflow's components, each on loopback, with the project's settings loaded."""
    from sandbox.services.common import port_in_use, wait_until

    admin_password()
    airflow("db", "migrate")
    subprocess.run([str(BIN / "python"), "-m", "collecte.airflow_settings", "airflow_settings.yaml"],
                   env={**os.environ, **airflow_env()}, check=True, cwd=REPO)
    import_portal_connections()
    env = airflow_env()
    spawn("airflow-api", [str(BIN / "airflow"), "api-server", "-H", "127.0.0.1", "-p", str(AIRFLOW_PORT)], env)
    spawn("airflow-scheduler", [str(BIN / "airflow"), "scheduler", "--skip-serve-logs"], env)
    spawn("airflow-dag-processor", [str(BIN / "airflow"), "dag-processor"], env)
    spawn("airflow-triggerer", [str(BIN / "airflow"), "triggerer", "--skip-serve-logs"], env)
    if celery_mode():
        from sandbox.workers import start_demo_workers

        start_demo_workers(spawn, env)
    wait_until("airflow api-server", lambda: port_in_use(AIRFLOW_PORT), timeout=120,
               log_hint=f"See {LOGS / 'airflow-api.log'}.")


class AirflowApi:
    """The few REST calls the demo needs (token auth of the SimpleAuthManager)."""

    def __init__(self) -> None:
        import httpx

        self.http = httpx.Client(base_url=f"http://127.0.0.1:{AIRFLOW_PORT}", timeout=30)
        token = self.http.post("/auth/token", json={"username": "admin", "password": admin_password()})
        token.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    def wait_for_dag(self, dag_id: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.http.get(f"/api/v2/dags/{dag_id}").status_code == 200:
                return
            time.sleep(2)
        raise RuntimeError(f"{dag_id} was not parsed within {timeout:.0f} s (see {LOGS}/airflow-dag-processor.log)")

    def unpause(self, dag_id: str) -> None:
        self.http.patch(f"/api/v2/dags/{dag_id}", json={"is_paused": False}).raise_for_status()

    def trigger(self, dag_id: str, conf: dict | None = None) -> str:
        self.unpause(dag_id)
        run = self.http.post(f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf or {},
                                                                    "note": "make demo"})
        run.raise_for_status()
        return run.json()["dag_run_id"]

    def scheduled_run(self, dag_id: str, timeout: float = 120) -> str:
        """Unpause; the id of the scheduled run the scheduler creates for the latest interval."""
        self.unpause(dag_id)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = self.http.get(f"/api/v2/dags/{dag_id}/dagRuns").json().get("dag_runs", [])
            scheduled = [r for r in runs if r["run_type"] == "scheduled"]
            if scheduled:
                return scheduled[0]["dag_run_id"]
            time.sleep(2)
        raise RuntimeError(f"{dag_id}: no scheduled run appeared within {timeout:.0f} s")

    def wait_for_latest(self, dag_id: str, timeout: float = 300, *, scheduled_only: bool = False) -> str:
        """State of a DAG's latest run (or latest scheduled run) once none of them is queued or running
        ('no run' if none)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = self.http.get(f"/api/v2/dags/{dag_id}/dagRuns").json().get("dag_runs", [])
            if scheduled_only:
                runs = [r for r in runs if r["run_type"] == "scheduled"]
            runs = sorted(runs, key=lambda r: r.get("run_after") or "", reverse=True)
            if not runs:
                return "no run"
            if all(r["state"] in ("success", "failed") for r in runs):
                return runs[0]["state"]
            time.sleep(3)
        return "still running"

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 900) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.http.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}").json().get("state")
            if state in ("success", "failed"):
                return state
            time.sleep(3)
        return "still running"


def demo_spans() -> dict[str, dict[str, str] | None]:
    """What each demo run collects. SFTP drops: the daily scheduled run takes what was dropped
    (None). Portals and operators: a manual run over a span given as Params (From/To): supplier
    history since last year, the last published week of metering."""
    from datetime import date, timedelta

    today = date.today()
    suppliers = {"from": (today - timedelta(days=400)).isoformat(), "to": (today - timedelta(days=1)).isoformat()}
    metering = {"from": (today - timedelta(days=8)).isoformat(), "to": (today - timedelta(days=2)).isoformat()}
    spans: dict[str, dict[str, str] | None] = {"collect_nordis": None, "collect_gazelec": suppliers,
                                                "collect_volta": suppliers, "collect_azur": suppliers}
    return {**spans, "collect_enedis": metering, "collect_grdf": metering}


# remote reading of the configured meters (SGE orders, M023 history picked up from SFTP, ADICT rights),
# run once collect_enedis's runs are over: it switches curve recording on, and a collection running at
# the same moment would see a meter both "not activated" and "activated" within one run
TELERELEVE = {"history_days": 14}


DELIVERY_DAGS = ("export_invoices", "crosscheck_invoices")  # scheduled on the warehouse Assets


def run_demo_dags() -> dict[str, str]:
    """Unpause the delivery and collection DAGs, trigger the manual spans; wait for the runs
    (the delivery runs the loads' Asset events started too)."""
    api = AirflowApi()
    for dag_id in DELIVERY_DAGS:
        api.wait_for_dag(dag_id)
        api.unpause(dag_id)
        print(f"  unpaused {dag_id}: it runs whenever a collection loads invoices (or metering)")
    runs = {}
    for dag_id, span in demo_spans().items():
        api.wait_for_dag(dag_id)
        if span is None:
            runs[dag_id] = api.scheduled_run(dag_id)
            print(f"  unpaused {dag_id}: its scheduled run collects the files dropped")
        else:
            runs[dag_id] = api.trigger(dag_id, span)
            print(f"  triggered {dag_id} ({', '.join(f'{k} {v}' for k, v in span.items())})")
    states = {dag_id: api.wait_for_run(dag_id, run_id) for dag_id, run_id in runs.items()}
    spans = demo_spans()
    for dag_id in runs:  # unpausing also created each DAG's scheduled run for the latest day: wait for it too
        if spans[dag_id] is None:
            continue  # that scheduled run is the one waited for above
        scheduled = api.wait_for_latest(dag_id, scheduled_only=True)
        if scheduled != "no run":
            states[f"{dag_id} (scheduled)"] = scheduled
    api.wait_for_dag("telereleve")
    run_id = api.trigger("telereleve", TELERELEVE)
    print(f"  triggered telereleve (history_days {TELERELEVE['history_days']}) once collect_enedis was done")
    states["telereleve"] = api.wait_for_run("telereleve", run_id)
    # R50/R151 flows of the meters telereleve subscribed, delivered by the Enedis sandbox on the SFTP drop
    api.wait_for_dag("collect_sge_flows")
    states["collect_sge_flows"] = api.wait_for_run("collect_sge_flows", api.trigger("collect_sge_flows"))
    for dag_id in DELIVERY_DAGS:
        states[dag_id] = api.wait_for_latest(dag_id)
    # alerts about what the runs left to a person (accounts, quarantine, gaps...), by e-mail to the Maildir
    api.wait_for_dag("collecte_alerts")
    states["collecte_alerts"] = api.wait_for_run("collecte_alerts", api.trigger("collecte_alerts"))
    return states


def summary(states: dict[str, str]) -> None:
    """What was collected: raw objects per source and kind, rows per table, quarantine."""
    from collections import Counter

    from collecte.warehouse.db import connect
    from sandbox.services.s3 import S3Server

    print("\nRuns (a run is red when an account needs a person or something was quarantined;")
    print("      the other accounts' data is collected all the same):")
    for dag_id, state in states.items():
        print(f"  {dag_id:28s} {state}")
    client = S3Server(S3_PORT).client()
    counts: Counter = Counter()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            parts = item["Key"].split("/")
            counts[" ".join(parts[:3]) if parts[0] == "raw" else parts[0]] += 1
    print(f"\nObjects in s3://{BUCKET}:")
    for name, count in sorted(counts.items()):
        print(f"  {name:60s} {count:6d}")
    with connect(_pg().url("collecte")) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema='public'"
            " AND table_type='BASE TABLE' ORDER BY 1")]
        print("\nWarehouse rows (database collecte):")
        for table in tables:
            n = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            if n:
                print(f"  {table:40s} {n:8d}")
        print("\nSupplier accounts (table account_status; the sandbox plays one scenario per failing account):")
        for source, account, road, status, message in conn.execute(
                "SELECT source, account_id, road, status, coalesce(message, '') FROM account_status ORDER BY 1, 2, 3"):
            print(f"  {source:8s} {account:20s} {road:7s} {status:18s} {message[:64]}")
        print("\nFiles seen on SFTP drops (table file_status):")
        for source, status, count in conn.execute(
                "SELECT source, status, count(*) FROM file_status GROUP BY 1, 2 ORDER BY 1, 2"):
            print(f"  {source:8s} {status:12s} {count:4d}")
        print(f"\nOpen incidents (table incident; one e-mail each in {MAILBOX}):")
        for kind, count in conn.execute(
                "SELECT kind, count(*) FROM incident WHERE closed_at IS NULL GROUP BY 1 ORDER BY 1"):
            print(f"  {kind:24s} {count:4d}")
        print("\nQuarantine:")
        for dataset, reason in conn.execute(
                "SELECT dataset, reason FROM quarantine_record ORDER BY created_at LIMIT 10"):
            print(f"  [{dataset}] {reason[:140]}")
    print(f"\nAirflow UI: http://127.0.0.1:{AIRFLOW_PORT}  login: admin  password: {admin_password()}")
    print(f"  coverage and statuses: Browse > Couverture des données / Statuts de collecte "
          f"(http://127.0.0.1:{AIRFLOW_PORT}/collecte-ops/coverage)")
    print("Stop everything with: make stop")


def start() -> None:
    """Everything, then the demo runs and the summary."""
    print("Local services:")
    start_services()
    print("Sandbox:")
    seed_sandbox()
    start_sandbox_apps()
    seed_consent()
    print("Airflow:")
    start_airflow()
    print(f"  airflow      http://127.0.0.1:{AIRFLOW_PORT}")
    summary(run_demo_dags())


def stop() -> None:
    """Stop what start() started (the S3 objects are kept in .local/s3 first: moto forgets them)."""
    names = sorted(p.stem for p in RUN.glob("*.pid")) if RUN.exists() else []
    for name in (n for n in names if n != "s3"):  # nothing writes to S3 any more...
        kill(name)
    if is_running("s3"):  # ... so its objects are kept whole
        from sandbox.services.s3 import S3Server

        try:
            print(f"s3: {save_bucket(S3Server(S3_PORT).client(), BUCKET, LOCAL / 's3')} object(s) kept in {LOCAL / 's3'}")
        except Exception as exc:  # noqa: BLE001 - stopping must go on; say what was not kept
            print(f"s3: objects NOT kept ({exc})", file=sys.stderr)
    kill("s3")
    _pg().stop()
    print("stopped")


def status() -> None:
    """Which recorded processes are alive."""
    for pid_file in sorted(RUN.glob("*.pid")) if RUN.exists() else []:
        print(f"{pid_file.stem:28s} {'running' if is_running(pid_file.stem) else 'stopped'}")
    print(f"{'postgresql':28s} {'running' if _pg().is_running() else 'stopped'}")


def worker() -> None:
    """Celery mode: start one more worker on the queues after --queues (default: every queue)."""
    from sandbox.workers import QUEUES, start_demo_workers, worker_queues

    spec = sys.argv[sys.argv.index("--queues") + 1] if "--queues" in sys.argv else ",".join(QUEUES)
    os.environ["COLLECTE_EXECUTOR"] = "celery"
    first = 1 + (sum(1 for _ in RUN.glob("airflow-worker*.pid")) if RUN.exists() else 0)
    start_demo_workers(spawn, airflow_env(), worker_queues(spec=spec), first=first)


if __name__ == "__main__":
    {"start": start, "stop": stop, "status": status,
     "worker": worker}[sys.argv[1] if len(sys.argv) > 1 else "start"]()
