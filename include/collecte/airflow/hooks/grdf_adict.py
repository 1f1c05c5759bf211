"""Airflow hook of GRDF ADICT: the one place that reads the `grdf_adict` connection.

Connection (conn type `http`):

- host: the API root, e.g. `https://api.grdf.fr/adict/v2` (schema/port used when host has none);
- login / password: the client id / secret;
- extra: `{"token_url": "https://adict-connexion.grdf.fr/oauth2/<server>/v1/token",
  "scope": "/adict/v2", "rate_per_second": 5}`. `token_url` is required: GRDF's token comes
  from a separate OpenID host, never derived from the API host.

Tasks get a domain client (`collecte.sources.grdf.AdictClient`, importable without Airflow) from
`GrdfAdictHook(conn_id).get_client()`.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseHook

from collecte.sources.grdf.client import DEFAULT_RATE, DEFAULT_SCOPE, AdictClient


class GrdfAdictHook(BaseHook):
    """Builds ADICT clients from an Airflow connection."""

    conn_name_attr = "grdf_adict_conn_id"
    default_conn_name = "grdf_adict"
    conn_type = "http"
    hook_name = "GRDF ADICT"

    def __init__(self, grdf_adict_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.grdf_adict_conn_id = grdf_adict_conn_id

    def settings(self) -> dict[str, Any]:
        """API URL, token URL, client id, scope and rate of the connection (no secret)."""
        conn = self.get_connection(self.grdf_adict_conn_id)
        extra = conn.extra_dejson
        host = conn.host or ""
        if not host.startswith("http"):
            host = f"{conn.schema or 'https'}://{host}" + (f":{conn.port}" if conn.port else "")
        token_url = extra.get("token_url")
        if not token_url:
            raise ValueError(f"connection {self.grdf_adict_conn_id!r}: extra.token_url is required "
                             "(GRDF's OpenID token endpoint, a host separate from the API)")
        return {"api_url": host, "token_url": token_url, "client_id": conn.login or "",
                "scope": extra.get("scope", DEFAULT_SCOPE),
                "rate_per_second": float(extra.get("rate_per_second", DEFAULT_RATE))}

    def get_conn(self) -> AdictClient:
        """A client at the connection's rate (Airflow's usual entry point)."""
        return self.get_client()

    def get_client(self, *, rate_per_second: float | None = None, **kwargs: Any) -> AdictClient:
        """A client; `rate_per_second` (e.g. the pool's share) overrides the connection's."""
        settings = self.settings()
        secret = self.get_connection(self.grdf_adict_conn_id).password or ""
        return AdictClient(settings["api_url"], settings["token_url"], settings["client_id"], secret,
                           scope=settings["scope"],
                           rate_per_second=rate_per_second or settings["rate_per_second"], **kwargs)
