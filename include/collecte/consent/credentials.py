"""Credential intake: a supplier account's portal login and password go to the secret store only.

The secret store is an Airflow connection (a secrets backend in production, e.g. HashiCorp
Vault or AWS Secrets Manager, read through the same `Connection` lookups). The warehouse keeps
only the connection id and when it changed (`supplier_account.conn_id`,
`credentials_updated_at`); the audit log records who stored, replaced or deleted them. The
password is never logged, returned, put in XCom, S3 or the warehouse.

Connection ids are collision-free: a readable slug plus a digest of the exact (supplier, account)
pair, so "AB-12" and "ab.12" never share one; and credentials are never written to a connection
that an account of another entity uses. A connection defined in a secrets backend or an
environment variable takes precedence over the metadata database, which is all this store can
write: storing or deleting then fails with a CredentialError naming the backend, never silently.
"""

from __future__ import annotations

import hashlib
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
    scripts. A connection that a secrets backend (or an `AIRFLOW_CONN_*` variable) defines wins over
    the metadata database: `put` and `delete` refuse it with a CredentialError naming the backend.
    """

    def __init__(self, conn_type: str = "http") -> None:
        self.conn_type = conn_type

    def put(self, conn_id: str, *, login: str, password: str, description: str) -> bool:
        """Create or replace the connection (login + password only)."""
        from airflow.models import Connection
        from airflow.utils.session import create_session

        self._refuse_if_shadowed(conn_id, "replace")
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

        self._refuse_if_shadowed(conn_id, "delete")
        with create_session() as session:
            return bool(session.query(Connection).filter(Connection.conn_id == conn_id).delete())

    def exists(self, conn_id: str) -> bool:
        """Whether the connection exists (in any secrets backend or the metadata database)."""
        from airflow.models import Connection
        from airflow.utils.session import create_session

        if self.shadowing_backend(conn_id):
            return True
        with create_session() as session:
            return session.query(Connection.id).filter(Connection.conn_id == conn_id).first() is not None

    @staticmethod
    def shadowing_backend(conn_id: str) -> str | None:
        """The class name of a secrets backend other than the metadata database defining `conn_id`."""
        from airflow.configuration import ensure_secrets_loaded
        from airflow.secrets.metastore import MetastoreBackend

        for backend in ensure_secrets_loaded():
            if isinstance(backend, MetastoreBackend):
                continue
            try:
                found = backend.get_connection(conn_id)
            except Exception:  # a backend that cannot answer: not proof that it holds the connection
                log.warning("secrets backend %s could not be asked for %s", type(backend).__name__, conn_id)
                continue
            if found is not None:
                return type(backend).__name__
        return None

    def _refuse_if_shadowed(self, conn_id: str, verb: str) -> None:
        backend = self.shadowing_backend(conn_id)
        if backend:
            raise CredentialError(
                f"connection {conn_id} is defined in the secrets backend {backend}, which takes precedence and "
                f"which this application cannot write: {verb} it there")


def default_conn_id(supplier: str, account_id: str) -> str:
    """`collecte_portal_<supplier>_<account slug>_<digest>`: readable, and distinct for distinct pairs
    (the digest covers the exact supplier and account id, case and punctuation included)."""
    slug = re.sub(r"[^a-z0-9]+", "_", f"{supplier}_{account_id}".lower()).strip("_")[:80]
    digest = hashlib.sha256(f"{supplier}\x00{account_id}".encode()).hexdigest()[:12]
    return f"collecte_portal_{slug}_{digest}"


def _account_conn_id(conn: Any, supplier: str, account_id: str) -> str:
    row = conn.execute("SELECT entity_id, conn_id FROM supplier_account WHERE supplier = %s AND account_id = %s",
                       (supplier, account_id)).fetchone()
    if row is None:
        raise CredentialError(f"unknown supplier account {supplier}/{account_id}")
    entity_id, conn_id = row
    conn_id = conn_id or default_conn_id(supplier, account_id)
    others = conn.execute(
        "SELECT supplier, account_id FROM supplier_account WHERE entity_id <> %s"
        " AND COALESCE(conn_id, '') = %s", (entity_id, conn_id)).fetchall()
    if others:
        raise CredentialError(f"connection {conn_id} is also used by an account of another entity: "
                              "give this account its own connection id")
    return conn_id


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
