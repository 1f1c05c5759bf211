"""Failures of a portal or supplier API, each carrying the account status it means."""

from __future__ import annotations

from collecte.errors import NonRetryableError, TransientError
from collecte.sources.portal.status import AccountStatus


class CollectionError(Exception):
    """A collection attempt that ended in a non-OK account status; the message says why."""

    status: AccountStatus = AccountStatus.SITE_DOWN

    def __init__(self, message: str, *, evidence_key: str | None = None) -> None:
        super().__init__(message)
        self.evidence_key = evidence_key


class LoginFailed(CollectionError, NonRetryableError):
    """The site refused the credentials (not retried: the account is flagged)."""

    status = AccountStatus.LOGIN_FAILED


class AccountLocked(CollectionError, NonRetryableError):
    """The site locked the account (too many failed logins); a person must unlock it."""

    status = AccountStatus.ACCOUNT_LOCKED


class MfaRequired(CollectionError, NonRetryableError):
    """The site asks for a one-time code the gateway may not or could not read."""

    status = AccountStatus.MFA_REQUIRED


class CaptchaRequired(CollectionError, NonRetryableError):
    """The site shows a CAPTCHA or bot challenge: collecte never solves one; a person must act."""

    status = AccountStatus.CAPTCHA_REQUIRED


class SiteDown(CollectionError, TransientError):
    """Maintenance page, HTTP 5xx, refused connection or timeout: worth a retry later."""

    status = AccountStatus.SITE_DOWN


class LayoutChanged(CollectionError, NonRetryableError):
    """An element the gateway relies on is gone: the site changed; evidence is saved."""

    status = AccountStatus.LAYOUT_CHANGED


class SessionExpired(Exception):
    """The site ended the session mid-run; the gateway logs in again and resumes (internal)."""
