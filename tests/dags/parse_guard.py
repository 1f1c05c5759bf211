"""Parse a DAG folder with guards on: report import errors and any I/O done at parse time.

Run as a subprocess (`python tests/dags/parse_guard.py DAGS_FOLDER`): it prints one JSON object
with `import_errors`, `dags` (id -> owner, tags, retries) and `io` (forbidden events seen while
the DAG files were parsed: network connections, connection/variable look-ups, file opens outside
the project's code and config and the Python installation).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ALLOWED_PREFIXES = tuple(str(p) for p in {
    Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), REPO / "include", REPO / "dags",
    Path(sys.prefix), Path(sys.base_prefix), Path(os.environ.get("AIRFLOW_HOME", "/nonexistent")),
    Path("/usr/lib"), Path("/usr/share/zoneinfo"), Path("/etc/localtime"),
})


PREIMPORTED = ["airflow.providers.sftp.sensors.sftp"]


def main(dags_folder: str) -> None:
    import importlib

    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk import BaseHook, Variable

    # Libraries whose own import probes the disk (asyncssh's ctypes look-ups) are imported before
    # the guard is on: what is tested is the project's parse-time behaviour, not theirs.
    for module in PREIMPORTED:
        importlib.import_module(module)

    events: list[str] = []
    parsing = {"on": False}
    allowed = ALLOWED_PREFIXES + (str(Path(dags_folder).resolve()),)

    def audit(event: str, args: tuple) -> None:
        if not parsing["on"]:
            return
        if event == "open" and args and isinstance(args[0], str | bytes | os.PathLike):
            path = os.fsdecode(args[0])
            if os.path.isabs(path) and not path.startswith(allowed) and not path.startswith("/dev/"):
                events.append(f"file open: {path}")
        elif event in ("socket.connect", "socket.getaddrinfo"):
            events.append(f"network: {event} {args[1] if len(args) > 1 else ''}")

    def forbid(what: str):
        def refuse(*args, **kwargs):
            events.append(f"{what} at parse time: {args[1:] or args}")
            raise RuntimeError(f"{what} at parse time")
        return refuse

    BaseHook.get_connection = classmethod(forbid("connection look-up"))
    Variable.get = staticmethod(forbid("Variable.get"))
    sys.addaudithook(audit)
    parsing["on"] = True
    bag = DagBag(dag_folder=dags_folder)
    parsing["on"] = False
    dags = {dag_id: {"owner": dag.default_args.get("owner"), "tags": sorted(dag.tags or []),
                     "retries": dag.default_args.get("retries", 0), "doc": bool(dag.doc_md),
                     "tasks": len(dag.tasks), "on_failure": bool(dag.on_failure_callback),
                     "queues": {t.task_id: t.queue for t in dag.tasks},
                     "assets": sorted({a.name for t in dag.tasks for a in (t.outlets or []) if hasattr(a, "name")})}
            for dag_id, dag in bag.dags.items()}
    print(json.dumps({"import_errors": {k: str(v)[-800:] for k, v in bag.import_errors.items()},
                      "dags": dags, "io": sorted(set(events))}))


if __name__ == "__main__":
    main(sys.argv[1])
