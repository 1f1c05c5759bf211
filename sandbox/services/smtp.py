"""The sandbox SMTP server: a real SMTP listener on 127.0.0.1 that delivers into a Maildir.

Airflow's SmtpNotifier (and any SMTP client) sends to it exactly as to a production relay; tests
and the demo then read the Maildir (`mailbox.Maildir`). aiosmtpd is the maintained asyncio SMTP
server (Python's `smtpd` is gone from 3.12). Run alone: `python -m sandbox.services.smtp --port P --maildir DIR`.
"""

from __future__ import annotations

import argparse
import mailbox
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from sandbox.services.common import ensure_port_free, port_in_use, wait_until


class MaildirHandler:
    """aiosmtpd handler: every accepted message goes into the Maildir (with its envelope recipients)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        if not msg["To"]:
            msg["To"] = ", ".join(envelope.rcpt_tos)
        msg["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self._lock:
            box = mailbox.Maildir(str(self.folder), create=True)
            try:
                box.add(msg)
            finally:
                box.close()
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    """An SMTP server in a thread of this process, delivering into `maildir`."""

    port: int
    maildir: Path
    _controller: Any = field(default=None, repr=False)

    def start(self) -> SmtpServer:
        """Listen on 127.0.0.1:port; wait until it answers."""
        from aiosmtpd.controller import Controller

        ensure_port_free("smtp (sandbox)", self.port)
        self._controller = Controller(MaildirHandler(self.maildir), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        wait_until("smtp (sandbox)", lambda: port_in_use(self.port), timeout=10)
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[Any]:
        """Every delivered message (email.message.EmailMessage), oldest first."""
        box = mailbox.Maildir(str(self.maildir), create=True)
        found = [(box.get_message(k).get_date(), message_from_bytes(box.get_bytes(k), policy=policy.default))
                 for k in box.iterkeys()]
        return [m for _, m in sorted(found, key=lambda pair: pair[0])]


def main() -> None:
    """Run the server in the foreground (the demo's launcher)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", type=Path, required=True)
    args = parser.parse_args()
    server = SmtpServer(args.port, args.maildir).start()
    try:
        threading.Event().wait()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
