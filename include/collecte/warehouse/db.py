"""Warehouse connection and versioned migrations (PostgreSQL, psycopg 3).

Migrations are plain SQL files `migrations/NNNN_name.sql`, applied in order, once each, inside a
transaction, and recorded in `schema_migrations`; an advisory lock keeps two concurrent tasks
from migrating at the same time.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

_MIGRATION_LOCK = 7_351_001


def connect(url: str, **kwargs: Any) -> Any:
    """Open a psycopg connection from a `postgresql://` URL (SQLAlchemy-style `+driver` is accepted)."""
    import psycopg

    return psycopg.connect(normalize_url(url), **kwargs)


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
