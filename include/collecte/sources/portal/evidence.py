"""Evidence of a failed collection: the page's screenshot and HTML, in the bucket's `debug/` prefix.

Keys: ``debug/source=<code>/account=<id>/<UTC timestamp>-<STATUS>.png`` and ``.html``. The HTML
is the DOM as rendered. The account's password is masked in both, in every spelling (as typed,
HTML-escaped, URL-encoded: `masking`): the page is cleared before its screenshot (password fields
emptied to a mask and painted over, any text or field holding the secret replaced).
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
    from collecte.sources.portal.masking import mask_page, mask_text, password_fields

    try:
        mask_page(page, secrets)
        html = mask_text(page.content(), secrets)
        png = page.screenshot(full_page=True, timeout=10_000, mask=[password_fields(page)])
    except Exception as exc:  # a page that cannot be masked is not stored at all
        log.warning("could not capture masked evidence for %s/%s: %s", source, account, exc)
        return None
    try:
        raw_zone.put(base + ".html", html.encode("utf-8"), content_type="text/html; charset=utf-8",
                     metadata={"url": mask_text(page.url.split("?", 1)[0], secrets), "status": status})
        raw_zone.put(base + ".png", png, content_type="image/png", metadata={"status": status})
    except Exception as exc:  # evidence is best effort: never hide the failure it documents
        log.warning("could not save evidence for %s/%s: %s", source, account, exc)
        return None
    return base
