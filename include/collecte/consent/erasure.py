"""Erasure requests (GDPR art. 17), by identifiers from the registry, run as `gdpr_erasure` DAG runs.

`request_erasure` records who asked (a contact, the data subject) and is all the consent pages
do; the `gdpr_erasure` DAG then carries the request out with `run_erasure`, in two steps:

1. the warehouse, in one transaction: from the registry, contact -> mandates -> supplier accounts
   (supplier, account id) -> meters (operator, PRM/PCE). The contact's personal fields are cleared
   (and the signatory fields of the mandates they signed, which are revoked: their consent can no
   longer be evidenced); when the customer is a natural person, the rows of their meters and
   accounts are deleted from every table keyed by them (a meter id is unique; an account id only
   with its supplier), and their registry entries lose name and address. The S3 objects to delete
   are listed in the request (`pending_keys`) before the commit;
2. S3, once the warehouse has committed: the listed objects are deleted (raw objects found
   through the subject index `subject_object`, and the layout `raw/source=<s>/kind=*/account=<id>/`;
   objects derived from them; failure evidence; mandate evidence PDFs), staged batches that mix
   subjects are rewritten without the subject's rows. A retry resumes here.

Nothing is ever matched by name: a surname shared with another customer touches nothing of theirs.
The audit log is not rewritten (it holds identifiers, never names): one row is appended per
request. The report (counts per table, objects deleted) is kept in `erasure_request.summary`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from collecte.consent.audit import audit

log = logging.getLogger(__name__)
ACTOR = "gdpr_erasure"
METER_COLUMNS = ("meter_id", "pce")
ACCOUNT_COLUMNS = (("supplier", "customer_account"), ("source", "account_id"), ("supplier", "account_id"))
# registry tables and the trail: handled explicitly, never by the generic identifier sweep; the
# operators' order and access-right books (identifiers only) stay so that transmissions and
# access rights can still be stopped at the operator
_NOT_SWEPT = frozenset({"meter", "supplier_account", "mandate_scope", "mandate", "contact", "entity", "site",
                        "audit_log", "erasure_request", "subject_object", "schema_migrations", "sge_order",
                        "gas_access_right"})


class ErasureError(RuntimeError):
    """An erasure request that cannot be carried out (unknown contact, mandate of another entity)."""


# -- the request ---------------------------------------------------------------------------------
def request_erasure(conn: Any, *, contact_id: str | None = None, requested_by: str, reason: str = "",
                    mandate_id: str | None = None, subject_type: str = "contact",
                    subject_id: str | None = None) -> int:
    """Record an erasure request for the contact who asked (optionally about one mandate); return its id.

    The subject is a contact, given as `contact_id` (or `subject_type="contact", subject_id=...`,
    as the web app calls it). The caller commits. The `gdpr_erasure` DAG carries it out (its next
    run, or a run triggered with Params `request_id`).
    """
    if subject_type != "contact":
        raise ErasureError(f"erasure applies to a contact (the person who asks), not a {subject_type}")
    contact_id = contact_id or subject_id
    if not contact_id:
        raise ErasureError("request_erasure needs the contact who asks")
    row = conn.execute("SELECT entity_id FROM contact WHERE id = %s", (contact_id,)).fetchone()
    if row is None:
        raise ErasureError(f"unknown contact {contact_id!r}")
    if mandate_id is not None:
        owner = conn.execute("SELECT entity_id FROM mandate WHERE id = %s", (mandate_id,)).fetchone()
        if owner is None or owner[0] != row[0]:
            raise ErasureError(f"mandate {mandate_id!r} is not a mandate of contact {contact_id}'s entity")
    request_id = conn.execute(
        "INSERT INTO erasure_request (subject_type, subject_id, mandate_id, requested_by, reason)"
        " VALUES ('contact', %s, %s, %s, %s) RETURNING id",
        (contact_id, mandate_id, requested_by, reason[:500])).fetchone()[0]
    audit(conn, actor=requested_by, action="personal_data.erase_request", object_type="contact",
          object_id=contact_id, request_id=request_id, mandate_id=mandate_id)
    return request_id


def open_requests(conn: Any) -> list[int]:
    """Requests not carried out yet, oldest first."""
    return [r[0] for r in conn.execute("SELECT id FROM erasure_request WHERE status <> 'done' ORDER BY id")]


# -- what a request covers -------------------------------------------------------------------------
@dataclass
class ErasureScope:
    """The subject and, through the registry, what is theirs."""

    contact_id: str
    entity_id: str
    natural_person: bool
    mandates: list[str] = field(default_factory=list)          # mandates whose data goes (natural person)
    signed: list[str] = field(default_factory=list)            # mandates this contact signed
    meters: list[tuple[str, str]] = field(default_factory=list)    # (operator, PRM/PCE)
    accounts: list[tuple[str, str]] = field(default_factory=list)  # (supplier, account id)
    evidence_keys: list[str] = field(default_factory=list)

    @property
    def subjects(self) -> list[tuple[str, str]]:
        """(source, id) pairs whose objects and rows are deleted (empty for a legal person)."""
        return sorted(set(self.meters) | set(self.accounts)) if self.natural_person else []


def resolve_scope(conn: Any, contact_id: str, mandate_id: str | None = None) -> ErasureScope:
    """The registry's answer for a contact: their mandates, and those mandates' accounts and meters."""
    row = conn.execute("SELECT c.entity_id, e.person_type FROM contact c JOIN entity e ON e.id = c.entity_id"
                       " WHERE c.id = %s", (contact_id,)).fetchone()
    if row is None:
        raise ErasureError(f"unknown contact {contact_id!r}")
    entity_id, person_type = row
    scope = ErasureScope(contact_id, entity_id, person_type == "natural")
    scope.signed = [r[0] for r in conn.execute("SELECT id FROM mandate WHERE contact_id = %s ORDER BY id",
                                               (contact_id,))]
    if scope.natural_person:  # the customer is this person: their entity's mandates are about them
        scope.mandates = [mandate_id] if mandate_id else [r[0] for r in conn.execute(
            "SELECT id FROM mandate WHERE entity_id = %s ORDER BY id", (entity_id,))]
        targets = conn.execute("SELECT target_type, source, target_id FROM mandate_scope WHERE mandate_id = ANY(%s)",
                               (scope.mandates,)).fetchall()
        scope.meters = sorted({(s, t) for kind, s, t in targets if kind == "meter"})
        scope.accounts = sorted({(s, t) for kind, s, t in targets if kind == "account"})
        if mandate_id is None:  # and every meter and account the registry gives the entity
            scope.meters = sorted(set(scope.meters) | {tuple(r) for r in conn.execute(
                "SELECT m.operator, m.id FROM meter m JOIN site s ON s.id = m.site_id WHERE s.entity_id = %s",
                (entity_id,))})
            scope.accounts = sorted(set(scope.accounts) | {tuple(r) for r in conn.execute(
                "SELECT supplier, account_id FROM supplier_account WHERE entity_id = %s", (entity_id,))})
    scope.evidence_keys = [r[0] for r in conn.execute(
        "SELECT evidence_key FROM mandate WHERE evidence_key IS NOT NULL AND (contact_id = %s OR id = ANY(%s))",
        (contact_id, scope.mandates))]
    return scope


# -- step 1: the warehouse -----------------------------------------------------------------------
@dataclass
class ErasureReport:
    """What a request erased: ids and counts only."""

    request_id: int
    contact_id: str
    natural_person: bool = False
    revoked_mandates: list[str] = field(default_factory=list)
    meters: int = 0
    accounts: int = 0
    rows_deleted: dict[str, int] = field(default_factory=dict)
    rows_cleared: dict[str, int] = field(default_factory=dict)
    objects_deleted: int = 0
    objects_rewritten: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON form (summary column, audit row, XCom)."""
        return asdict(self)


def _columns(conn: Any) -> dict[str, set[str]]:
    rows = conn.execute("SELECT c.table_name, c.column_name FROM information_schema.columns c"
                        " JOIN information_schema.tables t ON t.table_schema = c.table_schema"
                        "  AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'"
                        " WHERE c.table_schema = current_schema()").fetchall()
    found: dict[str, set[str]] = {}
    for table, column in rows:
        found.setdefault(table, set()).add(column)
    return found


def _delete_subject_rows(conn: Any, scope: ErasureScope, raw_keys: list[str], report: ErasureReport) -> None:
    """Delete every row keyed by the subject's meters, (supplier, account) pairs or raw objects."""
    from psycopg import sql

    meter_ids = sorted({m for _, m in scope.meters})
    accounts = scope.accounts
    for table, columns in sorted(_columns(conn).items()):
        if table in _NOT_SWEPT:
            continue
        conditions, params = [], []
        for column in METER_COLUMNS:
            if column in columns and meter_ids:
                conditions.append(sql.SQL("{} = ANY(%s)").format(sql.Identifier(column)))
                params.append(meter_ids)
        for supplier_col, account_col in ACCOUNT_COLUMNS:
            if {supplier_col, account_col} <= columns and accounts:
                conditions.append(sql.SQL("({}, {}) IN (SELECT * FROM unnest(%s::text[], %s::text[]))").format(
                    sql.Identifier(supplier_col), sql.Identifier(account_col)))
                params += [[a[0] for a in accounts], [a[1] for a in accounts]]
        if "raw_key" in columns and raw_keys:
            conditions.append(sql.SQL("raw_key = ANY(%s)"))
            params.append(raw_keys)
        if not conditions:
            continue
        query = sql.SQL("DELETE FROM {} WHERE {}").format(sql.Identifier(table), sql.SQL(" OR ").join(conditions))
        count = conn.execute(query, params).rowcount
        if count:
            report.rows_deleted[table] = count


def _clear_personal_fields(conn: Any, scope: ErasureScope, report: ErasureReport) -> None:
    cleared = conn.execute("UPDATE contact SET civility = NULL, surname = NULL, first_name = NULL, title = NULL,"
                           " email = NULL, phone = NULL, erased_at = now() WHERE id = %s", (scope.contact_id,))
    report.rows_cleared["contact"] = cleared.rowcount
    # the signatory fields of what this contact signed; the customer fields of what is about them
    # (a mandate signed for a natural person by someone else keeps that signatory's fields)
    cleared = conn.execute("UPDATE mandate SET signatory_name = NULL, signatory_title = NULL, signatory_email = NULL,"
                           " evidence_key = NULL, updated_at = now() WHERE id = ANY(%s)", (scope.signed,)).rowcount
    if scope.natural_person:
        cleared += conn.execute("UPDATE mandate SET civility = NULL, surname = NULL, first_name = NULL,"
                                " mandate_text = NULL, evidence_key = NULL, updated_at = now() WHERE id = ANY(%s)",
                                (scope.mandates,)).rowcount
    report.rows_cleared["mandate"] = cleared
    mandates = sorted(set(scope.signed) | set(scope.mandates))
    conn.execute("DELETE FROM mandate_otp WHERE mandate_id = ANY(%s)", (mandates,))
    if scope.natural_person:  # the customer's own name and address in the registry
        report.rows_cleared["entity"] = conn.execute(
            "UPDATE entity SET name = id, company_name = NULL, address = NULL, city = NULL WHERE id = %s",
            (scope.entity_id,)).rowcount
        report.rows_cleared["site"] = conn.execute(
            "UPDATE site SET name = id, address = NULL, city = NULL WHERE entity_id = %s", (scope.entity_id,)).rowcount


def _objects_to_delete(conn: Any, zone: Any, scope: ErasureScope) -> tuple[list[str], list[str], list[str]]:
    """(raw keys, keys to delete, shared staged keys to rewrite) of the subject."""
    from collecte.landing.subject_index import objects_of

    indexed = objects_of(conn, scope.subjects)
    raw = {k for k, subjects in indexed.items() if k.startswith("raw/")}
    shared = {k for k, subjects in indexed.items()
              if not k.startswith("raw/") and _mixes_others(conn, k, scope.subjects)}
    derived = {k for k in indexed if not k.startswith("raw/")} - shared
    for source, subject_id in scope.subjects:  # objects landed before the index existed
        for folder in _kind_folders(zone, f"raw/source={source}/"):
            raw.update(zone.keys(f"{folder}account={subject_id}/"))
        derived.update(zone.keys(f"debug/source={source}/account={subject_id}/"))
    for key in raw:  # objects derived from a raw object are keyed by it
        stem = key.removeprefix("raw/")
        derived.update(zone.keys(f"staged/{stem.rsplit('.', 1)[0]}"))
        derived.update(zone.keys(f"staged/dataset=gas_consumption/{stem.rsplit('.', 1)[0]}"))
        derived.update(zone.keys(f"quarantine/{stem}"))
    derived.update(scope.evidence_keys)
    return sorted(raw), sorted(raw | derived), sorted(shared)


def _mixes_others(conn: Any, key: str, subjects: list[tuple[str, str]]) -> bool:
    others = conn.execute("SELECT source, subject_id FROM subject_object WHERE object_key = %s", (key,)).fetchall()
    return any(tuple(o) not in set(subjects) for o in others)


def _kind_folders(zone: Any, prefix: str) -> list[str]:
    pages = zone.client.get_paginator("list_objects_v2").paginate(Bucket=zone.bucket, Prefix=prefix, Delimiter="/")
    return [p["Prefix"] for page in pages for p in page.get("CommonPrefixes", [])]


def erase_in_warehouse(conn: Any, zone: Any, request_id: int) -> ErasureReport:
    """Step 1, in the caller's transaction: revoke, clear, delete rows; list the objects for step 2."""
    request = conn.execute("SELECT subject_id, mandate_id, requested_by FROM erasure_request WHERE id = %s"
                           " FOR UPDATE", (request_id,)).fetchone()
    if request is None:
        raise ErasureError(f"unknown erasure request {request_id}")
    contact_id, mandate_id, requested_by = request
    from collecte.consent.mandates import revoke

    scope = resolve_scope(conn, contact_id, mandate_id)
    report = ErasureReport(request_id, contact_id, scope.natural_person, meters=len(scope.meters) if
                           scope.natural_person else 0, accounts=len(scope.accounts) if scope.natural_person else 0)
    for mandate in sorted(set(scope.signed) | set(scope.mandates)):
        status = conn.execute("SELECT status FROM mandate WHERE id = %s", (mandate,)).fetchone()[0]
        if status in ("draft", "signed"):
            revoke(conn, mandate, actor=ACTOR, reason=f"erasure request {request_id}")
            report.revoked_mandates.append(mandate)
    raw_keys, doomed, shared = _objects_to_delete(conn, zone, scope)
    _clear_personal_fields(conn, scope, report)
    if scope.natural_person:
        _delete_subject_rows(conn, scope, raw_keys, report)
        conn.execute("DELETE FROM subject_object WHERE (source, subject_id) IN"
                     " (SELECT * FROM unnest(%s::text[], %s::text[]))",
                     ([s for s, _ in scope.subjects], [i for _, i in scope.subjects]))
    pending = {"delete": doomed, "rewrite": shared, "subjects": scope.subjects}
    conn.execute("UPDATE erasure_request SET status = 'warehouse_done', started_at = COALESCE(started_at, now()),"
                 " pending_keys = %s::jsonb, summary = %s::jsonb, error = NULL WHERE id = %s",
                 (json.dumps(pending), json.dumps(report.as_dict()), request_id))
    return report


# -- step 2: S3 ------------------------------------------------------------------------------------
def _rewrite_without(zone: Any, key: str, subjects: list[tuple[str, str]]) -> bool:
    """Rewrite a staged Parquet batch without the subjects' rows; True if it changed."""
    import io

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    if not key.endswith(".parquet"):
        return False
    table = pq.read_table(pa.BufferReader(zone.get(key)))
    ids = pa.array(sorted({i for _, i in subjects}))
    keep = None
    for column in METER_COLUMNS:
        if column in table.column_names:
            mask = pc.invert(pc.is_in(pc.cast(table[column], pa.string()), value_set=ids))
            keep = mask if keep is None else pc.and_(keep, mask)
    if keep is None:
        return False
    kept = table.filter(keep)
    if kept.num_rows == table.num_rows:
        return False
    sink = io.BytesIO()
    pq.write_table(kept, sink)
    zone.put(key, sink.getvalue(), content_type="application/vnd.apache.parquet")
    return True


def erase_in_s3(conn: Any, zone: Any, request_id: int) -> ErasureReport:
    """Step 2, after step 1 committed: delete and rewrite the listed objects; finish the request."""
    from collecte.consent.retention import delete_objects

    pending, summary, requested_by, contact_id = conn.execute(
        "SELECT pending_keys, summary, requested_by, subject_id FROM erasure_request WHERE id = %s",
        (request_id,)).fetchone()
    report = ErasureReport(**summary)
    subjects = [tuple(s) for s in pending["subjects"]]
    report.objects_rewritten = sum(_rewrite_without(zone, key, subjects) for key in pending["rewrite"])
    report.objects_deleted = delete_objects(zone, pending["delete"])
    conn.execute("UPDATE erasure_request SET status = 'done', completed_at = %s, summary = %s::jsonb,"
                 " pending_keys = NULL WHERE id = %s", (datetime.now(UTC), json.dumps(report.as_dict()), request_id))
    audit(conn, actor=ACTOR, action="personal_data.erase", object_type="contact", object_id=contact_id,
          request_id=request_id, requested_by=requested_by, **{k: v for k, v in report.as_dict().items()
                                                               if k not in ("request_id", "contact_id")})
    log.info("erasure %d of contact %s: %s", request_id, contact_id, report.as_dict())
    return report


def run_erasure(conn: Any, zone: Any, request_id: int, *, run_id: str | None = None) -> ErasureReport:
    """Carry out one request: the warehouse (committed), then S3; a retry resumes where it stopped."""
    status = conn.execute("SELECT status FROM erasure_request WHERE id = %s", (request_id,)).fetchone()
    if status is None:
        raise ErasureError(f"unknown erasure request {request_id}")
    if status[0] == "done":
        summary = conn.execute("SELECT summary FROM erasure_request WHERE id = %s", (request_id,)).fetchone()[0]
        return ErasureReport(**summary)
    if status[0] != "warehouse_done":
        try:
            erase_in_warehouse(conn, zone, request_id)
            conn.execute("UPDATE erasure_request SET run_id = %s WHERE id = %s", (run_id, request_id))
            conn.commit()
        except Exception as exc:
            conn.rollback()
            _failed(conn, request_id, exc)
            raise
    try:
        report = erase_in_s3(conn, zone, request_id)
        conn.commit()
    except Exception as exc:
        conn.rollback()
        _failed(conn, request_id, exc)
        raise
    return report


def _failed(conn: Any, request_id: int, exc: Exception) -> None:
    conn.execute("UPDATE erasure_request SET error = %s WHERE id = %s", (f"{type(exc).__name__}: {exc}"[:1000],
                                                                         request_id))
    conn.commit()
