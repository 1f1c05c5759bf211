"""azur's API key goes to the API's origin only (issue #11.9): an absolute `pdf_url` on another host
(or port) is fetched without it. Two real HTTP servers on 127.0.0.1 record the headers they receive."""

from __future__ import annotations

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from collecte.sources.supplier_api.azur import AzurApiClient

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
KEY = "azk-secret-123"


class _Recorder(ThreadingHTTPServer):
    def __init__(self, answer) -> None:
        self.seen: list[tuple[str, str | None]] = []
        self.answer = answer
        super().__init__(("127.0.0.1", 0), _Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.server.seen.append((self.path, self.headers.get("X-API-Key")))
        status, body, kind = self.server.answer(self.path)
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def servers():
    cdn = _Recorder(lambda path: (200, PDF, "application/pdf"))

    def api_answer(path: str):
        if path.startswith("/v1/invoices?"):
            items = [{"invoice_number": "F1", "invoice_date": "2026-05-01", "pdf_url": f"{cdn.url}/files/F1.pdf"},
                     {"invoice_number": "F2", "invoice_date": "2026-05-02", "pdf_url": "/v1/invoices/F2/pdf"}]
            return 200, json.dumps({"items": items, "next_page": None}).encode(), "application/json"
        return 200, PDF, "application/pdf"

    api = _Recorder(api_answer)
    yield api, cdn
    for server in (api, cdn):
        server.shutdown()
        server.server_close()


@pytest.mark.timeout(30)
def test_the_key_goes_to_the_api_host_and_nowhere_else(servers):
    api, cdn = servers
    with AzurApiClient(f"{api.url}/v1", KEY) as client:
        invoices = list(client.invoices_since(date(2026, 1, 1)))
        assert [client.pdf(i) for i in invoices] == [PDF, PDF]
    assert cdn.seen == [("/files/F1.pdf", None)]  # another port of the same host is another origin
    assert [key for _, key in api.seen] == [KEY, KEY]
