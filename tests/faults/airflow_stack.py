"""Real Airflow components for the kill -9 tests, the way sandbox/demo.py starts them: api-server,
scheduler and dag-processor as separate processes, LocalExecutor, SQLite metadata in a temporary
AIRFLOW_HOME, every listener on a free loopback port. Each component can be killed with SIGKILL
and started again; everything dies with the test (process group killed at stop)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sandbox.services.common import free_port, port_in_use, wait_until

BIN = Path(sys.executable).parent
PASSWORD = "faults-admin"


class AirflowStack:
    """api-server, scheduler and dag-processor on `home`, parsing `dags_folder`, with `extra_env`."""

    def __init__(self, home: Path, dags_folder: Path, extra_env: dict[str, str]) -> None:
        self.home, self.dags_folder = home, dags_folder
        self.port = free_port()
        self.extra_env = extra_env
        self.procs: dict[str, subprocess.Popen] = {}
        self._http: Any = None

    def env(self) -> dict[str, str]:
        """The components' environment: short heartbeats and timeouts so that a kill is noticed in seconds."""
        (self.home / "passwords.json").write_text(json.dumps({"admin": PASSWORD}))
        return {
            **os.environ,
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "2",
            "AIRFLOW__CORE__DEFAULT_TIMEZONE": "UTC",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{self.port}",
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_THRESHOLD": "6",
            "AIRFLOW__SCHEDULER__ORPHANED_TASKS_CHECK_INTERVAL": "3",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "8",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "TZ": "UTC",
            **self.extra_env,
        }

    def migrate(self) -> None:
        """`airflow db migrate` on the SQLite metadata database."""
        result = subprocess.run([str(BIN / "airflow"), "db", "migrate"], env=self.env(), capture_output=True,
                                text=True, timeout=180)
        if result.returncode:
            raise RuntimeError(f"airflow db migrate failed: {result.stderr[-1500:]}")

    def start(self, name: str) -> None:
        """Start one component: `api-server`, `scheduler`, `dag-processor` or `triggerer` (log in AIRFLOW_HOME)."""
        args = {"api-server": ["api-server", "-H", "127.0.0.1", "-p", str(self.port)],
                "scheduler": ["scheduler", "--skip-serve-logs"], "dag-processor": ["dag-processor"],
                "triggerer": ["triggerer", "--skip-serve-logs"]}[name]
        log = open(self.home / f"{name}.log", "ab")  # noqa: SIM115 (kept open by the child)
        self.procs[name] = subprocess.Popen([str(BIN / "airflow"), *args], env=self.env(), stdout=log,
                                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)

    def wait_for_api(self) -> None:
        """Wait until the api-server listens."""
        wait_until("airflow api-server", lambda: port_in_use(self.port), timeout=120,
                   alive=lambda: self.procs["api-server"].poll() is None, log_hint=f"See {self.home}/api-server.log")

    def kill9(self, name: str) -> None:
        """SIGKILL one component (its process only, as a crash would)."""
        proc = self.procs[name]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def stop(self) -> None:
        """Kill every component with its whole process group (workers and task processes too)."""
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)

    # -- REST ------------------------------------------------------------------------------------
    @property
    def http(self) -> Any:
        """An authenticated REST client on the api-server."""
        import httpx

        if self._http is None:
            client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
            token = client.post("/auth/token", json={"username": "admin", "password": PASSWORD})
            token.raise_for_status()
            client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
            self._http = client
        return self._http

    def wait_for_dag(self, dag_id: str, timeout: float = 120) -> None:
        """Wait until the dag-processor has parsed `dag_id`."""
        wait_until(f"DAG {dag_id} parsed", lambda: self.http.get(f"/api/v2/dags/{dag_id}").status_code == 200,
                   timeout=timeout, log_hint=f"See {self.home}/dag-processor.log")

    def trigger(self, dag_id: str, conf: dict[str, Any]) -> str:
        """Unpause and trigger a manual run; its run id."""
        self.http.patch(f"/api/v2/dags/{dag_id}", json={"is_paused": False}).raise_for_status()
        run = self.http.post(f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf})
        run.raise_for_status()
        return run.json()["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str | None:
        """State of a run (None while the api-server does not answer)."""
        try:
            return self.http.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}").json().get("state")
        except Exception:  # the api-server may be busy while components restart
            return None

    def run_states(self, dag_id: str) -> list[str | None]:
        """States of every run of `dag_id`, oldest first."""
        try:
            runs = self.http.get(f"/api/v2/dags/{dag_id}/dagRuns", params={"order_by": "run_after"}).json()
        except Exception:
            return []
        return [r["state"] for r in runs.get("dag_runs", [])]

    def runs_done(self, dag_id: str) -> bool:
        """At least one run of `dag_id`, and every run ended."""
        states = self.run_states(dag_id)
        return bool(states) and all(s in ("success", "failed") for s in states)

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        """`task_id[map_index]` -> state of every task instance of a run."""
        try:
            items = self.http.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances",
                                  params={"limit": 100}).json()["task_instances"]
        except Exception:
            return {}
        return {f"{t['task_id']}[{t['map_index']}]": t["state"] for t in items}

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float) -> str | None:
        """Wait for the run to end; its final state (None on timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.run_state(dag_id, run_id)
            if state in ("success", "failed"):
                return state
            time.sleep(1)
        return None

    def busy_workers(self) -> dict[int, str]:
        """pid -> process title of every LocalExecutor worker running a task (not idle), with the
        task processes it forked."""
        import psutil

        found: dict[int, str] = {}
        for proc in psutil.process_iter(["pid", "cmdline"]):
            line = " ".join(proc.info["cmdline"] or [])
            if "LocalExecutor" in line and "<idle>" not in line:
                found[proc.info["pid"]] = line
                for child in proc.children(recursive=True):
                    found[child.pid] = f"task process of {line}"
        return found
