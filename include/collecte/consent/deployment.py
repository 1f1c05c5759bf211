"""How the consent pieces find their settings in an Airflow deployment (plugin and DAG tasks).

- secret (signs contact links and one-time codes): $COLLECTE_CONSENT_SECRET, else derived from
  Airflow's `[api] secret_key` (the same on every component of a deployment);
- mailer: the Airflow connection `collecte_smtp` (type smtp) when it exists, else the sandbox
  Maildir at $COLLECTE_SANDBOX_MAILBOX (default: $AIRFLOW_HOME/sandbox-mailbox);
- public URL of the consent pages: `[api] base_url` + PLUGIN_PREFIX.
Airflow is imported inside the functions only.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

PLUGIN_PREFIX = "/collecte-consent"
SMTP_CONN_ID = "collecte_smtp"


def consent_secret() -> bytes:
    """The server secret of the consent pages."""
    explicit = os.environ.get("COLLECTE_CONSENT_SECRET")
    if explicit:
        return explicit.encode()
    from airflow.configuration import conf

    base = conf.get("api", "secret_key", fallback="") or ""
    if not base:
        raise RuntimeError("set COLLECTE_CONSENT_SECRET or Airflow's [api] secret_key")
    return hmac.new(base.encode(), b"collecte-consent", hashlib.sha256).digest()


def public_base_url() -> str:
    """Base URL of the consent pages as contacts reach them."""
    from airflow.configuration import conf

    return conf.get("api", "base_url", fallback="http://127.0.0.1:8080").rstrip("/") + PLUGIN_PREFIX


def deployment_mailer(get_connection: Callable[[str], Any]) -> Any:
    """SMTP through `collecte_smtp` when defined, else the sandbox Maildir."""
    from collecte.consent.mailer import MaildirMailer, SmtpMailer

    try:
        return SmtpMailer.from_connection(get_connection(SMTP_CONN_ID))
    except Exception:  # not defined: AirflowNotFoundException (its class differs between SDK and core)
        home = Path(os.environ.get("AIRFLOW_HOME", "."))
        return MaildirMailer(Path(os.environ.get("COLLECTE_SANDBOX_MAILBOX", home / "sandbox-mailbox")))
