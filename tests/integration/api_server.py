"""A real `airflow api-server` with the collecte plugin, for tests that go through Airflow itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import REPO


@contextmanager
def airflow_api_server(tmp_path: Path, *, users: dict[str, str], passwords: dict[str, str], warehouse_port: int,
                       warehouse_db: str, s3_endpoint: str, bucket: str, dags_folder: Path | None = None,
                       reserialize: bool = False) -> Iterator[str]:
    """Start it on a free 127.0.0.1 port (SimpleAuthManager with `users` {name: role} and their
    `passwords`, the warehouse and S3 connections of the test); yield its base URL; stop it."""
    import httpx

    from sandbox.services.common import free_port, wait_until
    from sandbox.services.s3 import ACCESS_KEY, REGION, SECRET_KEY

    port, home = free_port(), tmp_path / "airflow"
    home.mkdir()
    (home / "passwords.json").write_text(json.dumps(passwords))
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder or REPO / "dags"),
           "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO / "plugins"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
           "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(f"{u}:{r}" for u, r in users.items()),
           "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
           "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}", "AIRFLOW__API_AUTH__JWT_SECRET": f"jwt-{port}",
           "AIRFLOW__API__SECRET_KEY": f"secret-{port}", "COLLECTE_CONSENT_SECRET": f"consent-{port}",
           "PYTHONPATH": f"{REPO / 'include'}:{REPO}", "TZ": "UTC",
           "AIRFLOW_CONN_COLLECTE_WAREHOUSE": json.dumps({
               "conn_type": "postgres", "host": "127.0.0.1", "port": warehouse_port, "login": "postgres",
               "schema": warehouse_db}),
           "AIRFLOW_CONN_COLLECTE_S3": json.dumps({
               "conn_type": "aws", "login": ACCESS_KEY, "password": SECRET_KEY,
               "extra": {"endpoint_url": s3_endpoint, "region_name": REGION}}),
           "AIRFLOW_VAR_COLLECTE_BUCKET": bucket}
    env.pop("AIRFLOW__CORE__DAGS_FOLDER_OVERRIDE", None)
    airflow = str(Path(sys.executable).parent / "airflow")
    for args in (["db", "migrate"], *([["dags", "reserialize"]] if reserialize else [])):
        done = subprocess.run([airflow, *args], env=env, capture_output=True, text=True, timeout=300, cwd=REPO)
        assert done.returncode == 0, done.stderr[-2000:]
    log_path = tmp_path / "api-server.log"
    log = open(log_path, "w")  # noqa: SIM115 (open for the server's whole life)
    server = subprocess.Popen([airflow, "api-server", "-H", "127.0.0.1", "-p", str(port)], env=env, cwd=REPO,
                              stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            return httpx.get(f"{base}/api/v2/monitor/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until("airflow api-server", ready, timeout=240, log_hint=f"See {log_path}.")
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
