"""The base portal gateway: everything a supplier's page module does not need to know.

A gateway logs into one customer account in a fresh browser context, lists the invoices of the
run's interval, fetches those not collected yet (and the site's exports), and hands each document
to a callback as soon as it is fetched, so what was fetched before a failure is kept. Failures
become account statuses (see `errors`): the page's screenshot and HTML go to `debug/`.

A supplier module subclasses `PortalGateway` and writes only its navigation: `login`,
`list_invoices`, `fetch_invoice` and optionally `fetch_exports`, with the helpers below
(`goto`, `expect`, `fetch_bytes`, `download`, `one_time_code`), which classify what goes wrong.
One gateway instance serves one account at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from collecte.sources.portal.challenge import challenge_on
from collecte.sources.portal.errors import (
    CaptchaRequired,
    CollectionError,
    LayoutChanged,
    MfaRequired,
    SessionExpired,
    SiteDown,
)
from collecte.sources.portal.evidence import save_evidence
from collecte.sources.portal.masking import mask_text
from collecte.sources.portal.mfa import OtpSource
from collecte.sources.portal.models import CollectionResult, Credentials, FetchedDocument, InvoiceRef
from collecte.sources.portal.status import AccountStatus

log = logging.getLogger(__name__)
T = TypeVar("T")


# answers that mean 'come back later', whatever the page shows (besides 5xx)
TRANSIENT_PAGE_STATUSES = frozenset({408, 429})

class PortalGateway:
    """Browser lifecycle, timeouts, downloads, session recovery and status classification."""

    code: ClassVar[str] = ""
    sender_domain: ClassVar[str] = ""  # domain the portal mails one-time codes from
    max_relogins: ClassVar[int] = 2  # per step: a session that dies before any progress is a site problem

    def __init__(self, base_url: str, *, timeout_ms: int = 10_000, navigation_timeout_ms: int = 30_000,
                 otp_source: OtpSource | None = None, otp_timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_ms = timeout_ms
        self.navigation_timeout_ms = navigation_timeout_ms
        self.otp_source = otp_source
        self.otp_timeout = otp_timeout
        self._main_status: int | None = None
        self._main_failure: str | None = None

    # -- what a supplier module writes ---------------------------------------------------------
    def login(self, page: Any, credentials: Credentials) -> None:
        """Log in; raise LoginFailed / AccountLocked / MfaRequired / SiteDown / LayoutChanged."""
        raise NotImplementedError

    def list_invoices(self, page: Any, first: date, last: date) -> list[InvoiceRef]:
        """Invoices the site lists (at least those dated within [first, last])."""
        raise NotImplementedError

    def fetch_invoice(self, page: Any, ref: InvoiceRef) -> FetchedDocument:
        """The PDF of one listed invoice; raise SessionExpired if the site logged us out."""
        raise NotImplementedError

    def fetch_exports(self, page: Any, first: date, last: date, known: Collection[str]) -> list[FetchedDocument]:
        """Other documents covering [first, last] (e.g. consumption CSV), skipping `known` export ids."""
        return []

    # -- helpers for supplier modules ----------------------------------------------------------
    def url(self, path: str) -> str:
        """Absolute URL of a site path."""
        return path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"

    def goto(self, page: Any, path: str) -> Any:
        """Open a page; a 5xx answer, a refused connection or a timeout mean the site is down."""
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            response = page.goto(self.url(path), wait_until="domcontentloaded")
        except PlaywrightTimeout:
            raise SiteDown(f"{path}: no answer within {self.navigation_timeout_ms / 1000:g} s") from None
        except PlaywrightError as exc:
            raise SiteDown(f"{path}: {str(exc).splitlines()[0]}") from None
        self.raise_if_challenged(page)  # before the status: a bot challenge often comes as a 403 or 503
        self.raise_if_down(page, response.status if response else None)
        return response

    def raise_if_challenged(self, page: Any) -> None:
        """Raise CaptchaRequired if the page shows a visible CAPTCHA or bot challenge (never solved)."""
        challenge = challenge_on(page)
        if challenge:
            raise CaptchaRequired(f"{challenge} shown on {page.url.split('?', 1)[0]}: a person must log in "
                                  "once by hand, or ask the supplier for API access or an allow-list")

    def raise_if_down(self, page: Any, status: int | None = None) -> None:
        """Raise SiteDown if the page shown is an HTTP 5xx, 429 or 408 answer (maintenance page, throttling)
        or arrived cut short: a fault of the site or the network, never a changed layout."""
        status = status if status is not None else self._main_status
        failure = self._main_failure
        if failure:
            self._main_failure = None
            raise SiteDown(f"page {page.url.split('?', 1)[0]} did not arrive whole ({failure})")
        if status is not None and (status >= 500 or status in TRANSIENT_PAGE_STATUSES):
            title = page.title() if page else ""
            raise SiteDown(f"HTTP {status} on {page.url.split('?', 1)[0]}" + (f" ({title})" if title else ""))

    def submit(self, page: Any, selector: str) -> None:
        """Click a submit button and wait for the page it leads to."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            with page.expect_navigation(wait_until="domcontentloaded"):
                page.click(selector)
        except PlaywrightTimeout:
            raise SiteDown(f"no answer within {self.navigation_timeout_ms / 1000:g} s after submitting "
                           f"{selector!r}") from None
        self.raise_if_challenged(page)
        self.raise_if_down(page)

    def expect(self, page: Any, selector: str, what: str, timeout_ms: int | None = None) -> Any:
        """The element the page must show; if it never shows, the layout changed (or the site is down)."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            page.wait_for_selector(selector, state="attached", timeout=timeout_ms or self.timeout_ms)
        except PlaywrightTimeout:
            self.raise_if_challenged(page)
            self.raise_if_down(page)
            raise LayoutChanged(f"{what}: {selector!r} not found on {page.url.split('?', 1)[0]}") from None
        return page.locator(selector)

    def rows(self, page: Any, selector: str, script: str, what: str, fields: tuple[str, ...]) -> list[dict]:
        """Read list rows with `script` (null for a missing cell); a row missing a field is a layout change."""
        found = page.locator(selector).evaluate_all(script)
        for row in found:
            missing = [f for f in fields if not row.get(f)]
            if missing:
                raise LayoutChanged(f"{what}: a row has no {', '.join(missing)} ({selector!r} on "
                                    f"{page.url.split('?', 1)[0]})")
        return found

    def fetch_bytes(self, page: Any, path: str, *, content_type: str = "application/pdf") -> bytes:
        """GET a document with the session's cookies (a PDF link would open Chromium's viewer)."""
        from playwright.sync_api import Error as PlaywrightError

        try:
            response = page.context.request.get(self.url(path), timeout=self.navigation_timeout_ms)
        except PlaywrightError as exc:
            raise SiteDown(f"{path}: {str(exc).splitlines()[0]}") from None
        if response.status >= 500 or response.status in TRANSIENT_PAGE_STATUSES:
            raise SiteDown(f"HTTP {response.status} on {path}")
        if response.status in (401, 403) or content_type not in response.headers.get("content-type", ""):
            raise SessionExpired(f"{path}: got {response.headers.get('content-type')} (HTTP {response.status})")
        return response.body()

    def download(self, page: Any, click: Callable[[], None]) -> tuple[bytes, str]:
        """Bytes and suggested name of the download `click` starts (a button, not a link)."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            with page.expect_download(timeout=self.navigation_timeout_ms) as info:
                click()
        except PlaywrightTimeout:
            self.raise_if_down(page)
            raise SiteDown(f"no download started within {self.navigation_timeout_ms / 1000:g} s") from None
        download = info.value
        failure = download.failure()
        if failure:
            raise SiteDown(f"download of {download.suggested_filename!r} failed: {failure}")
        return Path(download.path()).read_bytes(), download.suggested_filename

    def one_time_code(self, login: str, since: datetime) -> str:
        """The code mailed to the account, or MfaRequired when it may not or cannot be read."""
        if self.otp_source is None:
            raise MfaRequired("the site asks for a one-time code and this account has no mfa_mailbox "
                              "the gateway may read: log in once by hand from the collection machine, "
                              "or set mfa_mailbox in the account's config")
        code = self.otp_source.wait_for_code(login=login, sender_domain=self.sender_domain, since=since,
                                             timeout=self.otp_timeout)
        if code is None:
            raise MfaRequired(f"no one-time code arrived in the mailbox within {self.otp_timeout:g} s")
        return code

    # -- the driver ----------------------------------------------------------------------------
    def _watch(self, page: Any) -> None:
        def on_response(response: Any) -> None:
            if response.request.is_navigation_request() and response.frame == page.main_frame:
                self._main_status = response.status
                self._main_failure = None

        def on_request_failed(request: Any) -> None:  # e.g. net::ERR_CONTENT_LENGTH_MISMATCH: a page cut short
            if request.is_navigation_request() and request.frame == page.main_frame:
                self._main_failure = request.failure

        page.on("response", on_response)
        page.on("requestfailed", on_request_failed)

    def _with_relogin(self, page: Any, credentials: Credentials, result: CollectionResult,
                      step: Callable[[], T]) -> T:
        attempts = 0
        while True:
            try:
                return step()
            except SessionExpired as exc:
                attempts += 1
                if attempts > self.max_relogins:
                    raise SiteDown(f"the session expired {attempts} times on the same step: {exc}") from None
                result.relogins += 1
                log.info("%s: session expired (%s); logging in again", self.code, exc)
                self.login(page, credentials)

    def collect(self, browser: Any, credentials: Credentials, *, account: str, first: date, last: date,
                known_numbers: Collection[str] = (), known_exports: Collection[str] = (),
                on_document: Callable[[FetchedDocument], None] | None = None,
                evidence_zone: Any = None, with_exports: bool = True) -> CollectionResult:
        """Collect one account for the invoice dates [first, last]; raise CollectionError on failure.

        Each fetched document is passed to `on_document` at once (e.g. landed in the raw zone).
        With `evidence_zone` (a RawZone), failures leave a screenshot and the HTML in `debug/`.
        """
        from playwright.sync_api import Error as PlaywrightError

        from collecte.sources.portal.browser import account_context

        result = CollectionResult()

        def keep(doc: FetchedDocument) -> None:
            result.documents.append(doc)
            if on_document is not None:
                on_document(doc)

        with account_context(browser, timeout_ms=self.timeout_ms,
                             navigation_timeout_ms=self.navigation_timeout_ms) as context:
            page = context.new_page()
            self._watch(page)
            try:
                self.login(page, credentials)
                listed = self._with_relogin(page, credentials, result, lambda: self.list_invoices(page, first, last))
                wanted = [ref for ref in listed if first <= ref.invoice_date <= last]
                result.listed = len(wanted)
                todo = [ref for ref in wanted if ref.number not in known_numbers]
                result.skipped_known = len(wanted) - len(todo)
                result.known_listed = [ref.number for ref in wanted if ref.number in known_numbers]
                for ref in todo:
                    keep(self._with_relogin(page, credentials, result, lambda ref=ref: self.fetch_invoice(page, ref)))
                if with_exports:
                    for doc in self._with_relogin(page, credentials, result,
                                                  lambda: self.fetch_exports(page, first, last, known_exports)):
                        keep(doc)
            except CollectionError as exc:
                self._evidence(evidence_zone, page, account, exc, credentials)
                raise
            except PlaywrightError as exc:  # an unforeseen browser failure: classify it, keep evidence
                first_line = mask_text(str(exc).splitlines()[0], (credentials.password,))
                error = SiteDown(f"browser error: {first_line}")
                self._evidence(evidence_zone, page, account, error, credentials)
                raise error from None
        result.status = AccountStatus.OK if result.documents else AccountStatus.NO_NEW_DOCUMENTS
        result.message = result.summary()
        return result

    def _evidence(self, zone: Any, page: Any, account: str, exc: CollectionError, credentials: Credentials) -> None:
        if zone is None:
            return
        exc.evidence_key = save_evidence(zone, page, source=self.code, account=account, status=exc.status.value,
                                         secrets=(credentials.password,))
        if exc.evidence_key:
            log.warning("%s/%s: %s - evidence saved to %s.png and .html", self.code, account, exc.status.value,
                        exc.evidence_key)
