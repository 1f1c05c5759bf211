"""Airflow hook of Enedis Data Connect: the one place that reads the connection and builds the client.

    client = EnedisDataConnectHook("enedis_dataconnect").get_conn()   # a collecte DataConnectClient

Connection (conn type http, as the HTTP provider's): host = API root (e.g.
`https://gw.ext.prod.api.enedis.fr`, or a host with `schema`/`port`), login = client id, password =
client secret, extra = {"calls_per_second": 5, "calls_per_hour": 1000, "pool_slots": 1, "timeout": 30,
"rate_margin": 0.05}: the margin (seconds per 1-s window) covers the network's jitter; raise it if the
gateway answers 429 while the client keeps to its quota.
The quotas in extra are the operator's per API; each process takes its share, `quota / pool_slots`,
since the pool `enedis` lets that many tasks call at once. The domain client
(collecte.sources.enedis.dataconnect) stays importable without Airflow; only this module needs it.
"""

from __future__ import annotations

from typing import Any

from airflow.providers.http.hooks.http import HttpHook

from collecte.sources.enedis.dataconnect import CALLS_PER_HOUR, DataConnectClient
from collecte.sources.ratelimit import share_of


class EnedisDataConnectHook(HttpHook):
    """HttpHook for the Data Connect connection; `get_conn()` returns the ready DataConnectClient."""

    conn_name_attr = "enedis_conn_id"
    default_conn_name = "enedis_dataconnect"
    conn_type = "http"
    hook_name = "Enedis Data Connect"

    def __init__(self, enedis_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(method="GET", http_conn_id=enedis_conn_id, **kwargs)
        self.enedis_conn_id = enedis_conn_id

    def client_settings(self) -> dict[str, Any]:
        """Root URL, credentials and limits from the connection (the secret is never logged)."""
        connection = self.get_connection(self.http_conn_id)
        self._set_base_url(connection)  # the HTTP provider's rules: host with or without scheme, schema, port
        extra = connection.extra_dejson
        slots = max(1, int(extra.get("pool_slots", 1)))
        return {
            "base_url": self.base_url, "client_id": connection.login or "", "client_secret": connection.password or "",
            # each task's share of the pool, or the whole quota when the bucket is deployment-wide
            "calls_per_second": share_of(float(extra.get("calls_per_second", 5)), slots),
            "calls_per_hour": max(1, int(share_of(int(extra.get("calls_per_hour", CALLS_PER_HOUR)), slots))),
            "timeout": float(extra.get("timeout", 30)),
            "rate_margin": float(extra.get("rate_margin", 0.05)),
        }

    def get_conn(self, **overrides: Any) -> DataConnectClient:  # type: ignore[override]
        """The ready client (a context manager: close it when done)."""
        return DataConnectClient(**(self.client_settings() | overrides))

    def test_connection(self) -> tuple[bool, str]:
        """A token request: proves the root URL and the credentials (the UI's Test button)."""
        try:
            with self.get_conn() as client:
                client._token(renew=True)  # noqa: SLF001 - the token call is the cheapest proof
        except Exception as exc:  # noqa: BLE001 - the UI shows the reason
            return False, str(exc)
        return True, "token obtained"
