"""Bad files of every kind, for the fault-injection tests of the SFTP and portal roads (#11 "Done when").

Each is made here from the project's own generator or by hand, with the words its quarantine
reason must hold.
"""

from __future__ import annotations

import io
from dataclasses import dataclass


@dataclass(frozen=True)
class BadFile:
    """Content that must be quarantined, and a word its reason names."""

    label: str
    content: bytes
    reason_holds: str
    ext: str = "pdf"


def _big_pdf(pages: int = 200) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    for number in range(1, pages + 1):
        page.drawString(50, 800, f"Rapport de consommation, page {number} sur {pages}")
        page.showPage()
    page.save()
    return buffer.getvalue()


def _encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    from sandbox.invoices.api import generate

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(generate("nordis", 91).pdf)).pages:
        writer.add_page(page)
    writer.encrypt(user_password="secret", owner_password="secret-owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def bad_pdfs() -> list[BadFile]:
    """Empty, cut before its xref, HTML saved as .pdf, encrypted, 200 pages of something else."""
    from sandbox.invoices.api import generate

    cut = generate("nordis", 92).pdf
    return [
        BadFile("empty", b"", "empty file"),
        BadFile("truncated", cut[:cut.rfind(b"xref")], "PdfStreamError"),
        BadFile("html", b"<!DOCTYPE html><html><body><h1>Session expir\xc3\xa9e</h1></body></html>", "not a PDF"),
        BadFile("encrypted", _encrypted_pdf(), "encrypted"),
        BadFile("200 pages", _big_pdf(), "no template"),
    ]


def bad_csvs(good_csv: bytes) -> list[BadFile]:
    """A CSV with an unbalanced quote over 128 KB, and one in the wrong encoding."""
    header, first = good_csv.split(b"\n")[:2]
    broken = header + b"\n" + first.replace(b";", b';"', 1) + b"\n" + b"x" * (130 * 1024) + b"\n"
    latin1 = good_csv.decode("utf-8").replace(";", ";Entrep\u00f4t ", 1).encode("cp1252")
    return [BadFile("broken quote", broken, "field larger", "csv"),
            BadFile("wrong encoding", latin1, "utf-8", "csv")]
