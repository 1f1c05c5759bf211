"""Identifiers shared by the sandbox and the demo config (account ids, connection ids)."""

from __future__ import annotations

import re


def account_id(login: str) -> str:
    """Account id used in config and raw-zone keys: the login, or the part before @ for e-mails."""
    return login.split("@", 1)[0] if "@" in login else login


def account_conn_id(portal: str, login: str, *, api: bool = False) -> str:
    """Airflow connection id of one account's credentials."""
    slug = re.sub(r"[^a-z0-9]+", "_", account_id(login).lower()).strip("_")
    return f"{portal}{'_api' if api else ''}_{slug}"
