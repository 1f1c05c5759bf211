"""Evidence of a failed collection: the page's screenshot and HTML, in the bucket's `debug/` prefix.

Keys: ``debug/source=<code>/account=<id>/<UTC timestamp>-<STATUS>.png`` and ``.html``. The HTML
is the DOM as rendered; any occurrence of the account's password is masked before it is stored.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)


def save_evidence(raw_zone: Any, page: Any, *, source: str, account: str, status: str,
                  secrets: tuple[str, ...] = ()) -> str | None:
    """Store a screenshot and the HTML of `page`; return the common key prefix (None if it failed)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    base = f"debug/source={source}/account={account}/{stamp}-{status}"
    try:
        html = page.content()
        for secret in secrets:
            if secret:
                html = html.replace(secret, "***")
        raw_zone.put(base + ".html", html.encode("utf-8"), content_type="text/html; charset=utf-8",
                     metadata={"url": page.url.split("?", 1)[0], "status": status})
        raw_zone.put(base + ".png", page.screenshot(full_page=True, timeout=10_000), content_type="image/png",
                     metadata={"status": status})
    except Exception as exc:  # evidence is best effort: never hide the failure it documents
        log.warning("could not save evidence for %s/%s: %s", source, account, exc)
        return None
    return base
