"""Credential intake: a supplier account's portal login and password go to the secret store only.

The secret store is an Airflow connection (a secrets backend in production, e.g. HashiCorp
Vault or AWS Secrets Manager, read through the same `Connection` lookups). The warehouse keeps
only the connection id and when it changed (`supplier_account.conn_id`,
`credentials_updated_at`); the audit log records who stored, replaced or deleted them. The
password is never logged, returned, put in XCom, S3 or the warehouse.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any, Protocol

from collecte.consent.audit import audit

log = logging.getLogger(__name__)


class CredentialError(RuntimeError):
    """A credential operation refused (unknown account, empty login, ...)."""


class CredentialStore(Protocol):
    """Where portal credentials live, referred to by connection id."""

    def put(self, conn_id: str, *, login: str, password: str, description: str) -> bool:
        """Create or replace; return True if it replaced an existing one."""
        ...

    def delete(self, conn_id: str) -> bool:
        """Delete; return True if it existed."""
        ...

    def exists(self, conn_id: str) -> bool:
        """Whether credentials are stored under this id."""
        ...


class AirflowConnectionStore:
    """Credentials as Airflow connections in the metadata database (encrypted with the Fernet key).

    Uses the `Connection` model and a session: the same code runs in the API server (plugin) and in
    scripts. With a secrets backend in production, write to the backend instead (its own client).
    """

    def __init__(self, conn_type: str = "http") -> None:
        self.conn_type = conn_type

    def put(self, conn_id: str, *, login: str, password: str, description: str) -> bool:
        """Create or replace the connection (login + password only)."""
        from airflow.models import Connection
        from airflow.utils.session import create_session

        with create_session() as session:
            existing = session.query(Connection).filter(Connection.conn_id == conn_id).one_or_none()
            if existing is None:
                session.add(Connection(conn_id=conn_id, conn_type=self.conn_type, login=login,
                                       password=password, description=description))
                return False
            existing.login = login
            existing.set_password(password)
            existing.description = description
            return True

    def delete(self, conn_id: str) -> bool:
        """Remove the connection."""
        from airflow.models import Connection
        from airflow.utils.session import create_session

        with create_session() as session:
            return bool(session.query(Connection).filter(Connection.conn_id == conn_id).delete())

    def exists(self, conn_id: str) -> bool:
        """Whether the connection exists."""
        from airflow.models import Connection
        from airflow.utils.session import create_session

        with create_session() as session:
            return session.query(Connection.id).filter(Connection.conn_id == conn_id).first() is not None


def default_conn_id(supplier: str, account_id: str) -> str:
    """`collecte_portal_<supplier>_<account>`, lower-case, safe characters only."""
    return re.sub(r"[^a-z0-9_]+", "_", f"collecte_portal_{supplier}_{account_id}".lower())


def _account_conn_id(conn: Any, supplier: str, account_id: str) -> str:
    row = conn.execute("SELECT conn_id FROM supplier_account WHERE supplier = %s AND account_id = %s",
                       (supplier, account_id)).fetchone()
    if row is None:
        raise CredentialError(f"unknown supplier account {supplier}/{account_id}")
    return row[0] or default_conn_id(supplier, account_id)


def store_credentials(conn: Any, store: CredentialStore, *, supplier: str, account_id: str, login: str,
                      password: str, actor: str, ip: str | None = None) -> str:
    """Store or replace an account's portal credentials; return the connection id (never the secret)."""
    if not login.strip() or not password:
        raise CredentialError("login and password are both required")
    conn_id = _account_conn_id(conn, supplier, account_id)
    replaced = store.put(conn_id, login=login.strip(), password=password,
                         description=f"collecte portal credentials for {supplier} account {account_id}")
    conn.execute("UPDATE supplier_account SET conn_id = %s, credentials_updated_at = %s"
                 " WHERE supplier = %s AND account_id = %s", (conn_id, datetime.now(UTC), supplier, account_id))
    action = "credentials.replace" if replaced else "credentials.store"
    audit(conn, actor=actor, action=action, object_type="credentials", object_id=f"{supplier}/{account_id}",
          ip=ip, conn_id=conn_id)
    log.info("%s: credentials of %s/%s stored in connection %s", action, supplier, account_id, conn_id)
    return conn_id


def delete_credentials(conn: Any, store: CredentialStore, *, supplier: str, account_id: str, actor: str,
                       ip: str | None = None) -> bool:
    """Delete an account's credentials from the store; return True if there were any."""
    conn_id = _account_conn_id(conn, supplier, account_id)
    existed = store.delete(conn_id)
    conn.execute("UPDATE supplier_account SET credentials_updated_at = %s WHERE supplier = %s AND account_id = %s",
                 (datetime.now(UTC), supplier, account_id))
    audit(conn, actor=actor, action="credentials.delete", object_type="credentials",
          object_id=f"{supplier}/{account_id}", ip=ip, conn_id=conn_id, existed=existed)
    log.info("credentials.delete: %s/%s (connection %s, existed: %s)", supplier, account_id, conn_id, existed)
    return existed
