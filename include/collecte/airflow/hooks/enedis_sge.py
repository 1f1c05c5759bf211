"""EnedisSgeHook: the one place that reads the Enedis SGE connection.

Connection (conn type `http`, default id `enedis_sge`):

- host: the SGE root, `https://sge-b2b.enedis.fr` in production (a scheme-less host gets https);
- login: the SGE user's e-mail (`loginUtilisateur` / `initiateurLogin`, XSD e-mail pattern);
- extra: `{"contrat_id": "...", "cert_file": "/path/client.pem", "key_file": "/path/client.key",
  "ca_file": "/path/enedis-chain.pem", "timeout": 60}` (ca_file optional: the system CAs otherwise); the TLS client certificate is what authenticates to SGE. `login_utilisateur`
  in extra is accepted in place of login. `flows_aes_key` / `flows_aes_iv` (hex): the key and IV
  Enedis gives for the R50/R151 flow archives (read by collect_sge_flows, never logged).
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseHook

from collecte.sources.enedis.sge.client import SgeClient


class EnedisSgeHook(BaseHook):
    """Builds an `SgeClient` from an Airflow connection."""

    conn_name_attr = "enedis_sge_conn_id"
    default_conn_name = "enedis_sge"
    conn_type = "http"
    hook_name = "Enedis SGE"

    def __init__(self, enedis_sge_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.enedis_sge_conn_id = enedis_sge_conn_id

    def settings(self) -> dict[str, Any]:
        """URL, login, contract id, certificate paths and timeout of the connection."""
        conn = self.get_connection(self.enedis_sge_conn_id)
        extra = conn.extra_dejson
        host = conn.host or ""
        if not host.startswith("http"):
            host = f"{conn.schema or 'https'}://{host}" + (f":{conn.port}" if conn.port else "")
        cert = (extra["cert_file"], extra["key_file"]) if extra.get("cert_file") else None
        return {"base_url": host, "login": conn.login or extra.get("login_utilisateur") or "",
                "contract_id": str(extra.get("contrat_id") or ""), "cert": cert,
                "timeout": float(extra.get("timeout", 60)), "ca_file": extra.get("ca_file") or None}

    def flows_key(self) -> dict[str, Any]:
        """The extra's `flows_aes_key` and `flows_aes_iv` (hex strings, secrets: never log them)."""
        extra = self.get_connection(self.enedis_sge_conn_id).extra_dejson
        return {name: extra.get(name) for name in ("flows_aes_key", "flows_aes_iv")}

    def get_conn(self) -> SgeClient:
        """A new client (close it, or use it as a context manager)."""
        return SgeClient(**self.settings())

    def get_client(self) -> SgeClient:
        """Same as get_conn."""
        return self.get_conn()
