"""Per-account collection status: the vocabulary, which statuses are worth a retry, and the record
kept in the warehouse (`account_status`: latest state per road; `account_attempt`: every attempt).

An account collected by two roads of its supplier (portal and API) has one latest state per road:
`road` is the road's task group in the supplier DAG ('portal', 'api'), '' outside a DAG."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class AccountStatus(StrEnum):
    """Outcome of one collection attempt on one supplier account."""

    OK = "OK"
    NO_NEW_DOCUMENTS = "NO_NEW_DOCUMENTS"
    LOGIN_FAILED = "LOGIN_FAILED"
    ACCOUNT_LOCKED = "ACCOUNT_LOCKED"
    MFA_REQUIRED = "MFA_REQUIRED"
    CAPTCHA_REQUIRED = "CAPTCHA_REQUIRED"
    SITE_DOWN = "SITE_DOWN"
    LAYOUT_CHANGED = "LAYOUT_CHANGED"
    NO_CONSENT = "NO_CONSENT"

    @property
    def succeeded(self) -> bool:
        """The account was collected (with or without new documents)."""
        return self in (AccountStatus.OK, AccountStatus.NO_NEW_DOCUMENTS)

    @property
    def retryable(self) -> bool:
        """Only a site that is down may get better by itself; the others need a person."""
        return self is AccountStatus.SITE_DOWN


def record_account_status(conn: Any, *, source: str, account_id: str, status: AccountStatus | str,
                          message: str = "", new_documents: int = 0, evidence_key: str | None = None,
                          run_id: str | None = None, at: datetime | None = None, road: str = "") -> None:
    """Record one attempt and update the account's latest state (in a transaction of its own, or a
    savepoint of the caller's, which then commits).

    `message` must not carry credentials: it is shown in the UI and kept in the warehouse.
    """
    status = AccountStatus(status)
    at = at or datetime.now(UTC)
    success = at if status.succeeded else None
    with conn.transaction():
        conn.execute(
            "INSERT INTO account_attempt (source, account_id, road, attempted_at, status, message, new_documents,"
            " run_id, evidence_key) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (source, account_id, road, at, status.value, message[:2000], new_documents, run_id, evidence_key))
        conn.execute(
            "INSERT INTO account_status (source, account_id, road, status, message, last_attempt, last_success,"
            " consecutive_failures, new_documents, evidence_key)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (source, account_id, road) DO UPDATE SET status = EXCLUDED.status,"
            " message = EXCLUDED.message, last_attempt = EXCLUDED.last_attempt,"
            " last_success = COALESCE(EXCLUDED.last_success, account_status.last_success),"
            " consecutive_failures = CASE WHEN EXCLUDED.last_success IS NULL"
            "   THEN account_status.consecutive_failures + 1 ELSE 0 END,"
            " new_documents = EXCLUDED.new_documents, evidence_key = EXCLUDED.evidence_key",
            (source, account_id, road, status.value, message[:2000], at, success,
             0 if status.succeeded else 1, new_documents, evidence_key))


def account_statuses(conn: Any, source: str, road: str | None = None) -> dict[Any, dict[str, Any]]:
    """Latest state of the accounts of `source`: account id -> row for one `road`, or
    (account id, road) -> row for every road when `road` is None."""
    cur = conn.execute(
        "SELECT account_id, road, status, message, last_attempt, last_success, consecutive_failures, new_documents,"
        " evidence_key FROM account_status WHERE source = %s AND (%s::text IS NULL OR road = %s)"
        " ORDER BY account_id, road", (source, road, road))
    names = [c.name for c in cur.description]
    rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    if road is not None:
        return {row["account_id"]: row for row in rows}
    return {(row["account_id"], row["road"]): row for row in rows}


BLOCKED_LOGINS = (AccountStatus.LOGIN_FAILED.value, AccountStatus.ACCOUNT_LOCKED.value,
                  AccountStatus.CAPTCHA_REQUIRED.value)


def failed_logins_in_a_row(conn: Any, *, source: str, account_id: str, limit: int, road: str = "") -> int:
    """How many of the account's last `limit` attempts on `road` were refused or challenged logins
    (LOGIN_FAILED, ACCOUNT_LOCKED, CAPTCHA_REQUIRED): trying again would only make the site lock it."""
    rows = conn.execute(
        "SELECT status FROM account_attempt WHERE source = %s AND account_id = %s AND road = %s"
        " ORDER BY attempted_at DESC LIMIT %s", (source, account_id, road, limit)).fetchall()
    count = 0
    for (status,) in rows:
        if status not in BLOCKED_LOGINS:
            break
        count += 1
    return count
