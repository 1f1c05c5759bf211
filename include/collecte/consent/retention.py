"""Retention per data kind (include/config/retention.yaml): purge S3 prefixes and warehouse rows.

Tables that do not exist yet (another part of the project not deployed) are skipped, so the
purge can run from day one. Every purge returns counts; nothing here reads the data itself.
"""

from __future__ import annotations

import fnmatch
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

log = logging.getLogger(__name__)
_RECEIVED = re.compile(r"/received=(\d{4}-\d{2}-\d{2})/")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")


class Keep(BaseModel):
    """A duration: years and/or days."""

    model_config = ConfigDict(extra="forbid")
    years: int = 0
    days: int = 0

    def cutoff(self, today: date) -> date:
        """First day still kept."""
        try:
            shifted = today.replace(year=today.year - self.years)
        except ValueError:
            shifted = today.replace(year=today.year - self.years, day=28)
        return shifted - timedelta(days=self.days)


class TableRule(BaseModel):
    """A warehouse table and its date column."""

    model_config = ConfigDict(extra="forbid")
    table: str = Field(pattern=_IDENT.pattern)
    column: str = Field(pattern=_IDENT.pattern)


class KindRule(BaseModel):
    """Retention of one data kind."""

    model_config = ConfigDict(extra="forbid")
    keep: Keep
    reason: str = ""
    s3: list[str] = Field(default_factory=list)
    tables: list[TableRule] = Field(default_factory=list)


class RetentionPolicy(BaseModel):
    """The whole retention file."""

    model_config = ConfigDict(extra="forbid")
    kinds: dict[str, KindRule]
    mandate_evidence_years_after_end: int = 5


def load_retention(path: Path | None = None) -> RetentionPolicy:
    """Validate include/config/retention.yaml."""
    from collecte.config.loader import config_dir

    path = path or config_dir() / "retention.yaml"
    return RetentionPolicy.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass
class PurgeReport:
    """Objects and rows deleted per data kind; tables skipped because absent."""

    s3_objects: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    missing_tables: list[str] = field(default_factory=list)


def object_day(key: str, last_modified: datetime | None) -> date | None:
    """The day an object was received: its `received=` segment, else its last-modified day."""
    match = _RECEIVED.search(key)
    if match:
        return date.fromisoformat(match.group(1))
    return last_modified.astimezone(UTC).date() if last_modified else None


def purge_s3(client: Any, bucket: str, pattern: str, cutoff: date) -> int:
    """Delete objects matching `pattern` (prefix with `*` globs) received before `cutoff`."""
    static = pattern.split("*", 1)[0]
    glob = pattern if pattern.endswith("/") else pattern + "/"
    doomed: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=static):
        for item in page.get("Contents", []):
            key = item["Key"]
            if "*" in pattern and not fnmatch.fnmatchcase(key, glob + "*"):
                continue
            day = object_day(key, item.get("LastModified"))
            if day is not None and day < cutoff:
                doomed.append(key)
    for start in range(0, len(doomed), 1000):
        client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in doomed[start:start + 1000]],
                                                     "Quiet": True})
    return len(doomed)


def table_exists(conn: Any, table: str) -> bool:
    """Whether a table exists in the warehouse's search path."""
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()[0]


def purge_table(conn: Any, rule: TableRule, cutoff: date) -> int | None:
    """Delete rows older than `cutoff`; None when the table or its column does not exist."""
    if not table_exists(conn, rule.table):
        return None
    has_column = conn.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
        (rule.table, rule.column)).fetchone()
    if not has_column:
        return None
    # identifiers are validated by the model's pattern; psycopg.sql quotes them anyway
    from psycopg import sql

    query = sql.SQL("DELETE FROM {} WHERE {} < %s").format(sql.Identifier(rule.table), sql.Identifier(rule.column))
    return conn.execute(query, (cutoff,)).rowcount


def purge_expired_evidence(conn: Any, zone: Any, policy: RetentionPolicy, today: date) -> int:
    """Delete evidence PDFs (and signatory fields) of mandates ended more than N years ago."""
    cutoff = Keep(years=policy.mandate_evidence_years_after_end).cutoff(today)
    rows = conn.execute(
        "SELECT id, evidence_key FROM mandate WHERE status IN ('revoked', 'expired', 'signed')"
        " AND COALESCE(revoked_at::date, end_date) < %s AND evidence_key IS NOT NULL", (cutoff,)).fetchall()
    for mandate_id, key in rows:
        zone.client.delete_object(Bucket=zone.bucket, Key=key)
        conn.execute("UPDATE mandate SET evidence_key = NULL, signatory_name = NULL, signatory_email = NULL,"
                     " signatory_title = NULL, civility = NULL, surname = NULL, first_name = NULL,"
                     " mandate_text = NULL, status = CASE WHEN status = 'signed' THEN 'expired' ELSE status END"
                     " WHERE id = %s", (mandate_id,))
    return len(rows)


def purge_past_retention(conn: Any, zone: Any, policy: RetentionPolicy, today: date) -> PurgeReport:
    """Apply every kind's retention to S3 and the warehouse; the caller commits."""
    report = PurgeReport()
    for kind, rule in sorted(policy.kinds.items()):
        cutoff = rule.keep.cutoff(today)
        report.s3_objects[kind] = sum(purge_s3(zone.client, zone.bucket, p, cutoff) for p in rule.s3)
        deleted = 0
        for table_rule in rule.tables:
            count = purge_table(conn, table_rule, cutoff)
            if count is None:
                report.missing_tables.append(table_rule.table)
            else:
                deleted += count
        report.rows[kind] = deleted
        log.info("retention %s (before %s): %d S3 objects, %d rows deleted", kind, cutoff,
                 report.s3_objects[kind], deleted)
    report.s3_objects["mandate_evidence"] = purge_expired_evidence(conn, zone, policy, today)
    report.rows["mandate_otp"] = conn.execute(
        "DELETE FROM mandate_otp WHERE expires_at < %s", (datetime.now(UTC) - timedelta(days=1),)).rowcount
    return report
