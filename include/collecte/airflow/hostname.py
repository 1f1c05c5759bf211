"""The host name a task instance records (Airflow's `core.hostname_callable`).

In a real deployment every Celery worker runs on its own host (a pod), and the fully qualified
domain name tells them apart. Several workers on ONE machine (`make demo EXECUTOR=celery`) share
that name, so each is started with COLLECTE_WORKER_NAME and its tasks record `<fqdn>/<name>`.
"""

from __future__ import annotations

import os
import socket


def worker_hostname() -> str:
    """This machine's FQDN, followed by `/<COLLECTE_WORKER_NAME>` when the variable is set."""
    name = os.environ.get("COLLECTE_WORKER_NAME")
    return f"{socket.getfqdn()}/{name}" if name else socket.getfqdn()
