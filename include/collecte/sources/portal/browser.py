"""Debian's Chromium driven by Playwright: one browser per process, one context per account.

`playwright install` cannot work on these machines (it downloads browsers), so the browser is
the system's `/usr/bin/chromium`, passed as `executable_path`, with the flags verified in
STACK.md. Playwright is imported here, inside functions, never when a DAG file is parsed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

CHROMIUM = os.environ.get("COLLECTE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


@contextlib.contextmanager
def chromium(executable_path: str = CHROMIUM) -> Iterator[Any]:
    """A launched Chromium (playwright `Browser`), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable_path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def account_context(browser: Any, *, timeout_ms: int, navigation_timeout_ms: int) -> Iterator[Any]:
    """A fresh browser context (cookies, storage, downloads) for one account, closed on exit."""
    context = browser.new_context(accept_downloads=True, locale="fr-FR", timezone_id="Europe/Paris",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(timeout_ms)
    context.set_default_navigation_timeout(navigation_timeout_ms)
    try:
        yield context
    finally:
        context.close()
