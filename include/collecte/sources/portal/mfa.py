"""One-time codes sent by portals on a login from a new device, read from a mailbox.

The account's config says where the gateway may read them (`mfa_mailbox`); without it the
gateway stops with MFA_REQUIRED. Supported locations:

- ``maildir:<path>`` - a Maildir folder (standard library `mailbox.Maildir`), what the sandbox
  portals write to; ``$VARS`` in the path are expanded at run time.
- ``imap://<conn_id>`` - production: an IMAP mailbox whose credentials are an Airflow connection.
  Not implemented yet: it would poll `imaplib.IMAP4_SSL` with the same matching rules (unseen
  messages from the supplier, after the login, naming the login) and mark the one used as seen.
"""

from __future__ import annotations

import email.policy
import logging
import mailbox
import os
import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)
_CODE = re.compile(r"(?i)\bcode\b\D{0,40}?(?<!\d)(\d{4,8})(?!\d)")  # the digits after the word "code"


class OtpSource(Protocol):
    """Somewhere a one-time code can be waited for."""

    def wait_for_code(self, *, login: str, sender_domain: str, since: datetime, timeout: float) -> str | None:
        """The code mailed for `login` by `sender_domain` after `since`, or None after `timeout` s."""
        ...


class MaildirOtpSource:
    """Reads codes from a Maildir folder; a code used is marked seen and never returned twice."""

    def __init__(self, path: Path | str, poll_interval: float = 0.2) -> None:
        self.path = Path(path)
        self.poll_interval = poll_interval

    def _find(self, login: str, sender_domain: str, since: datetime) -> str | None:
        if not all((self.path / sub).is_dir() for sub in ("new", "cur")):
            return None  # nothing delivered yet
        box = mailbox.Maildir(str(self.path), factory=None, create=False)
        try:
            best: tuple[datetime, str, str] | None = None
            for key, msg in box.iteritems():
                if "S" in msg.get_flags():
                    continue
                sender = str(msg.get("From", ""))
                sent = parsedate_to_datetime(str(msg.get("Date"))) if msg.get("Date") else None
                if not sender.lower().endswith(f"@{sender_domain.lower()}") or sent is None:
                    continue
                if sent < since - timedelta(seconds=2):
                    continue
                body = email.message_from_bytes(bytes(msg), policy=email.policy.default)
                part = body.get_body(preferencelist=("plain",))
                text = part.get_content() if part is not None else ""
                found = _CODE.search(text)
                if found and login.lower() in text.lower() and (best is None or sent > best[0]):
                    best = (sent, key, found.group(1))
            if best is None:
                return None
            msg = box[best[1]]
            msg.set_subdir("cur")
            msg.add_flag("S")
            box[best[1]] = msg
            return best[2]
        finally:
            box.close()

    def wait_for_code(self, *, login: str, sender_domain: str, since: datetime, timeout: float) -> str | None:
        """Poll the folder until a matching unseen code arrives or `timeout` seconds pass."""
        deadline = time.monotonic() + timeout
        while True:
            code = self._find(login, sender_domain, since)
            if code is not None or time.monotonic() >= deadline:
                return code
            time.sleep(self.poll_interval)


def otp_source(location: str | None) -> OtpSource | None:
    """The OtpSource of an account's `mfa_mailbox` setting (None: the gateway may not read codes)."""
    if not location:
        return None
    scheme, _, rest = location.partition(":")
    if scheme == "maildir" and rest:
        path = os.path.expandvars(rest.removeprefix("//"))
        if "$" in path:
            log.warning("mfa_mailbox %r names an unset environment variable: one-time codes cannot be read",
                        location)
            return None
        return MaildirOtpSource(path)
    if scheme == "imap":
        raise NotImplementedError("mfa_mailbox imap:// is not implemented yet (see collecte.sources.portal.mfa)")
    raise ValueError(f"mfa_mailbox {location!r}: expected maildir:<path> or imap://<conn_id>")


def utcnow() -> datetime:
    """Now, in UTC (the instant a login is submitted; codes older than it are ignored)."""
    return datetime.now(UTC)
