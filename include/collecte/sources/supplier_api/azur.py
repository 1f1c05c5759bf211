"""Azur Électricité's supplier REST API: invoices since a date, page by page, and each PDF.

    GET {base}/invoices?since=YYYY-MM-DD&page=N&page_size=M   (header X-API-Key)
        -> {"items": [{"invoice_number", "invoice_date", "delivery_point", "pdf_url", ...}],
            "next_page": N+1 | null}
    GET {base}/invoices/{number}/pdf

Calls go through the shared resilient HTTP layer (`collecte.sources.http`): timeouts per call,
429/503 with Retry-After, 5xx, resets, stalls, a list page that is not whole JSON or a PDF cut
before its `%%EOF` are retried in place; a refused key is LoginFailed at once; what stays down
after the retries is SiteDown (the Airflow task retries later). A PDF lands only when complete.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from collecte.errors import TransientError
from collecte.sources.http import Reply, ResilientClient, RetryPolicy, parse_json
from collecte.sources.portal.errors import LoginFailed, SiteDown

MAX_INLINE_WAIT = 5.0  # a Retry-After longer than this becomes an Airflow retry (SITE_DOWN)


@dataclass(frozen=True)
class ApiInvoice:
    """One invoice as the API lists it."""

    number: str
    invoice_date: date
    delivery_point: str | None
    pdf_path: str


class AzurApiClient:
    """Client of one contract's API key; the key is sent as a header, only to the API's own origin
    (scheme, host, port of `base_url`: an absolute `pdf_url` elsewhere is fetched without it), and
    never logged. Redirects are not followed, so the key cannot ride one to another host."""

    code = "azur"

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 20.0, page_size: int = 50,
                 transport: Any = None, policy: RetryPolicy | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.page_size = page_size
        self._api_key = api_key
        self._api_origin = _origin(self.base_url)
        self._http = ResilientClient(self.base_url, headers={"Accept": "application/json"},
                                     policy=policy or RetryPolicy(read_timeout=timeout, max_retry_after=MAX_INLINE_WAIT),
                                     transport=transport)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    def __enter__(self) -> AzurApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _refused(self, reply: Reply) -> Exception | None:
        if reply.status in (401, 403):
            return LoginFailed(f"{self.code} API refused the API key (HTTP {reply.status})")
        return None

    def _key_for(self, url: str) -> dict[str, str]:
        """The API key header, for a URL of the API's origin only."""
        return {"X-API-Key": self._api_key} if _origin(url) == self._api_origin else {}

    def _get(self, path: str, params: dict[str, Any] | None = None, *, parse: Any = None) -> Reply:
        url = self._http.url(path)
        try:
            return self._http.get(url, params=params, parse=parse, error_for=self._refused, headers=self._key_for(url),
                                  what=f"{self.code} API {path}")
        except TransientError as exc:
            raise SiteDown(f"{self.code} API still failing after retries: {exc}") from None

    def invoices_since(self, since: date) -> Iterator[ApiInvoice]:
        """Every invoice dated `since` or later, following the pages."""
        page: int | None = 1
        while page:
            body = self._get("/invoices", {"since": since.isoformat(), "page": page,
                                           "page_size": self.page_size}, parse=_page).data
            for item in body["items"]:
                yield ApiInvoice(item["invoice_number"], date.fromisoformat(item["invoice_date"]),
                                 item.get("delivery_point"), item["pdf_url"])
            page = body.get("next_page")

    def pdf(self, invoice: ApiInvoice) -> bytes:
        """The PDF of one invoice."""
        path = invoice.pdf_path
        if not path.startswith("http"):  # the API gives site-absolute paths (/azur-api/v1/...)
            from urllib.parse import urljoin

            path = urljoin(self.base_url + "/", path)
        return self._get(path, parse=_whole_pdf).content


def _origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port made explicit."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def _page(content: bytes) -> dict[str, Any]:
    body = parse_json(content)
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise ValueError("not an invoice page (no items list)")
    return body


def _whole_pdf(content: bytes) -> bytes:
    """`parse` of a PDF download: a body without the PDF header or its final %%EOF was cut or garbled."""
    if not content.startswith(b"%PDF") or b"%%EOF" not in content[-1024:]:
        raise ValueError(f"not a whole PDF ({len(content)} bytes)")
    return content


Client = AzurApiClient
