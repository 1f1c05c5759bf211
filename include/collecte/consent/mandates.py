"""Mandates: draft for an entity, one-time code by e-mail, signature with evidence, revocation, expiry.

Lifecycle: draft -> (code sent, code confirmed) -> signed -> revoked | expired. Every step is
written to the audit log. Functions work in the caller's transaction (the caller commits).
The one-time code is never stored: only an HMAC of it, keyed by the mandate id and a server
secret, good for 10 minutes; a confirmed code is good for one signature within 15 minutes. A
mandate has one budget of 5 attempts whatever the number of codes sent; codes are sent at most
5 times, 60 s apart. Sending and confirming lock the mandate's code row (`SELECT ... FOR UPDATE`),
so parallel confirmations are counted one after the other and cannot overrun the budget.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from collecte.consent.access_stop import queue_stop
from collecte.consent.audit import audit
from collecte.consent.evidence import evidence_key, render_signed_mandate
from collecte.consent.gate import DATA_KINDS
from collecte.consent.mailer import Mailer
from collecte.consent.mandate_text import Customer, mandate_text

log = logging.getLogger(__name__)

CODE_TTL = timedelta(minutes=10)
CONFIRMED_TTL = timedelta(minutes=15)
MAX_ATTEMPTS = 5
MAX_SENDS = 5
RESEND_INTERVAL = timedelta(seconds=60)
REMINDER_DAYS = 30


class MandateError(RuntimeError):
    """A mandate operation refused (wrong state, wrong or expired code, ...)."""


@dataclass
class Mandate:
    """A mandate as stored, with the meters (operator, id) and accounts (supplier, id) it covers."""

    id: str
    entity_id: str
    contact_id: str | None
    person_type: str
    company_name: str | None
    siret: str | None
    naf: str | None
    civility: str | None
    surname: str | None
    first_name: str | None
    signatory_name: str | None
    signatory_title: str | None
    signatory_email: str | None
    postal_code: str | None
    data_kinds: list[str]
    start_date: date
    end_date: date
    status: str
    mandate_text: str | None
    text_sha256: str | None
    evidence_key: str | None
    signed_at: datetime | None
    signer_ip: str | None
    revoked_at: datetime | None
    meters: list[tuple[str, str]] = field(default_factory=list)
    accounts: list[tuple[str, str]] = field(default_factory=list)

    def in_force(self, on: date) -> bool:
        """Signed and `on` within its dates."""
        return self.status == "signed" and self.start_date <= on <= self.end_date


_COLUMNS = ("id", "entity_id", "contact_id", "person_type", "company_name", "siret", "naf", "civility",
            "surname", "first_name", "signatory_name", "signatory_title", "signatory_email", "postal_code",
            "data_kinds", "start_date", "end_date", "status", "mandate_text", "text_sha256",
            "evidence_key", "signed_at", "signer_ip", "revoked_at")


def get_mandate(conn: Any, mandate_id: str) -> Mandate:
    """The mandate with its scope; MandateError when unknown."""
    row = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM mandate WHERE id = %s", (mandate_id,)).fetchone()
    if row is None:
        raise MandateError(f"unknown mandate {mandate_id}")
    mandate = Mandate(**dict(zip(_COLUMNS, row, strict=True)))
    for target_type, source, target in conn.execute(
            "SELECT target_type, source, target_id FROM mandate_scope WHERE mandate_id = %s"
            " ORDER BY source, target_id", (mandate_id,)):
        (mandate.meters if target_type == "meter" else mandate.accounts).append((source, target))
    return mandate


def mandates_of_entity(conn: Any, entity_id: str) -> list[Mandate]:
    """Every mandate of an entity, newest first."""
    ids = conn.execute("SELECT id FROM mandate WHERE entity_id = %s ORDER BY created_at DESC, id",
                       (entity_id,)).fetchall()
    return [get_mandate(conn, i) for (i,) in ids]


def mandate_for_meter(conn: Any, operator: str, meter_id: str, on: date) -> Mandate | None:
    """The signed mandate in force covering a meter on `on` (the latest signed), or None."""
    row = conn.execute(
        "SELECT m.id FROM mandate m JOIN mandate_scope s ON s.mandate_id = m.id"
        " WHERE s.target_type = 'meter' AND s.source = %s AND s.target_id = %s AND m.status = 'signed'"
        "   AND m.start_date <= %s AND m.end_date >= %s ORDER BY m.signed_at DESC LIMIT 1",
        (operator, meter_id, on, on)).fetchone()
    return get_mandate(conn, row[0]) if row else None


def entity_scope(conn: Any, entity_id: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(meters, accounts) of an entity: meters of its sites, and its supplier accounts."""
    meters = conn.execute(
        "SELECT m.operator, m.id FROM meter m JOIN site s ON s.id = m.site_id WHERE s.entity_id = %s"
        " ORDER BY m.operator, m.id", (entity_id,)).fetchall()
    accounts = conn.execute(
        "SELECT supplier, account_id FROM supplier_account WHERE entity_id = %s ORDER BY supplier, account_id",
        (entity_id,)).fetchall()
    return [tuple(m) for m in meters], [tuple(a) for a in accounts]


def default_end(start: date, years: int = 3) -> date:
    """The last day of a mandate of `years` years starting on `start`."""
    try:
        return start.replace(year=start.year + years) - timedelta(days=1)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28) - timedelta(days=1)


def draft_mandate(conn: Any, *, entity_id: str, contact_id: str, start: date, end: date | None = None,
                  data_kinds: Sequence[str] = DATA_KINDS, meters: Sequence[tuple[str, str]] | None = None,
                  accounts: Sequence[tuple[str, str]] | None = None, actor: str, ip: str | None = None) -> Mandate:
    """Create a draft mandate for an entity, signed by `contact_id`, covering its meters and accounts."""
    unknown = set(data_kinds) - set(DATA_KINDS)
    if unknown:
        raise MandateError(f"unknown data kinds {sorted(unknown)}")
    end = end or default_end(start)
    if end > default_end(start):
        raise MandateError("a mandate lasts at most 3 years")
    entity = conn.execute(
        "SELECT person_type, company_name, siret, naf, address, postal_code FROM entity WHERE id = %s",
        (entity_id,)).fetchone()
    contact = conn.execute(
        "SELECT civility, surname, first_name, title, email, erased_at FROM contact WHERE id = %s",
        (contact_id,)).fetchone()
    if entity is None or contact is None or contact[5] is not None:
        raise MandateError(f"unknown entity {entity_id} or contact {contact_id}")
    person_type, company_name, siret, naf, address, postal_code = entity
    civility, surname, first_name, title, email, _ = contact
    own_meters, own_accounts = entity_scope(conn, entity_id)
    meters = list(meters if meters is not None else own_meters)
    accounts = list(accounts if accounts is not None else own_accounts)
    signatory = f"{first_name} {surname}"
    customer = Customer(person_type, company_name, siret, naf,
                        civility if person_type == "natural" else None,
                        surname if person_type == "natural" else None,
                        first_name if person_type == "natural" else None, address)
    text = mandate_text(customer=customer, signatory_name=signatory, signatory_title=title,
                        signatory_email=email, data_kinds=list(data_kinds), start=start, end=end,
                        meters=meters, accounts=accounts)
    mandate_id = "M-" + uuid.uuid4().hex[:12]
    conn.execute(
        "INSERT INTO mandate (id, entity_id, contact_id, person_type, company_name, siret, naf, civility,"
        " surname, first_name, signatory_name, signatory_title, signatory_email, postal_code, data_kinds,"
        " start_date, end_date, status, mandate_text)"
        " VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,'draft',%s)",
        (mandate_id, entity_id, contact_id, person_type, company_name, siret, naf, customer.civility,
         customer.surname, customer.first_name, signatory, title, email, postal_code, list(data_kinds),
         start, end, text))
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO mandate_scope VALUES (%s, %s, %s, %s)",
                        [(mandate_id, "meter", op, mid) for op, mid in meters]
                        + [(mandate_id, "account", sup, acc) for sup, acc in accounts])
    audit(conn, actor=actor, action="mandate.draft", object_type="mandate", object_id=mandate_id, ip=ip,
          entity=entity_id, meters=len(meters), accounts=len(accounts))
    return get_mandate(conn, mandate_id)


def _code_digest(secret: bytes, mandate_id: str, code: str) -> str:
    return hmac.new(secret, f"{mandate_id}:{code}".encode(), hashlib.sha256).hexdigest()


def send_code(conn: Any, mailer: Mailer, mandate_id: str, *, secret: bytes, actor: str,
              ip: str | None = None, now: datetime | None = None) -> None:
    """E-mail a fresh 6-digit one-time code to the mandate's signatory (replaces any previous code).

    MandateError when the mandate is not a draft, its attempt budget is spent, or codes were sent
    too often (more than MAX_SENDS, or less than RESEND_INTERVAL ago)."""
    now = now or datetime.now(UTC)
    if conn.execute("SELECT 1 FROM mandate WHERE id = %s FOR UPDATE", (mandate_id,)).fetchone() is None:
        raise MandateError(f"unknown mandate {mandate_id}")
    mandate = get_mandate(conn, mandate_id)
    if mandate.status != "draft":
        raise MandateError(f"mandate {mandate_id} is {mandate.status}, not a draft")
    previous = conn.execute("SELECT attempts, sends, last_sent_at FROM mandate_otp WHERE mandate_id = %s FOR UPDATE",
                            (mandate_id,)).fetchone()
    if previous is not None:
        attempts, sends, last_sent_at = previous
        if attempts >= MAX_ATTEMPTS:
            raise MandateError("too many attempts for this mandate: prepare a new mandate")
        if sends >= MAX_SENDS:
            raise MandateError("too many codes sent for this mandate: prepare a new mandate")
        if last_sent_at is not None and now - last_sent_at < RESEND_INTERVAL:
            wait = int((RESEND_INTERVAL - (now - last_sent_at)).total_seconds()) + 1
            raise MandateError(f"a code was just sent: wait {wait} s before asking for another")
    code = f"{secrets.randbelow(10**6):06d}"
    conn.execute(
        "INSERT INTO mandate_otp (mandate_id, code_hash, sent_to, expires_at, attempts, confirmed_at, sends,"
        " last_sent_at) VALUES (%s, %s, %s, %s, 0, NULL, 1, %s) ON CONFLICT (mandate_id) DO UPDATE SET"
        " code_hash = EXCLUDED.code_hash, sent_to = EXCLUDED.sent_to, expires_at = EXCLUDED.expires_at,"
        " confirmed_at = NULL, sends = mandate_otp.sends + 1, last_sent_at = EXCLUDED.last_sent_at",
        (mandate_id, _code_digest(secret, mandate_id, code), mandate.signatory_email, now + CODE_TTL, now))
    mailer.send(mandate.signatory_email or "", f"Votre code de signature du mandat {mandate_id}",
                f"Bonjour,\n\nVotre code de confirmation pour signer le mandat {mandate_id} est : {code}\n\n"
                f"Il est valable {int(CODE_TTL.total_seconds() // 60)} minutes. Si vous n'êtes pas à "
                "l'origine de cette demande, ignorez ce message.\n")
    audit(conn, actor=actor, action="mandate.code_sent", object_type="mandate", object_id=mandate_id, ip=ip)


def confirm_code(conn: Any, mandate_id: str, code: str, *, secret: bytes, actor: str,
                 ip: str | None = None, now: datetime | None = None) -> None:
    """Check the one-time code; MandateError when wrong, expired or the budget is spent.

    The attempt is counted under a row lock in the caller's transaction: commit even on error."""
    now = now or datetime.now(UTC)
    row = conn.execute("SELECT code_hash, expires_at, attempts FROM mandate_otp WHERE mandate_id = %s FOR UPDATE",
                       (mandate_id,)).fetchone()
    if row is None:
        raise MandateError("no code was sent for this mandate")
    code_hash, expires_at, attempts = row
    if attempts >= MAX_ATTEMPTS:
        raise MandateError("too many attempts for this mandate: prepare a new mandate")
    if now > expires_at:
        raise MandateError("the code has expired: ask for a new one")
    conn.execute("UPDATE mandate_otp SET attempts = attempts + 1 WHERE mandate_id = %s", (mandate_id,))
    if not hmac.compare_digest(code_hash, _code_digest(secret, mandate_id, code.strip())):
        audit(conn, actor=actor, action="mandate.code_rejected", object_type="mandate", object_id=mandate_id, ip=ip)
        raise MandateError("wrong code")
    conn.execute("UPDATE mandate_otp SET confirmed_at = %s WHERE mandate_id = %s", (now, mandate_id))
    audit(conn, actor=actor, action="mandate.code_confirmed", object_type="mandate", object_id=mandate_id, ip=ip)


def sign(conn: Any, zone: Any, mandate_id: str, *, signer_ip: str, actor: str,
         now: datetime | None = None, require_code: bool = True) -> Mandate:
    """Sign a draft whose code was confirmed: render the evidence PDF into S3 and record it."""
    now = now or datetime.now(UTC)
    mandate = get_mandate(conn, mandate_id)
    if mandate.status != "draft":
        raise MandateError(f"mandate {mandate_id} is {mandate.status}, not a draft")
    if require_code:
        row = conn.execute("SELECT confirmed_at FROM mandate_otp WHERE mandate_id = %s", (mandate_id,)).fetchone()
        if row is None or row[0] is None or now - row[0] > CONFIRMED_TTL:
            raise MandateError("confirm the code sent by e-mail before signing")
    text = mandate.mandate_text or ""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    pdf = render_signed_mandate(mandate_id=mandate_id, text=text, text_sha256=digest,
                                signatory_name=mandate.signatory_name or "",
                                signatory_email=mandate.signatory_email or "", signed_at=now, signer_ip=signer_ip)
    key = zone.put(evidence_key(mandate.entity_id, mandate_id), pdf, content_type="application/pdf",
                   metadata={"mandate-id": mandate_id, "entity": mandate.entity_id,
                             "contact": mandate.contact_id or "", "text-sha256": digest})
    conn.execute(
        "UPDATE mandate SET status = 'signed', text_sha256 = %s, evidence_key = %s, signed_at = %s,"
        " signer_ip = %s, updated_at = now() WHERE id = %s", (digest, key, now, signer_ip, mandate_id))
    conn.execute("DELETE FROM mandate_otp WHERE mandate_id = %s", (mandate_id,))
    audit(conn, actor=actor, action="mandate.sign", object_type="mandate", object_id=mandate_id, ip=signer_ip,
          evidence_key=key, text_sha256=digest)
    log.info("mandate %s signed for entity %s (%d meters, %d accounts)", mandate_id, mandate.entity_id,
             len(mandate.meters), len(mandate.accounts))
    return get_mandate(conn, mandate_id)


def revoke(conn: Any, mandate_id: str, *, actor: str, ip: str | None = None, reason: str = "",
           now: datetime | None = None) -> Mandate:
    """Revoke a mandate: the gate refuses its meters and accounts from the next check on."""
    now = now or datetime.now(UTC)
    mandate = get_mandate(conn, mandate_id)
    if mandate.status == "revoked":
        return mandate
    conn.execute("UPDATE mandate SET status = 'revoked', revoked_at = %s, revocation_reason = %s,"
                 " updated_at = now() WHERE id = %s", (now, reason[:500], mandate_id))
    audit(conn, actor=actor, action="mandate.revoke", object_type="mandate", object_id=mandate_id, ip=ip,
          previous_status=mandate.status)
    queue_stop(conn, mandate_id, "revoked")  # operator side: SGE services, ADICT rights (access_stop)
    log.info("mandate %s revoked: collection of its %d meters and %d accounts stops", mandate_id,
             len(mandate.meters), len(mandate.accounts))
    return get_mandate(conn, mandate_id)


def expire_mandates(conn: Any, today: date) -> list[str]:
    """Mark signed mandates whose end date has passed as expired; return their ids."""
    rows = conn.execute("UPDATE mandate SET status = 'expired', updated_at = now()"
                        " WHERE status = 'signed' AND end_date < %s RETURNING id", (today,)).fetchall()
    for (mandate_id,) in rows:
        audit(conn, actor="gdpr_retention", action="mandate.expire", object_type="mandate", object_id=mandate_id)
        queue_stop(conn, mandate_id, "expired")
    return [r[0] for r in rows]


def send_expiry_reminders(conn: Any, mailer: Mailer, today: date,
                          link_for: Callable[[str], str] = lambda _c: "") -> list[str]:
    """E-mail the signatory of each signed mandate ending within 30 days (once); return mandate ids."""
    rows = conn.execute(
        "SELECT id, contact_id, signatory_email, end_date FROM mandate WHERE status = 'signed'"
        " AND reminder_sent_at IS NULL AND end_date >= %s AND end_date <= %s AND signatory_email IS NOT NULL",
        (today, today + timedelta(days=REMINDER_DAYS))).fetchall()
    for mandate_id, contact_id, email, end in rows:
        link = link_for(contact_id) if contact_id else ""
        mailer.send(email, f"Votre mandat {mandate_id} arrive à échéance le {end:%d/%m/%Y}",
                    f"Bonjour,\n\nLe mandat {mandate_id} d'accès à vos données d'énergie prend fin le "
                    f"{end:%d/%m/%Y}. Sans renouvellement, la collecte s'arrêtera à cette date.\n"
                    + (f"\nPour le renouveler : {link}\n" if link else ""))
        conn.execute("UPDATE mandate SET reminder_sent_at = now() WHERE id = %s", (mandate_id,))
        audit(conn, actor="gdpr_retention", action="mandate.reminder", object_type="mandate", object_id=mandate_id)
    return [r[0] for r in rows]
