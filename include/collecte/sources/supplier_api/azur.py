"""Azur Électricité's supplier REST API: invoices since a date, page by page, and each PDF.

    GET {base}/invoices?since=YYYY-MM-DD&page=N&page_size=M   (header X-API-Key)
        -> {"items": [{"invoice_number", "invoice_date", "delivery_point", "pdf_url", ...}],
            "next_page": N+1 | null}
    GET {base}/invoices/{number}/pdf

httpx is used (already required by Airflow) rather than the HTTP provider's hook: the hook adds
nothing for an API key header, and a plain client is testable without Airflow.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

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
    """Client of one contract's API key; the key is sent as a header and never logged."""

    code = "azur"

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 30.0, page_size: int = 50,
                 transport: Any = None) -> None:
        import httpx

        self.base_url = base_url.rstrip("/")
        self.page_size = page_size
        self._http = httpx.Client(headers={"X-API-Key": api_key, "Accept": "application/json"},
                                  timeout=timeout, transport=transport)

    def close(self) -> None:
        """Close the HTTP connections."""
        self._http.close()

    def __enter__(self) -> AzurApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        import httpx

        url = path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"
        for attempt in range(2):
            try:
                response = self._http.get(url, params=params)
            except httpx.TransportError as exc:
                raise SiteDown(f"{self.code} API: {type(exc).__name__} on {path}") from None
            if response.status_code in (429, 503) and attempt == 0:
                wait = _retry_after(response)
                if wait is not None and wait <= MAX_INLINE_WAIT:
                    time.sleep(wait)
                    continue
            break
        if response.status_code in (401, 403):
            raise LoginFailed(f"{self.code} API refused the API key (HTTP {response.status_code})")
        if response.status_code == 429 or response.status_code >= 500:
            raise SiteDown(f"{self.code} API: HTTP {response.status_code} on {path}"
                           + (f", Retry-After {response.headers['Retry-After']} s" if "Retry-After" in response.headers
                              else ""))
        response.raise_for_status()
        return response

    def invoices_since(self, since: date) -> Iterator[ApiInvoice]:
        """Every invoice dated `since` or later, following the pages."""
        page: int | None = 1
        while page:
            body = self._get("/invoices", {"since": since.isoformat(), "page": page,
                                           "page_size": self.page_size}).json()
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
        content = self._get(path).content
        if not content.startswith(b"%PDF"):
            raise SiteDown(f"{self.code} API: {invoice.number} is not a PDF")
        return content


def _retry_after(response: Any) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


Client = AzurApiClient
