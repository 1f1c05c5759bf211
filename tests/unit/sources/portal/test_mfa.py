"""One-time codes read from a Maildir folder, as the sandbox portals write them."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from collecte.sources.portal.mfa import MaildirOtpSource, otp_source
from sandbox.portals.mailbox import send_code

pytestmark = pytest.mark.timeout(30)


def test_code_for_the_login_is_read_once(tmp_path):
    since = datetime.now(UTC) - timedelta(seconds=1)
    send_code(tmp_path, portal="volta", login="V-200005", recipient="a@x.example", code="042917")
    send_code(tmp_path, portal="volta", login="V-OTHER", recipient="b@x.example", code="111111")
    source = MaildirOtpSource(tmp_path)

    # the login's own digits (200005) are not mistaken for the code
    assert source.wait_for_code(login="V-200005", sender_domain="volta.example", since=since, timeout=1) == "042917"
    assert source.wait_for_code(login="V-200005", sender_domain="volta.example", since=since, timeout=0) is None


def test_old_codes_and_other_senders_are_ignored(tmp_path):
    send_code(tmp_path, portal="azur", login="V-1", recipient="a@x.example", code="123456")
    source = MaildirOtpSource(tmp_path)
    assert source.wait_for_code(login="V-1", sender_domain="volta.example",
                                since=datetime.now(UTC) - timedelta(seconds=5), timeout=0) is None
    assert source.wait_for_code(login="V-1", sender_domain="azur.example",
                                since=datetime.now(UTC) + timedelta(minutes=5), timeout=0) is None


def test_waits_until_the_code_arrives(tmp_path):
    import threading

    since = datetime.now(UTC)
    threading.Timer(0.3, send_code, kwargs={"maildir": tmp_path, "portal": "volta", "login": "V-9",
                                            "recipient": "a@x.example", "code": "987654"}).start()
    started = time.monotonic()
    code = MaildirOtpSource(tmp_path, poll_interval=0.05).wait_for_code(
        login="V-9", sender_domain="volta.example", since=since, timeout=5)
    assert code == "987654" and time.monotonic() - started < 3


def test_mailbox_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("COLLECTE_TEST_MAILDIR", str(tmp_path))
    assert isinstance(otp_source("maildir:${COLLECTE_TEST_MAILDIR}"), MaildirOtpSource)
    assert otp_source(None) is None
    monkeypatch.delenv("COLLECTE_TEST_MAILDIR")
    assert otp_source("maildir:${COLLECTE_TEST_MAILDIR}") is None  # unset: codes cannot be read
    with pytest.raises(NotImplementedError):
        otp_source("imap://ops_mailbox")
    with pytest.raises(ValueError):
        otp_source("pop3://x")
