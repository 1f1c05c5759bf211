"""Sending e-mail (one-time codes, expiry reminders) to the customers' contacts.

`MaildirMailer` writes each message into a Maildir folder (the sandbox mailbox, read by tests
and by the demo); `SmtpMailer` sends through an SMTP server, built from an Airflow `smtp`
connection in production. Both use the standard library (`mailbox`, `smtplib`): nothing more is
needed for plain-text messages.
"""

from __future__ import annotations

import email
import mailbox
import smtplib
import ssl
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any, Protocol

DEFAULT_SENDER = "collecte <no-reply@collecte.local>"


class Mailer(Protocol):
    """Anything that can send one plain-text message and return its Message-ID."""

    def send(self, to: str, subject: str, body: str) -> str:
        """Send one message; return its Message-ID."""
        ...


def _message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="collecte.local")
    msg.set_content(body)
    return msg


@dataclass
class MaildirMailer:
    """Delivers into a local Maildir (the sandbox mailbox)."""

    folder: Path
    sender: str = DEFAULT_SENDER

    def send(self, to: str, subject: str, body: str) -> str:
        """Add the message to the Maildir's `new/` folder."""
        msg = _message(self.sender, to, subject, body)
        box = mailbox.Maildir(self.folder, create=True)
        try:
            box.add(msg)
        finally:
            box.close()
        return str(msg["Message-ID"])

    def messages_to(self, address: str) -> list[EmailMessage]:
        """Messages delivered to `address`, oldest first (for the demo and tests)."""
        box = mailbox.Maildir(self.folder, create=True)
        found = []
        for key in box.iterkeys():
            msg = email.message_from_bytes(box.get_bytes(key), policy=policy.default)
            if address.lower() in str(msg["To"]).lower():
                found.append((box.get_message(key).get_date(), msg))
        return [m for _, m in sorted(found, key=lambda pair: pair[0])]


@dataclass
class SmtpMailer:
    """Sends through SMTP (STARTTLS when `starttls`, implicit TLS when `ssl_tls`)."""

    host: str
    port: int = 587
    login: str | None = None
    password: str | None = None
    starttls: bool = True
    ssl_tls: bool = False
    sender: str = DEFAULT_SENDER
    timeout: float = 30.0

    def send(self, to: str, subject: str, body: str) -> str:
        """Send one message."""
        msg = _message(self.sender, to, subject, body)
        context = ssl.create_default_context()
        smtp_class = smtplib.SMTP_SSL if self.ssl_tls else smtplib.SMTP
        kwargs = {"context": context} if self.ssl_tls else {}
        with smtp_class(self.host, self.port, timeout=self.timeout, **kwargs) as smtp:
            if self.starttls and not self.ssl_tls:
                smtp.starttls(context=context)
            if self.login:
                smtp.login(self.login, self.password or "")
            smtp.send_message(msg)
        return str(msg["Message-ID"])

    @classmethod
    def from_connection(cls, conn: Any) -> SmtpMailer:
        """An SmtpMailer from an Airflow `smtp` connection object (extra: from_email, disable_tls, disable_ssl)."""
        extra = conn.extra_dejson
        disable_ssl = bool(extra.get("disable_ssl", True))
        return cls(host=conn.host or "localhost", port=int(conn.port or 587), login=conn.login or None,
                   password=conn.password or None, starttls=not extra.get("disable_tls", False) and disable_ssl,
                   ssl_tls=not disable_ssl, sender=extra.get("from_email") or DEFAULT_SENDER)
