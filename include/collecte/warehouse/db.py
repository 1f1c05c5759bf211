"""Warehouse connection and versioned migrations (PostgreSQL, psycopg 3).

Migrations are plain SQL files `migrations/NNNN_name.sql`, applied in order, once each, inside a
transaction, and recorded in `schema_migrations`; an advisory lock keeps two concurrent tasks
from migrating at the same time.

Connection drops: `connect` retries a refused or cut connection attempt with backoff (a server
restarting, a network blip), and `with_connection` reruns a whole unit of work on a fresh
connection when the connection is lost in the middle. The work must be idempotent (every load
is an upsert on natural keys, every status write an upsert): a rerun repeats nothing visible.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from typing import Any, TypeVar

from collecte.retry import RetryPolicy, retrying

T = TypeVar("T")
_MIGRATION_LOCK = 7_351_001
DB_POLICY = RetryPolicy(attempts=6, backoff=0.5, max_backoff=10.0)


def is_connection_lost(exc: BaseException) -> bool:
    """True when `exc` means the connection failed or dropped (not a bad statement or a constraint)."""
    import psycopg

    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        sqlstate = getattr(exc, "sqlstate", None)
        # class 08 = connection exception, 57P0x = server shutting down / crash; None = no answer at all
        return sqlstate is None or sqlstate.startswith("08") or sqlstate.startswith("57P")
    return False


def connect(url: str, *, policy: RetryPolicy = DB_POLICY, **kwargs: Any) -> Any:
    """Open a psycopg connection from a `postgresql://` URL (SQLAlchemy-style `+driver` is accepted);
    a refused or cut attempt is retried with backoff."""
    import psycopg

    kwargs.setdefault("connect_timeout", max(1, int(policy.connect_timeout)))
    return retrying(lambda: psycopg.connect(normalize_url(url), **kwargs), what="warehouse connect",
                    policy=policy, transient=is_connection_lost)


def with_connection(url: str, work: Callable[[Any], T], *, policy: RetryPolicy = DB_POLICY,
                    **kwargs: Any) -> T:
    """Run `work(conn)` on a fresh connection and commit; if the connection is lost on the way, run
    it again on a new one (`work` must be idempotent). Other errors roll back and are raised."""
    def once() -> T:
        with connect(url, policy=policy, **kwargs) as conn:
            return work(conn)

    return retrying(once, what="warehouse work", policy=policy, transient=is_connection_lost)


def normalize_url(url: str) -> str:
    """Turn `postgresql+psycopg://…` (SQLAlchemy form) into the libpq form psycopg takes."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme.split('+', 1)[0]}{sep}{rest}"


def migration_files() -> list[tuple[str, str]]:
    """(version, sql) of every shipped migration, sorted by version."""
    folder = resources.files("collecte.warehouse") / "migrations"
    found = [(p.name.removesuffix(".sql"), p.read_text(encoding="utf-8"))
             for p in folder.iterdir() if p.name.endswith(".sql")]
    return sorted(found)


def migrate(conn: Any) -> list[str]:
    """Apply the migrations not applied yet; return the versions applied now."""
    applied_now: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        for version, sql in migration_files():
            if version in done:
                continue
            conn.execute(sql)
            conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
            applied_now.append(version)
    return applied_now
