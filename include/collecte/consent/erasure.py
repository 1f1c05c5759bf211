"""Erasure requests (GDPR art. 17): purge a subject's personal data and stop collection.

Subjects:
- a contact (the person leaves, or asks): their name, e-mail and phone are removed from every
  warehouse table and every S3 object and object metadata; mandates they signed are revoked
  (their evidence is deleted with them, so no collection may go on under it);
- a mandate (on revocation): its signatory is erased as above; when the customer is a natural
  person, the consumption data of the meters and accounts it covered is personal data too and is
  deleted from S3 (their raw/staged prefixes) and from the warehouse (rows of those meters).

How: the subject's identifying strings (full name in both orders, e-mail, phone) are searched
case-insensitively in every text and JSON column of the warehouse (tables of other parts of
the project included, whatever they are) and replaced by "[effacé]", rows whose key holds them
are deleted; in S3, every object's metadata is checked and rewritten, text objects (JSON, CSV,
XML, HTML, text) are checked and rewritten (derived) or deleted (raw, content-addressed), and the
mandate evidence PDFs are deleted. The request is recorded with counts only.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from collecte.consent.audit import audit
from collecte.consent.mandates import get_mandate, revoke

log = logging.getLogger(__name__)
REDACTED = "[effacé]"
TEXT_EXTENSIONS = (".json", ".ndjson", ".csv", ".txt", ".xml", ".html", ".htm")
MAX_TEXT_OBJECT = 20 * 1024 * 1024
_SKIP_TABLES = {"schema_migrations", "erasure_request"}


@dataclass
class ErasureReport:
    """What an erasure did (counts and ids only)."""

    request_id: int = 0
    revoked_mandates: list[str] = field(default_factory=list)
    warehouse_rows_redacted: int = 0
    warehouse_rows_deleted: int = 0
    s3_objects_deleted: int = 0
    s3_objects_rewritten: int = 0


def _needles(*values: str | None) -> list[str]:
    found = {v.strip() for v in values if v and len(v.strip()) >= 4}
    return sorted(found, key=len, reverse=True)


def _contact_needles(conn: Any, contact_id: str) -> list[str]:
    row = conn.execute("SELECT first_name, surname, email, phone FROM contact WHERE id = %s",
                       (contact_id,)).fetchone()
    if row is None:
        return []
    first, surname, email, phone = row
    names = [f"{first} {surname}", f"{surname} {first}"] if first and surname else []
    return _needles(*names, email, phone)


def erase_contact(conn: Any, zone: Any, contact_id: str, *, requested_by: str, reason: str = "") -> ErasureReport:
    """Erase a contact's personal data everywhere and revoke the mandates they signed."""
    needles = _contact_needles(conn, contact_id)
    signed = [r[0] for r in conn.execute(
        "SELECT id FROM mandate WHERE contact_id = %s AND status IN ('draft', 'signed')", (contact_id,))]
    evidence = [r[0] for r in conn.execute(
        "SELECT evidence_key FROM mandate WHERE contact_id = %s AND evidence_key IS NOT NULL", (contact_id,))]
    report = _start(conn, "contact", contact_id, requested_by, reason)
    for mandate_id in signed:
        revoke(conn, mandate_id, actor=requested_by, reason="erasure of the signatory")
        report.revoked_mandates.append(mandate_id)
    conn.execute("UPDATE mandate SET signatory_name = NULL, signatory_title = NULL, signatory_email = NULL,"
                 " evidence_key = NULL WHERE contact_id = %s", (contact_id,))
    conn.execute("DELETE FROM mandate_otp WHERE mandate_id IN (SELECT id FROM mandate WHERE contact_id = %s)",
                 (contact_id,))
    conn.execute("UPDATE contact SET civility = NULL, surname = NULL, first_name = NULL, title = NULL,"
                 " email = NULL, phone = NULL, erased_at = now() WHERE id = %s", (contact_id,))
    _purge_everywhere(conn, zone, needles, evidence, report)
    return _finish(conn, report, requested_by, "contact", contact_id)


def erase_mandate_subject(conn: Any, zone: Any, mandate_id: str, *, requested_by: str,
                          reason: str = "") -> ErasureReport:
    """Erasure on revocation: revoke, erase the signatory, and for a natural person their meters' data."""
    mandate = get_mandate(conn, mandate_id)
    person = [f"{mandate.first_name} {mandate.surname}", f"{mandate.surname} {mandate.first_name}"] \
        if mandate.person_type == "natural" and mandate.surname and mandate.first_name else []
    # a natural person's surname alone identifies them in their own data (entity name, holder, ...)
    surname = mandate.surname if mandate.person_type == "natural" else None
    needles = _needles(mandate.signatory_name, mandate.signatory_email, *person, surname)
    if mandate.contact_id:
        needles = sorted(set(needles) | set(_contact_needles(conn, mandate.contact_id)), key=len, reverse=True)
    report = _start(conn, "mandate", mandate_id, requested_by, reason)
    if mandate.status != "revoked":
        revoke(conn, mandate_id, actor=requested_by, reason=reason or "erasure request")
        report.revoked_mandates.append(mandate_id)
    if mandate.person_type == "natural":
        _purge_natural_person_data(conn, zone, mandate.meters + mandate.accounts, report)
        conn.execute("UPDATE mandate SET civility = NULL, surname = NULL, first_name = NULL WHERE id = %s",
                     (mandate_id,))
    conn.execute("UPDATE mandate SET signatory_name = NULL, signatory_title = NULL, signatory_email = NULL,"
                 " evidence_key = NULL WHERE id = %s", (mandate_id,))
    if mandate.contact_id:
        conn.execute("UPDATE contact SET civility = NULL, surname = NULL, first_name = NULL, title = NULL,"
                     " email = NULL, phone = NULL, erased_at = now() WHERE id = %s", (mandate.contact_id,))
    _purge_everywhere(conn, zone, needles, [mandate.evidence_key] if mandate.evidence_key else [], report)
    return _finish(conn, report, requested_by, "mandate", mandate_id)


# -- bookkeeping --------------------------------------------------------------------------------
def _start(conn: Any, subject_type: str, subject_id: str, requested_by: str, reason: str) -> ErasureReport:
    request_id = conn.execute(
        "INSERT INTO erasure_request (subject_type, subject_id, requested_by, reason) VALUES (%s,%s,%s,%s)"
        " RETURNING id", (subject_type, subject_id, requested_by, reason[:500])).fetchone()[0]
    return ErasureReport(request_id=request_id)


def _finish(conn: Any, report: ErasureReport, requested_by: str, subject_type: str,
            subject_id: str) -> ErasureReport:
    summary = {k: v for k, v in report.__dict__.items() if k != "request_id"}
    conn.execute("UPDATE erasure_request SET completed_at = %s, summary = %s::jsonb WHERE id = %s",
                 (datetime.now(UTC), json.dumps(summary), report.request_id))
    audit(conn, actor=requested_by, action="personal_data.erase", object_type=subject_type, object_id=subject_id,
          request_id=report.request_id, **summary)
    log.info("erasure %d of %s %s: %s", report.request_id, subject_type, subject_id, summary)
    return report


# -- warehouse ----------------------------------------------------------------------------------
def _text_columns(conn: Any) -> dict[str, list[tuple[str, str, bool]]]:
    rows = conn.execute(
        "SELECT c.table_name, c.column_name, c.data_type,"
        "       EXISTS (SELECT 1 FROM information_schema.key_column_usage k"
        "                JOIN information_schema.table_constraints t ON t.constraint_name = k.constraint_name"
        "                 AND t.table_schema = k.table_schema"
        "               WHERE t.constraint_type = 'PRIMARY KEY' AND k.table_schema = c.table_schema"
        "                 AND k.table_name = c.table_name AND k.column_name = c.column_name)"
        "  FROM information_schema.columns c JOIN information_schema.tables tb"
        "    ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name AND tb.table_type = 'BASE TABLE'"
        " WHERE c.table_schema = current_schema()"
        "   AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')").fetchall()
    found: dict[str, list[tuple[str, str, bool]]] = {}
    for table, column, data_type, in_key in rows:
        if table not in _SKIP_TABLES:
            found.setdefault(table, []).append((column, data_type, in_key))
    return found


def _redact_warehouse(conn: Any, needles: list[str], report: ErasureReport) -> None:
    from psycopg import sql

    for table, columns in sorted(_text_columns(conn).items()):
        for column, data_type, in_key in columns:
            as_text = sql.SQL("{}::text").format(sql.Identifier(column))
            for needle in needles:
                hit = sql.SQL("strpos(lower({}), lower(%s)) > 0").format(as_text)
                if in_key:
                    query = sql.SQL("DELETE FROM {} WHERE {}").format(sql.Identifier(table), hit)
                    report.warehouse_rows_deleted += conn.execute(query, (needle,)).rowcount
                    continue
                cast = {"jsonb": "jsonb", "json": "json", "ARRAY": "text[]"}.get(data_type)
                replaced = sql.SQL("regexp_replace({}, %s, %s, 'gi')").format(as_text)
                if cast:
                    replaced = sql.SQL("({})::{}").format(replaced, sql.SQL(cast))
                query = sql.SQL("UPDATE {} SET {} = {} WHERE {}").format(
                    sql.Identifier(table), sql.Identifier(column), replaced, hit)
                report.warehouse_rows_redacted += conn.execute(
                    query, (re.escape(needle), REDACTED, needle)).rowcount


def _purge_natural_person_data(conn: Any, zone: Any, targets: list[tuple[str, str]], report: ErasureReport) -> None:
    """Delete the S3 objects and warehouse rows of a natural person's meters and accounts."""
    ids = sorted({target for _, target in targets})
    for source, target in targets:
        for prefix in (f"raw/source={source}/", f"staged/source={source}/", f"quarantine/source={source}/"):
            for key in zone.keys(prefix):
                if f"/account={target}/" in key:
                    zone.client.delete_object(Bucket=zone.bucket, Key=key)
                    report.s3_objects_deleted += 1
    if not ids:
        return
    from psycopg import sql

    rows = conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND column_name IN ('meter_id', 'pce', 'account_id') AND table_name NOT IN"
        " ('meter', 'supplier_account', 'mandate_scope', 'schema_migrations')").fetchall()
    for table, column in rows:
        query = sql.SQL("DELETE FROM {} WHERE {} = ANY(%s)").format(sql.Identifier(table), sql.Identifier(column))
        report.warehouse_rows_deleted += conn.execute(query, (ids,)).rowcount


# -- S3 -----------------------------------------------------------------------------------------
def _variants(needle: str) -> set[str]:
    # object metadata stores non-ASCII values JSON-escaped (RawZone._ascii_metadata)
    return {needle.lower(), json.dumps(needle)[1:-1].lower()}


def _redact(value: str, needles: list[str], replacement: str = REDACTED) -> str:
    for needle in needles:
        for variant in _variants(needle):
            value = re.sub(re.escape(variant), replacement, value, flags=re.IGNORECASE)
    return value


def _purge_s3(zone: Any, needles: list[str], evidence: list[str], report: ErasureReport) -> None:
    client, bucket = zone.client, zone.bucket
    for key in evidence:
        client.delete_object(Bucket=bucket, Key=key)
        report.s3_objects_deleted += 1
    if not needles:
        return
    doomed = set(evidence)
    for key in zone.keys(""):
        if key in doomed:
            continue
        head = client.head_object(Bucket=bucket, Key=key)
        metadata = head.get("Metadata", {})
        meta_hit = any(v in value.lower() for value in metadata.values() for n in needles for v in _variants(n))
        body: bytes | None = None
        text_hit = False
        if key.lower().endswith(TEXT_EXTENSIONS) and head["ContentLength"] <= MAX_TEXT_OBJECT:
            body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
            lowered = body.decode("utf-8", errors="replace").lower()
            text_hit = any(v in lowered for n in needles for v in _variants(n))
        if not meta_hit and not text_hit:
            continue
        if key.startswith("raw/") and text_hit:
            client.delete_object(Bucket=bucket, Key=key)  # content-addressed: cannot be edited in place
            report.s3_objects_deleted += 1
            continue
        new_metadata = {k: _redact(v, needles, "[efface]") for k, v in metadata.items()}  # ASCII only
        if text_hit and body is not None:
            content = _redact(body.decode("utf-8", errors="replace"), needles).encode("utf-8")
            client.put_object(Bucket=bucket, Key=key, Body=content, Metadata=new_metadata,
                              ContentType=head.get("ContentType", "application/octet-stream"))
        else:
            client.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": key},
                               Metadata=new_metadata, MetadataDirective="REPLACE",
                               ContentType=head.get("ContentType", "application/octet-stream"))
        report.s3_objects_rewritten += 1


def _purge_everywhere(conn: Any, zone: Any, needles: list[str], evidence: list[str], report: ErasureReport) -> None:
    _redact_warehouse(conn, needles, report)
    _purge_s3(zone, needles, evidence, report)
