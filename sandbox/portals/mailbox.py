"""The sandbox mailbox: a Maildir folder the portals write one-time codes to.

Production would deliver these mails to a real mailbox read over IMAP; a Maildir keeps the
sandbox on the local disk with the standard library only (`mailbox.Maildir`).
"""

from __future__ import annotations

import mailbox
import secrets
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path


def new_code() -> str:
    """A six-digit one-time code."""
    return f"{secrets.randbelow(1_000_000):06d}"


def send_code(maildir: Path, *, portal: str, login: str, recipient: str, code: str) -> None:
    """Deliver the mail carrying `code` for `login` to the sandbox Maildir."""
    for sub in ("tmp", "new", "cur"):  # an existing empty folder becomes a Maildir too
        (Path(maildir) / sub).mkdir(parents=True, exist_ok=True)
    box = mailbox.Maildir(str(maildir), create=True)
    msg = EmailMessage()
    msg["From"] = f"no-reply@{portal}.example"
    msg["To"] = recipient
    msg["Subject"] = f"{portal.capitalize()} : votre code de connexion"
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = make_msgid(domain=f"{portal}.example")
    msg.set_content(
        f"Bonjour,\n\nUne connexion depuis un nouvel appareil a été demandée pour l'identifiant {login}.\n"
        f"Votre code de vérification : {code}\n\nIl est valable 10 minutes.\n")
    box.add(msg)
    box.close()
