"""Load an Astro-CLI `airflow_settings.yaml` into a plain Airflow deployment.

Plain Airflow does not read that file; this converts it into the JSON that `airflow connections
import`, `airflow variables import` and `airflow pools import` take, and runs them. Values may
hold `${NAME}` placeholders, expanded from the environment (e.g. the SFTP host key the local
services generate), so the file itself never carries a machine's secrets. Pools named in the
supplier configs are added with their configured sizes.

    python -m collecte.airflow_settings airflow_settings.yaml
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

_PLACEHOLDER = re.compile(r"\$\{([A-Z0-9_]+)\}")


def expand(value: Any) -> Any:
    """Replace `${NAME}` by the environment's value, recursively; a missing name is an error."""
    if isinstance(value, str):
        def repl(match: re.Match) -> str:
            name = match.group(1)
            if name not in os.environ:
                raise KeyError(f"airflow_settings: ${{{name}}} is used but not set in the environment")
            return os.environ[name]
        return _PLACEHOLDER.sub(repl, value)
    if isinstance(value, dict):
        return {k: expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v) for v in value]
    return value


def convert(settings: dict[str, Any]) -> tuple[dict, dict, dict]:
    """(connections, variables, pools) in the JSON shapes of the Airflow CLI imports."""
    airflow = expand(settings.get("airflow") or {})
    connections = {}
    for conn in airflow.get("connections") or []:
        extra = conn.get("conn_extra") or {}
        connections[conn["conn_id"]] = {
            "conn_type": conn["conn_type"], "host": conn.get("conn_host"), "login": conn.get("conn_login"),
            "password": conn.get("conn_password"), "port": conn.get("conn_port"),
            "schema": conn.get("conn_schema"),
            "extra": json.dumps(extra) if isinstance(extra, dict) else extra,
        }
    variables = {v["variable_name"]: v["variable_value"] for v in airflow.get("variables") or []}
    pools = {p["pool_name"]: {"slots": int(p["pool_slot"]), "description": p.get("pool_description", ""),
                              "include_deferred": False} for p in airflow.get("pools") or []}
    return connections, variables, pools


def config_pools() -> dict[str, dict]:
    """Pools named by the supplier and operator configs, with their configured sizes."""
    from collecte.config import config_dir, load_suppliers

    pools = {}
    for supplier in load_suppliers():
        for road in supplier.roads:
            if road.pool:
                pools[road.pool] = {"slots": road.pool_slots, "include_deferred": False,
                                    "description": f"{supplier.name}: concurrent {road.type} work"}
    for path in sorted((config_dir() / "operators").glob("*.yaml")):
        operator = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if operator.get("pool"):
            pools[operator["pool"]] = {"slots": int(operator.get("pool_slots", 1)), "include_deferred": False,
                                       "description": f"{operator.get('code')}: calls shared under its rate limit"}
    return pools


def load(path: Path, airflow_bin: str = "airflow") -> None:
    """Import the file's connections, variables and pools (existing ids are overwritten)."""
    connections, variables, pools = convert(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    pools = {**config_pools(), **pools}
    with tempfile.TemporaryDirectory() as tmp:
        for kind, payload, extra in (("connections", connections, ["--overwrite"]),
                                     ("variables", variables, []), ("pools", pools, [])):
            if not payload:
                continue
            target = Path(tmp) / f"{kind}.json"
            target.write_text(json.dumps(payload))
            result = subprocess.run([airflow_bin, kind, "import", str(target), *extra],
                                    capture_output=True, text=True)
            if result.returncode:
                raise RuntimeError(f"airflow {kind} import failed: {result.stderr.strip()[-500:]}")
            print(f"airflow_settings: {len(payload)} {kind} imported")


if __name__ == "__main__":
    load(Path(sys.argv[1] if len(sys.argv) > 1 else "airflow_settings.yaml"),
         airflow_bin=str(Path(sys.executable).parent / "airflow"))
