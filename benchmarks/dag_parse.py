"""DAG parse time: the shipped config against the same plus 200 generated supplier accounts.

Each measurement parses the dags/ folder in a fresh interpreter (as the dag-processor does) with
DagBag, after Airflow itself is imported (its ~3 s import is the same in both cases and is
reported apart). Printed: seconds per parse (median of 3), DAG counts and the ratio.

    .venv/bin/python benchmarks/dag_parse.py [--accounts 200]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
PROBE = """
import json, sys, time
t0 = time.perf_counter()
from airflow.dag_processing.dagbag import DagBag
import airflow.providers.sftp.sensors.sftp
t1 = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1])
t2 = time.perf_counter()
print(json.dumps({"import_airflow": t1 - t0, "parse": t2 - t1, "dags": len(bag.dags),
                  "errors": len(bag.import_errors)}))
"""


def generated_config(target: Path, accounts: int) -> None:
    """Shipped supplier files plus `accounts` generated accounts, 5 per generated supplier."""
    shutil.copytree(REPO / "include" / "config", target, dirs_exist_ok=True)
    template = yaml.safe_load((REPO / "include/config/suppliers/nordis.yaml").read_text())
    per_supplier = 5
    for index in range(0, accounts, per_supplier):
        supplier = dict(template, code=f"gen{index // per_supplier:03d}", name=f"Generated {index}")
        road = dict(template["roads"][0], remote_dir=f"gen{index}/outgoing", pool=f"sftp_gen{index}")
        road["accounts"] = [{"id": f"ACC{index + i:05d}"} for i in range(per_supplier)]
        supplier["roads"] = [road]
        (target / "suppliers" / f"gen{index // per_supplier:03d}.yaml").write_text(yaml.safe_dump(supplier))


def measure(config_dir: Path | None, repeat: int = 3) -> dict:
    """Median parse time of dags/ with the given config folder."""
    env = {**os.environ, "PYTHONPATH": f"{REPO}:{REPO / 'include'}"}
    env["AIRFLOW_HOME"] = env.get("AIRFLOW_HOME") or tempfile.mkdtemp(prefix="collecte-bench-")
    if config_dir:
        env["COLLECTE_CONFIG_DIR"] = str(config_dir)
    runs = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", PROBE, str(REPO / "dags")], env=env, check=True,
                             capture_output=True, text=True).stdout
        runs.append(json.loads(out.strip().splitlines()[-1]))
    return {"parse": statistics.median(r["parse"] for r in runs),
            "import_airflow": statistics.median(r["import_airflow"] for r in runs),
            "dags": runs[0]["dags"], "errors": runs[0]["errors"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    args = parser.parse_args()
    base = measure(None)
    with tempfile.TemporaryDirectory() as tmp:
        generated_config(Path(tmp), args.accounts)
        big = measure(Path(tmp))
    print(f"import airflow (both cases)       : {base['import_airflow']:.2f} s")
    print(f"shipped config                    : {base['parse']:.3f} s for {base['dags']} DAGs "
          f"({base['errors']} import errors)")
    print(f"+{args.accounts} generated accounts        : {big['parse']:.3f} s for {big['dags']} DAGs "
          f"({big['errors']} import errors)")
    print(f"per DAG                           : {1000 * base['parse'] / max(base['dags'], 1):.1f} ms shipped, "
          f"{1000 * big['parse'] / max(big['dags'], 1):.1f} ms generated")
    print(f"ratio generated / shipped         : {big['parse'] / base['parse']:.2f}x "
          f"for {big['dags'] / max(base['dags'], 1):.0f}x the DAGs")


if __name__ == "__main__":
    main()
