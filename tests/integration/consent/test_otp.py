"""One-time codes (issue #11.4): one attempt budget per mandate across resends, resends limited,
parallel confirmations serialized by a row lock (tested with real parallel requests)."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest

from collecte.consent.mailer import MaildirMailer
from collecte.consent.mandates import (
    MAX_ATTEMPTS,
    MAX_SENDS,
    RESEND_INTERVAL,
    MandateError,
    confirm_code,
    draft_mandate,
    send_code,
)
from collecte.warehouse.db import connect
from tests.integration.consent.conftest import SECRET, TODAY, contact_browser

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _draft(conn) -> str:
    return draft_mandate(conn, entity_id="filiale-sud", contact_id="contact-sud", start=TODAY,
                         actor="contact-sud").id


def _last_code(mailbox_dir) -> str:
    body = MaildirMailer(mailbox_dir).messages_to("karim.benali@demo-sud.example")[-1].get_content()
    return re.search(r"\b(\d{6})\b", body).group(1)


def test_a_resend_does_not_give_new_attempts(seeded, mailbox_dir):
    pg_url, _, _ = seeded
    mailer = MaildirMailer(mailbox_dir)
    with connect(pg_url) as conn:
        mandate_id = _draft(conn)
        send_code(conn, mailer, mandate_id, secret=SECRET, actor="c", now=T0)
        for _ in range(MAX_ATTEMPTS - 1):
            with pytest.raises(MandateError, match="wrong code"):
                confirm_code(conn, mandate_id, "abcdef", secret=SECRET, actor="c", now=T0)
        send_code(conn, mailer, mandate_id, secret=SECRET, actor="c", now=T0 + RESEND_INTERVAL)
        with pytest.raises(MandateError, match="wrong code"):
            confirm_code(conn, mandate_id, "abcdef", secret=SECRET, actor="c", now=T0 + RESEND_INTERVAL)
        fresh = _last_code(mailbox_dir)
        with pytest.raises(MandateError, match="too many attempts"):  # even the right code, budget spent
            confirm_code(conn, mandate_id, fresh, secret=SECRET, actor="c", now=T0 + RESEND_INTERVAL)
        with pytest.raises(MandateError, match="too many attempts"):
            send_code(conn, mailer, mandate_id, secret=SECRET, actor="c", now=T0 + 3 * RESEND_INTERVAL)
        assert conn.execute("SELECT attempts, sends FROM mandate_otp WHERE mandate_id = %s",
                            (mandate_id,)).fetchone() == (MAX_ATTEMPTS, 2)


def test_resends_are_spaced_and_counted(seeded, mailbox_dir):
    pg_url, _, _ = seeded
    mailer = MaildirMailer(mailbox_dir)
    with connect(pg_url) as conn:
        mandate_id = _draft(conn)
        send_code(conn, mailer, mandate_id, secret=SECRET, actor="c", now=T0)
        with pytest.raises(MandateError, match="wait"):
            send_code(conn, mailer, mandate_id, secret=SECRET, actor="c", now=T0 + timedelta(seconds=5))
        for n in range(1, MAX_SENDS):
            send_code(conn, mailer, mandate_id, secret=SECRET, actor="c", now=T0 + n * RESEND_INTERVAL)
        with pytest.raises(MandateError, match="too many codes"):
            send_code(conn, mailer, mandate_id, secret=SECRET, actor="c", now=T0 + 10 * RESEND_INTERVAL)
    assert len(MaildirMailer(mailbox_dir).messages_to("karim.benali@demo-sud.example")) == MAX_SENDS


def test_parallel_confirmations_cannot_pass_the_budget(consent_app):
    base_url, settings = consent_app
    browser = contact_browser(base_url, settings.warehouse_url, "contact-sud")
    browser.get("/me")
    created = browser.post("/me/entities/filiale-sud/mandates")
    mandate_id = created.headers["location"].rsplit("/", 1)[1]
    browser.get(f"/me/mandates/{mandate_id}")
    assert browser.post(f"/me/mandates/{mandate_id}/send-code").status_code == 303
    browser.get(f"/me/mandates/{mandate_id}/confirm")
    parallel = 24
    start = threading.Barrier(parallel)
    answers: list[str] = []

    def attempt() -> None:
        start.wait(timeout=30)
        response = browser.http.post(f"/me/mandates/{mandate_id}/confirm",
                                     data={"code": "abcdef", "csrf_token": browser.last_csrf})
        answers.append("wrong" if "wrong code" in response.text else
                       "budget" if "too many attempts" in response.text else f"{response.status_code}")

    threads = [threading.Thread(target=attempt) for _ in range(parallel)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(set(answers)) == ["budget", "wrong"] and len(answers) == parallel
    assert answers.count("wrong") == MAX_ATTEMPTS
    with connect(settings.warehouse_url) as conn:
        assert conn.execute("SELECT attempts FROM mandate_otp WHERE mandate_id = %s",
                            (mandate_id,)).fetchone()[0] == MAX_ATTEMPTS
        assert conn.execute("SELECT count(*) FROM audit_log WHERE action = 'mandate.code_rejected'"
                            " AND object_id = %s", (mandate_id,)).fetchone()[0] == MAX_ATTEMPTS
