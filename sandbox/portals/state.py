"""What the sandbox portals remember: accounts, failed logins, sessions, devices, pending codes."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.portals.accounts import SandboxAccount, default_accounts
from sandbox.portals.documents import DocumentStore
from sandbox.portals.mailbox import new_code, send_code


@dataclass
class Session:
    """A logged-in (or half logged-in) browser session."""

    portal: str
    login: str
    authenticated: bool = False
    contract: str | None = None
    last_seen: float = field(default_factory=time.monotonic)
    requests: int = 0
    pending_code: str | None = None


class LoginOutcome:
    """Results of a login attempt, named as the portals' pages say them."""

    OK, WRONG, LOCKED, MAINTENANCE, CODE_SENT = "ok", "wrong", "locked", "maintenance", "code_sent"
    CAPTCHA = "captcha"


class PortalState:
    """State shared by the three sandbox portals of one server."""

    def __init__(self, state_dir: Path, accounts: list[SandboxAccount] | None = None,
                 documents: DocumentStore | None = None, idle_timeout: float = 900.0) -> None:
        self.state_dir = Path(state_dir)
        self.maildir = self.state_dir / "mailbox"
        self.accounts = {(a.portal, a.login): a for a in (accounts or default_accounts())}
        self.documents = documents or DocumentStore()
        self.idle_timeout = idle_timeout
        self.failures = {key: (a.lock_after if a.scenario == "locked" else 0) for key, a in self.accounts.items()}
        self.sessions: dict[str, Session] = {}
        self.devices: dict[str, str] = {}  # device cookie -> login trusted on it
        self.maintenance: set[str] = set()  # portals answering 503 everywhere
        self.logins: dict[str, int] = {}  # successful logins per portal (tests, benchmark)
        self.downloads: dict[str, int] = {}  # documents served per portal (tests: a rerun downloads nothing)
        self._lock = threading.Lock()

    def account(self, portal: str, login: str) -> SandboxAccount | None:
        """The account with this login at this portal."""
        return self.accounts.get((portal, login.strip()))

    def add_account(self, account: SandboxAccount) -> None:
        """Add (or replace) an account while the server runs."""
        with self._lock:
            self.accounts[(account.portal, account.login)] = account
            self.failures[(account.portal, account.login)] = (
                account.lock_after if account.scenario == "locked" else 0)

    # -- login ----------------------------------------------------------------------------------
    def check_password(self, portal: str, login: str, password: str, device: str | None) -> str:
        """Check a password; count failures and lock the account after `lock_after` of them."""
        acc = self.account(portal, login)
        with self._lock:
            if acc is None:
                return LoginOutcome.WRONG
            key = (portal, acc.login)
            if self.failures[key] >= acc.lock_after:
                return LoginOutcome.LOCKED
            if not secrets.compare_digest(password.encode(), acc.password.encode()):
                self.failures[key] += 1
                return LoginOutcome.LOCKED if self.failures[key] >= acc.lock_after else LoginOutcome.WRONG
            self.failures[key] = 0
        if acc.scenario == "maintenance":
            return LoginOutcome.MAINTENANCE
        if acc.scenario == "captcha":
            return LoginOutcome.CAPTCHA
        if acc.scenario == "mfa" and self.devices.get(device or "") != acc.login:
            return LoginOutcome.CODE_SENT
        return LoginOutcome.OK

    def send_code(self, session: Session) -> None:
        """Mail a fresh one-time code for the session's login."""
        acc = self.accounts[(session.portal, session.login)]
        session.pending_code = new_code()
        send_code(self.maildir, portal=session.portal, login=acc.login, recipient=acc.email,
                  code=session.pending_code)

    def trust_device(self, login: str) -> str:
        """Remember a device after a correct one-time code; return its cookie value."""
        device = secrets.token_urlsafe(16)
        self.devices[device] = login
        return device

    def served(self, portal: str) -> None:
        """Count one document served by `portal`."""
        with self._lock:
            self.downloads[portal] = self.downloads.get(portal, 0) + 1

    # -- sessions -------------------------------------------------------------------------------
    def open_session(self, portal: str, login: str, *, authenticated: bool) -> str:
        """Create a session; return its cookie value."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self.sessions[token] = Session(portal, login, authenticated=authenticated)
            if authenticated:
                self.logins[portal] = self.logins.get(portal, 0) + 1
        return token

    def session(self, portal: str, token: str | None, *, authenticated: bool = True) -> Session | None:
        """The live session of this cookie, counting the request; None when absent or expired."""
        with self._lock:
            sess = self.sessions.get(token or "")
            if sess is None or sess.portal != portal or sess.authenticated != authenticated:
                return None
            acc = self.accounts[(portal, sess.login)]
            now = time.monotonic()
            expired = now - sess.last_seen > self.idle_timeout or (
                acc.scenario == "session_expiry" and sess.requests >= acc.session_requests)
            if expired:
                del self.sessions[token or ""]
                return None
            sess.last_seen, sess.requests = now, sess.requests + 1
            return sess

    def authenticate(self, token: str) -> None:
        """Mark a half-open session (after a one-time code) as logged in."""
        with self._lock:
            self.sessions[token].authenticated = True
            self.sessions[token].pending_code = None
            portal = self.sessions[token].portal
            self.logins[portal] = self.logins.get(portal, 0) + 1
