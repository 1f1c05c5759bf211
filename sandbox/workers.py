"""collecte's Celery mode on one machine: Redis as the broker, PostgreSQL as Airflow's metadata
database, N `airflow celery worker` processes, each listening on some of the queues.

    make demo EXECUTOR=celery WORKERS=2                   # both workers on every queue
    make demo EXECUTOR=celery WORKER_QUEUES="browser,default api"   # one worker per group of queues
    python -m sandbox.demo worker --queues api            # one more worker, on `api` only

Used by sandbox/demo.py, the Celery integration test and benchmarks/scale.py; the embedded default
(LocalExecutor + SQLite) does not touch any of this.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

QUEUES = ("browser", "api", "default")  # collecte.config.models.QUEUES (the DAG integrity test checks it)
BIN = Path(sys.executable).parent


def executor() -> str:
    """`local` (default) or `celery`, from COLLECTE_EXECUTOR (the Makefile's EXECUTOR)."""
    value = (os.environ.get("COLLECTE_EXECUTOR") or "local").strip().lower()
    if value not in ("local", "celery"):
        raise SystemExit(f"COLLECTE_EXECUTOR={value!r}: use `local` or `celery`")
    return value


def worker_queues(workers: int | None = None, spec: str | None = None) -> list[tuple[str, ...]]:
    """The queues of each worker: COLLECTE_WORKER_QUEUES ("browser,default api": one worker per
    space-separated group) or COLLECTE_WORKERS workers on every queue."""
    spec = spec if spec is not None else os.environ.get("COLLECTE_WORKER_QUEUES", "")
    if spec.strip():
        groups = [tuple(q for q in group.split(",") if q) for group in spec.split()]
    else:
        count = workers if workers is not None else int(os.environ.get("COLLECTE_WORKERS") or 2)
        groups = [QUEUES] * max(1, count)
    unknown = sorted({q for group in groups for q in group} - set(QUEUES))
    if unknown:
        raise SystemExit(f"unknown queue(s) {unknown}: collecte's queues are {', '.join(QUEUES)}")
    return groups


def metadata_url(pg_url: str) -> str:
    """Airflow's SQLAlchemy URL for a `postgresql://` URL (the psycopg2 driver the Celery provider documents)."""
    scheme, sep, rest = pg_url.partition("://")
    return f"postgresql+psycopg2://{rest}" if sep else pg_url


def celery_env(broker_url: str, metadata_pg_url: str, rate_limit_url: str, concurrency: int = 4) -> dict[str, str]:
    """Airflow and collecte settings of the Celery mode (every component and worker gets them)."""
    return {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url(metadata_pg_url),
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + metadata_url(metadata_pg_url),
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(concurrency),
        "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",  # a free worker takes the next task, not a busy one
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": "collecte.airflow.hostname.worker_hostname",
        # the Enedis/GRDF quotas hold for the whole deployment (collecte.sources.ratelimit)
        "COLLECTE_RATE_LIMIT_URL": rate_limit_url,
    }


def worker_command(name: str, queues: tuple[str, ...], concurrency: int = 2) -> list[str]:
    """`airflow celery worker` for `queues`, named `name` (Celery's and the task instances' host name)."""
    return [str(BIN / "airflow"), "celery", "worker", "--queues", ",".join(queues), "--concurrency",
            str(concurrency), "--celery-hostname", f"{name}@%h", "--skip-serve-logs", "--without-mingle",
            "--without-gossip"]


def worker_env(name: str) -> dict[str, str]:
    """What tells this worker's task instances apart from another worker's on the same machine."""
    return {"COLLECTE_WORKER_NAME": name}


# -- the demo's Celery mode (sandbox/demo.py calls these when COLLECTE_EXECUTOR=celery) ------------
REDIS_PORT = int(os.environ.get("COLLECTE_REDIS_PORT", 6389))
AIRFLOW_DB = "airflow"  # Airflow's metadata database, in the project's own PostgreSQL cluster
AIRFLOW_DB_ROLE = "airflow"


def demo_redis(local: Path, password: str):  # noqa: ANN201 - sandbox.services.redis.RedisServer
    """The demo's broker: redis-server on 127.0.0.1:COLLECTE_REDIS_PORT, files in .local/redis."""
    from sandbox.services.redis import RedisServer

    return RedisServer(local / "redis", REDIS_PORT, password=password)


def demo_env(pg, redis, warehouse_url: str, metadata_password: str) -> dict[str, str]:
    """Airflow settings of the demo in Celery mode (`pg`: the demo's PostgresServer)."""
    return celery_env(redis.url, pg.url(AIRFLOW_DB, AIRFLOW_DB_ROLE, metadata_password), warehouse_url)


def prepare_demo(pg, redis, metadata_password: str, spawn) -> None:  # noqa: ANN001 - demo objects
    """Start Redis (recorded by the demo's `spawn`, so `make stop` stops it) and create Airflow's database."""
    from sandbox.services.common import port_in_use, wait_until

    pg.ensure_role(AIRFLOW_DB_ROLE, metadata_password)
    pg.create_database(AIRFLOW_DB, owner=AIRFLOW_DB_ROLE)
    if not port_in_use(redis.port):
        redis.state_dir.mkdir(parents=True, exist_ok=True)
        spawn("redis", redis.command())
        wait_until("redis", redis.ping, timeout=15, log_hint="See .local/logs/redis.log.")
    print(f"  redis        127.0.0.1:{redis.port}  (Celery broker, password in .local/secrets)")
    print(f"  postgresql   database {AIRFLOW_DB} (Airflow's metadata, role {AIRFLOW_DB_ROLE})")


def start_demo_workers(spawn, env: dict[str, str], groups: list[tuple[str, ...]] | None = None,
                       first: int = 1) -> list[str]:
    """Start one `airflow celery worker` per group of queues (default: from the environment); their names."""
    names = []
    for index, queues in enumerate(groups or worker_queues(), start=first):
        name = f"worker{index}"
        spawn(f"airflow-{name}", worker_command(name, queues), {**env, **worker_env(name)})
        print(f"  celery       {name} on queue(s) {', '.join(queues)}")
        names.append(name)
    return names


class WorkerProcesses:
    """`airflow celery worker` processes started here (tests, benchmarks), each in its own process
    group, logs in `home/<name>.log`; `stop()` kills them with their task processes."""

    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.home, self.env = home, env
        self.procs: dict[str, object] = {}

    def start(self, name: str, queues: tuple[str, ...] = QUEUES, concurrency: int = 1) -> None:
        """Start worker `name` on `queues`."""
        import subprocess

        log = open(self.home / f"{name}.log", "ab")  # noqa: SIM115 - kept open by the child
        self.procs[name] = subprocess.Popen(worker_command(name, queues, concurrency),
                                            env={**self.env, **worker_env(name)}, stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)

    def rss(self) -> dict[str, int]:
        """Resident memory (bytes) of each worker with its pool and task processes, right now."""
        import psutil

        found = {}
        for name, proc in self.procs.items():
            try:
                main = psutil.Process(proc.pid)  # type: ignore[attr-defined]
                found[name] = sum(p.memory_info().rss for p in [main, *main.children(recursive=True)])
            except psutil.Error:
                found[name] = 0
        return found

    def stop(self) -> None:
        """Kill every worker with its whole process group."""
        import contextlib
        import signal
        import subprocess

        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)  # type: ignore[attr-defined]
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)  # type: ignore[attr-defined]
