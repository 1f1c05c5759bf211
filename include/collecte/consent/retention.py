"""Retention (include/config/retention.yaml): what is past its class's retention, planned then purged.

The cut-off of every class comes from the clock (`today`) and the file only. A run may narrow a
purge (`Narrowing`: fewer classes, an earlier date) and never widen it. Which objects and rows
belong to a class is derived from the dataset catalogue (`collecte.quality.datasets`) and from the
key layouts the code writes (`raw_kind_datasets`, `classify`), so a new raw kind of a known dataset
is covered without editing the file, and an unknown one is reported and kept, never deleted.

A purge is planned first (`plan_purge`: counts and keys, touching nothing), then checked by the
guard (a class whose purge would take more than `guard.max_share` of what it holds is refused),
bounded (`guard.max_deletions_per_run` per class, oldest first) and applied: warehouse rows in the
caller's transaction with an audit row, S3 objects once the caller has committed
(`delete_objects`). The audit log is never a retention target.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

log = logging.getLogger(__name__)
_RECEIVED = re.compile(r"/received=(\d{4}-\d{2}-\d{2})/")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
PROTECTED_TABLES = frozenset({"audit_log", "erasure_request", "schema_migrations"})
ZONES = ("raw/", "staged/", "quarantine/", "debug/")
ACTOR = "gdpr_retention"


class Keep(BaseModel):
    """A duration: years and/or days."""

    model_config = ConfigDict(extra="forbid")
    years: int = Field(0, ge=0)
    days: int = Field(0, ge=0)

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


class RetentionClass(BaseModel):
    """Retention of one class of data."""

    model_config = ConfigDict(extra="forbid")
    keep: Keep
    reason: str = ""
    datasets: dict[str, str | None] = Field(default_factory=dict,
                                            description="catalogue dataset -> date column (None: FK cascade)")
    prefixes: list[str] = Field(default_factory=list, description="bucket prefixes outside the dataset layouts")
    tables: list[TableRule] = Field(default_factory=list, description="tables outside the catalogue")

    def table_rules(self) -> list[TableRule]:
        """Every table this class purges: its datasets' tables (dated ones) and its other tables."""
        from collecte.quality.datasets import dataset

        derived = [TableRule(table=dataset(name).table, column=column)
                   for name, column in self.datasets.items() if column]
        return derived + list(self.tables)


class Guard(BaseModel):
    """Limits on one run: a share of a class it may not exceed, and a count per class."""

    model_config = ConfigDict(extra="forbid")
    max_share: float = Field(0.5, gt=0, le=1)
    min_count: int = Field(200, ge=0)
    max_deletions_per_run: int = Field(50_000, ge=1)


class RetentionPolicy(BaseModel):
    """The whole retention file."""

    model_config = ConfigDict(extra="forbid")
    guard: Guard = Field(default_factory=Guard)
    classes: dict[str, RetentionClass]
    mandate_evidence_years_after_end: int = 5

    @model_validator(mode="after")
    def _derivable(self) -> RetentionPolicy:
        from collecte.quality.datasets import DATASETS

        owner: dict[str, str] = {}
        for name, rule in self.classes.items():
            for ds, column in rule.datasets.items():
                if ds not in DATASETS:
                    raise ValueError(f"class {name}: unknown dataset {ds!r} (catalogue: {', '.join(sorted(DATASETS))})")
                if column is not None and column not in DATASETS[ds].columns:
                    raise ValueError(f"class {name}: dataset {ds} has no column {column!r}")
                if ds in owner:
                    raise ValueError(f"dataset {ds} is in two classes: {owner[ds]} and {name}")
                owner[ds] = name
            for table in rule.tables:
                if table.table in PROTECTED_TABLES:
                    raise ValueError(f"class {name}: {table.table} is never purged by retention")
            for prefix in rule.prefixes:
                if not prefix.endswith("/") or not prefix.startswith(ZONES) or prefix.startswith("raw/"):
                    raise ValueError(f"class {name}: prefix {prefix!r} must be a folder of staged/, "
                                     "quarantine/ or debug/ (raw objects are classed by their kind)")
        return self

    def dataset_class(self) -> dict[str, str]:
        """Catalogue dataset -> the class that keeps it."""
        return {ds: name for name, rule in self.classes.items() for ds in rule.datasets}


def load_retention(path: Path | None = None) -> RetentionPolicy:
    """Validate include/config/retention.yaml."""
    from collecte.config.loader import config_dir

    path = path or config_dir() / "retention.yaml"
    return RetentionPolicy.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


# -- what belongs to which class ---------------------------------------------------------------
def raw_kind_datasets() -> dict[str, str]:
    """Raw kind (the `kind=` segment the sources write) -> the catalogue dataset parsed from it."""
    from collecte.metering.records import RESOURCES
    from collecte.sources.enedis.dataconnect import CONTRACT_RESOURCES
    from collecte.sources.grdf.resources import RESOURCES as ADICT

    kinds = {resource: ds.table for resource, (ds, _) in RESOURCES.items()}
    kinds.update({resource: "meter_contract" for resource in CONTRACT_RESOURCES})
    kinds.update({res.raw_kind: "gas_consumption" if res.max_span_days else "meter_contract"
                  for res in ADICT.values()})
    kinds.update({"m023_curve": "load_curve", "m023_billing": "billing_energy", "invoice_pdf": "invoice", "invoice_xml": "invoice",
                  "consumption_csv": "supplier_consumption"})
    return kinds


def classify(key: str, policy: RetentionPolicy, kinds: dict[str, str] | None = None) -> str | None:
    """The retention class of an object key, or None (unknown layout or kind: kept, reported)."""
    for name, rule in policy.classes.items():
        if any(key.startswith(p) for p in rule.prefixes):
            return name
    kinds = raw_kind_datasets() if kinds is None else kinds
    by_dataset = policy.dataset_class()
    zone, _, rest = key.partition("/")
    if zone not in ("raw", "staged"):
        return None
    for segment in rest.split("/")[:3]:
        if segment.startswith("dataset="):
            return by_dataset.get(segment.removeprefix("dataset="))
        if segment.startswith("kind="):
            dataset = kinds.get(segment.removeprefix("kind="))
            return by_dataset.get(dataset) if dataset else None
    return None


def object_day(key: str, last_modified: datetime | None) -> date | None:
    """The day an object was received: its `received=` segment, else its last-modified day."""
    match = _RECEIVED.search(key)
    if match:
        return date.fromisoformat(match.group(1))
    return last_modified.astimezone(UTC).date() if last_modified else None


# -- planning ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Narrowing:
    """What a run may ask: fewer classes, an earlier cut-off, a dry run. Never a later cut-off."""

    classes: frozenset[str] | None = None
    older_than: date | None = None
    dry_run: bool = False

    @classmethod
    def from_params(cls, params: dict[str, Any], policy: RetentionPolicy) -> Narrowing:
        """From a run's Params (`classes`, `older_than`, `dry_run`); other keys are ignored."""
        names = [str(c) for c in params.get("classes") or []]
        unknown = sorted(set(names) - set(policy.classes))
        if unknown:
            raise ValueError(f"Params: unknown retention class(es) {unknown}; known: {sorted(policy.classes)}")
        older = params.get("older_than")
        return cls(classes=frozenset(names) or None,
                   older_than=date.fromisoformat(str(older)[:10]) if older else None,
                   dry_run=bool(params.get("dry_run")))


@dataclass
class ClassPlan:
    """One class: its cut-off, what it holds and what is past it."""

    name: str
    cutoff: date
    objects_total: int = 0
    doomed_keys: list[tuple[date, str]] = field(default_factory=list)
    rows_total: int = 0
    doomed_rows: dict[str, int] = field(default_factory=dict)
    refused: str | None = None

    @property
    def doomed(self) -> int:
        """Objects and rows past the cut-off."""
        return len(self.doomed_keys) + sum(self.doomed_rows.values())


@dataclass
class PurgePlan:
    """Every selected class, and the prefixes no class covers (kept)."""

    today: date
    classes: dict[str, ClassPlan] = field(default_factory=dict)
    unclassified: dict[str, int] = field(default_factory=dict)
    missing_tables: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Counts for XCom, the audit row and the log."""
        return {"today": self.today.isoformat(), "unclassified_kept": self.unclassified,
                "missing_tables": sorted(set(self.missing_tables)),
                "classes": {n: {"cutoff": p.cutoff.isoformat(), "objects": len(p.doomed_keys),
                                "objects_total": p.objects_total, "rows": p.doomed_rows,
                                "rows_total": p.rows_total, "refused": p.refused}
                            for n, p in self.classes.items()}}


def _walk(client: Any, bucket: str, prefix: str) -> list[tuple[str, bool]]:
    """(folder, recursive) pairs under `prefix`, descending `source=` levels down to the segment that
    classes them (kind=, dataset=, a zone folder); objects lying directly in a level come as (level, False)."""
    found: list[tuple[str, bool]] = []
    loose = False
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
        loose = loose or bool(page.get("Contents"))
        for sub in page.get("CommonPrefixes", []):
            folder = sub["Prefix"]
            if folder[len(prefix):].startswith("source="):
                found.extend(_walk(client, bucket, folder))
            else:
                found.append((folder, True))
    if loose:
        found.append((prefix, False))
    return found


def _objects(client: Any, bucket: str, prefix: str, recursive: bool = True) -> list[tuple[str, datetime | None]]:
    items: list[tuple[str, datetime | None]] = []
    extra = {} if recursive else {"Delimiter": "/"}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, **extra):
        items.extend((o["Key"], o.get("LastModified")) for o in page.get("Contents", []))
    return items


def plan_purge(conn: Any, zone: Any, policy: RetentionPolicy, today: date,
               narrowing: Narrowing = Narrowing()) -> PurgePlan:
    """What a purge on `today` would delete, class by class; reads only."""
    kinds = raw_kind_datasets()
    plan = PurgePlan(today)
    for name, rule in sorted(policy.classes.items()):
        if narrowing.classes is not None and name not in narrowing.classes:
            continue
        cutoff = rule.keep.cutoff(today)
        if narrowing.older_than is not None:
            cutoff = min(cutoff, narrowing.older_than)  # narrow only: never later than the clock allows
        plan.classes[name] = ClassPlan(name, cutoff)
    folders: list[tuple[str, bool]] = []
    for top in ZONES:
        folders.extend(_walk(zone.client, zone.bucket, top))
    for folder, recursive in sorted(set(folders)):
        name = classify(folder, policy, kinds) if recursive else None
        if recursive and name is not None and name not in plan.classes:
            continue  # a class this run does not purge: not even listed
        for key, modified in _objects(zone.client, zone.bucket, folder, recursive):
            key_class = name if recursive and name is not None else classify(key, policy, kinds)
            if key_class is None:
                plan.unclassified[folder] = plan.unclassified.get(folder, 0) + 1
                continue
            target = plan.classes.get(key_class)
            if target is None:
                continue
            target.objects_total += 1
            day = object_day(key, modified)
            if day is not None and day < target.cutoff:
                target.doomed_keys.append((day, key))
    for name, target in plan.classes.items():
        target.doomed_keys.sort()
        for rule in policy.classes[name].table_rules():
            counts = _count_rows(conn, rule, target.cutoff)
            if counts is None:
                plan.missing_tables.append(rule.table)
                continue
            target.rows_total += counts[0]
            if counts[1]:
                target.doomed_rows[rule.table] = counts[1]
        _guard(target, policy.guard)
    for folder, count in plan.unclassified.items():
        log.warning("retention: %d object(s) under %s belong to no class: kept (add its dataset or prefix "
                    "to retention.yaml)", count, folder)
    return plan


def _guard(target: ClassPlan, guard: Guard) -> None:
    for doomed, total, what in ((len(target.doomed_keys), target.objects_total, "objects"),
                                (sum(target.doomed_rows.values()), target.rows_total, "rows")):
        if doomed > guard.min_count and total and doomed / total > guard.max_share:
            target.refused = (f"{doomed} of {total} {what} ({doomed / total:.0%}) would go, above the guard's "
                              f"{guard.max_share:.0%}: check the clock and retention.yaml, or raise "
                              "guard.max_share there")
            return


def table_exists(conn: Any, table: str) -> bool:
    """Whether a table exists in the warehouse's search path."""
    return conn.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()[0]


def _has_column(conn: Any, rule: TableRule) -> bool:
    return conn.execute("SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()"
                        " AND table_name = %s AND column_name = %s", (rule.table, rule.column)).fetchone() is not None


def _count_rows(conn: Any, rule: TableRule, cutoff: date) -> tuple[int, int] | None:
    """(rows, rows older than cutoff), None when the table or column does not exist."""
    if not table_exists(conn, rule.table) or not _has_column(conn, rule):
        return None
    from psycopg import sql

    query = sql.SQL("SELECT count(*), count(*) FILTER (WHERE {c} < %s) FROM {t}").format(
        c=sql.Identifier(rule.column), t=sql.Identifier(rule.table))
    total, old = conn.execute(query, (cutoff,)).fetchone()
    return int(total), int(old)


def purge_table(conn: Any, rule: TableRule, cutoff: date, limit: int | None = None) -> int | None:
    """Delete rows older than `cutoff` (at most `limit`, oldest first); None when the table or column is absent."""
    if rule.table in PROTECTED_TABLES:
        raise ValueError(f"{rule.table} is never purged by retention")
    if not table_exists(conn, rule.table) or not _has_column(conn, rule):
        return None
    from psycopg import sql

    ident = {"c": sql.Identifier(rule.column), "t": sql.Identifier(rule.table)}
    if limit is None:
        query = sql.SQL("DELETE FROM {t} WHERE {c} < %s").format(**ident)
        return conn.execute(query, (cutoff,)).rowcount
    query = sql.SQL("DELETE FROM {t} WHERE ctid IN (SELECT ctid FROM {t} WHERE {c} < %s ORDER BY {c} LIMIT %s)"
                    ).format(**ident)
    return conn.execute(query, (cutoff, limit)).rowcount


# -- applying ------------------------------------------------------------------------------------
@dataclass
class PurgeReport:
    """What a purge did (or, in a dry run, would do)."""

    plan: PurgePlan
    dry_run: bool
    rows: dict[str, int] = field(default_factory=dict)
    object_keys: list[str] = field(default_factory=list)
    left_for_next_run: dict[str, int] = field(default_factory=dict)
    evidence_keys: list[str] = field(default_factory=list)

    @property
    def refused(self) -> dict[str, str]:
        """Classes the guard refused, with the reason."""
        return {n: p.refused for n, p in self.plan.classes.items() if p.refused}

    def summary(self) -> dict[str, Any]:
        """Counts only (XCom, audit)."""
        return {**self.plan.summary(), "dry_run": self.dry_run, "rows_deleted": self.rows,
                "objects_deleted": len(self.object_keys), "left_for_next_run": self.left_for_next_run,
                "mandate_evidence_deleted": len(self.evidence_keys)}


def purge_past_retention(conn: Any, zone: Any, policy: RetentionPolicy, today: date,
                         narrowing: Narrowing = Narrowing()) -> PurgeReport:
    """Plan, guard and (unless a dry run) delete warehouse rows in the caller's transaction.

    The S3 objects to delete are in `report.object_keys`: call `delete_objects` once committed.
    An audit row records the run (dry or not) with its counts.
    """
    plan = plan_purge(conn, zone, policy, today, narrowing)
    report = PurgeReport(plan, narrowing.dry_run)
    limit = policy.guard.max_deletions_per_run
    for name, target in plan.classes.items():
        if target.refused:
            log.error("retention %s REFUSED: %s", name, target.refused)
            continue
        keys = [key for _, key in target.doomed_keys]
        report.object_keys.extend(keys[:limit])
        rows_left = sum(target.doomed_rows.values())
        if len(keys) > limit or rows_left > limit:
            report.left_for_next_run[name] = max(len(keys) - limit, 0) + max(rows_left - limit, 0)
        verb = "would delete" if narrowing.dry_run else "deletes"
        log.info("retention %s (before %s) %s %d object(s) and %s row(s)", name, target.cutoff, verb,
                 min(len(keys), limit), target.doomed_rows or 0)
        for key in keys[:limit] if narrowing.dry_run else []:
            log.info("  would delete %s", key)
        if narrowing.dry_run:
            continue
        budget = limit
        for rule in policy.classes[name].table_rules():
            if budget <= 0 or not target.doomed_rows.get(rule.table):
                continue
            deleted = purge_table(conn, rule, target.cutoff, budget) or 0
            report.rows[rule.table] = report.rows.get(rule.table, 0) + deleted
            budget -= deleted
    if report.object_keys and not narrowing.dry_run and table_exists(conn, "subject_object"):
        # the subject index forgets what retention deletes (the objects go once this commits)
        report.rows["subject_object"] = conn.execute("DELETE FROM subject_object WHERE object_key = ANY(%s)",
                                                     (report.object_keys,)).rowcount
    if narrowing.classes is None and narrowing.older_than is None:
        report.evidence_keys = expired_evidence(conn, policy, today, apply=not narrowing.dry_run)
        report.object_keys.extend(report.evidence_keys)
        if not narrowing.dry_run:
            conn.execute("DELETE FROM mandate_otp WHERE expires_at < %s", (datetime.now(UTC) - timedelta(days=1),))
    from collecte.consent.audit import audit

    audit(conn, actor=ACTOR, action="retention.dry_run" if narrowing.dry_run else "retention.purge",
          object_type="retention", object_id=today.isoformat(), **report.summary())
    return report


def expired_evidence(conn: Any, policy: RetentionPolicy, today: date, *, apply: bool) -> list[str]:
    """Evidence PDFs of mandates ended more than N years ago; with `apply`, clear their personal fields."""
    cutoff = Keep(years=policy.mandate_evidence_years_after_end).cutoff(today)
    rows = conn.execute(
        "SELECT id, evidence_key FROM mandate WHERE status IN ('revoked', 'expired', 'signed')"
        " AND COALESCE(revoked_at::date, end_date) < %s AND evidence_key IS NOT NULL", (cutoff,)).fetchall()
    if apply:
        for mandate_id, _ in rows:
            conn.execute("UPDATE mandate SET evidence_key = NULL, signatory_name = NULL, signatory_email = NULL,"
                         " signatory_title = NULL, civility = NULL, surname = NULL, first_name = NULL,"
                         " mandate_text = NULL, status = CASE WHEN status = 'signed' THEN 'expired' ELSE status END"
                         " WHERE id = %s", (mandate_id,))
    return [key for _, key in rows]


def delete_objects(zone: Any, keys: list[str]) -> int:
    """Delete S3 objects by key, 1,000 per request (after the warehouse side committed)."""
    for start in range(0, len(keys), 1000):
        chunk = keys[start:start + 1000]
        answer = zone.client.delete_objects(Bucket=zone.bucket, Delete={"Objects": [{"Key": k} for k in chunk],
                                                                         "Quiet": True})
        errors = answer.get("Errors") or []
        if errors:
            raise RuntimeError(f"S3 refused to delete {len(errors)} object(s), e.g. {errors[0]}")
    return len(keys)
