"""ErpHook: the ERP receiving supplier invoices, from an Airflow `http` connection.

Connection: host = base URL (or host name, with schema and port), password = bearer token,
extra = {"path": "/api/v1/supplier-invoices"} optional. The hook hands out the export target
and a resilient HTTP client (`collecte.sources.http`); the token never leaves them.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseHook

from collecte.export.rest import RestTarget, erp_client


class ErpHook(BaseHook):
    """Hook of the ERP connection (default `collecte_erp`)."""

    conn_name_attr = "erp_conn_id"
    default_conn_name = "collecte_erp"
    conn_type = "http"
    hook_name = "collecte ERP"

    def __init__(self, erp_conn_id: str = default_conn_name, **policy: Any) -> None:
        super().__init__()
        self.erp_conn_id = erp_conn_id
        self.policy = policy

    def get_target(self) -> RestTarget:
        """Where and how to push (base URL, token, retry policy given to the hook)."""
        conn = self.get_connection(self.erp_conn_id)
        host = conn.host or "127.0.0.1"
        if "://" not in host:
            host = f"{conn.schema or 'https'}://{host}"
        if conn.port and host.count(":") < 2:
            host = f"{host}:{conn.port}"
        settings = dict(self.policy)
        path = (conn.extra_dejson or {}).get("path")
        if path and "path" not in settings:
            settings["path"] = path
        return RestTarget(base_url=host, token=conn.password or None, **settings)

    def get_conn(self) -> Any:
        """A resilient HTTP client on the ERP (close it, or use it as a context manager)."""
        return erp_client(self.get_target())
