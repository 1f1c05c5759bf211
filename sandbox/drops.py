"""Suppliers' SFTP drops in the sandbox: monthly invoice PDFs and consumption CSVs, and the
scenarios a file exchange really produces (partial uploads, duplicates, missing sequence numbers,
malformed rows, hostile names).

Files are written straight into the folder sshd serves (`<sftp root>/<supplier>/outgoing`).
"""

from __future__ import annotations

import csv
import io
import os
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sandbox.invoices import generate_account_history

# File names of each supplier's drop: nordis numbers per month and flow, gazelec per PDF.
NAMES = {
    "nordis": ("NRD_FAC_{account}_{month}_{seq}.pdf", "NRD_CONSO_{account}_{month}_{seq}.csv"),
    "gazelec": ("GEP_FAC_{account}_{seq}.pdf", None),
}


@dataclass(frozen=True)
class DroppedMonth:
    """The files of one account and month, and the truth behind them."""

    pdf: Path
    csv: Path | None
    invoice_number: str
    rows: int


def _aged(path: Path, seconds: int = 3600) -> None:
    """Make a file look finished: modified `seconds` ago (a real drop is older than the run)."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def consumption_csv(truth: dict) -> bytes:
    """The per-site, per-period consumption CSV matching one invoice (nordis layout)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["PDL", "Site", "Debut", "Fin", "Poste", "Consommation_kWh", "Facture"])
    for site in truth["sites"]:
        start = date.fromisoformat(site["period_start"]).strftime("%d/%m/%Y")
        end = date.fromisoformat(site["period_end"]).strftime("%d/%m/%Y")
        for reading in site.get("readings") or []:
            kwh = f"{reading['kwh']:.3f}".rstrip("0").rstrip(".").replace(".", ",")
            writer.writerow([site["meter_id"], site.get("site_name") or "", start, end, reading["period"],
                             kwh, truth["invoice_number"]])
    return out.getvalue().encode("utf-8")


def drop_history(outgoing: Path, supplier: str = "nordis", *, account_seed: int = 1, months: int = 3,
                 first_sequence: int = 1, last_month: str | None = None, n_sites: int | None = None,
                 with_csv: bool = True, account: str | None = None) -> list[DroppedMonth]:
    """Write `months` consecutive months of one account's files; sequence numbers follow on.

    `account` names the files (default: the invoices' customer account, letters and digits only).
    """
    outgoing.mkdir(parents=True, exist_ok=True)
    options = {"n_sites": n_sites} if n_sites else {}
    invoices = generate_account_history(supplier, account_seed, months=months, last_month=last_month, **options)
    dropped = []
    for offset, invoice in enumerate(invoices):
        truth = invoice.truth
        fields = {
            "account": account or "".join(ch for ch in (truth.get("customer_account") or f"ACC{account_seed}")
                                          if ch.isalnum()),
            "month": truth["invoice_date"][:7].replace("-", ""),
            "seq": f"{first_sequence + offset:06d}",
        }
        pdf_name, csv_name = NAMES[supplier]
        pdf = outgoing / pdf_name.format(**fields)
        pdf.write_bytes(invoice.pdf)
        _aged(pdf)
        csv_path = None
        rows = 0
        if with_csv and csv_name:
            body = consumption_csv(truth)
            rows = body.count(b"\n") - 1
            csv_path = outgoing / csv_name.format(**fields)
            csv_path.write_bytes(body)
            _aged(csv_path)
        dropped.append(DroppedMonth(pdf, csv_path, truth["invoice_number"], rows))
    return dropped


# -- scenarios ------------------------------------------------------------------------------------
def drop_partial_upload(outgoing: Path, name: str, content: bytes) -> Path:
    """A file still being uploaded under a `.part` name."""
    path = outgoing / f"{name}.part"
    path.write_bytes(content[: len(content) // 2])
    return path


def drop_growing_file(outgoing: Path, name: str, content: bytes) -> Path:
    """A file under its final name, modified just now (its writer may still be at work)."""
    path = outgoing / name
    path.write_bytes(content[: len(content) // 2])
    return path


def drop_again(processed_copy: bytes, outgoing: Path, name: str) -> Path:
    """The same file dropped twice (a supplier's retry)."""
    path = outgoing / name
    path.write_bytes(processed_copy)
    _aged(path)
    return path


def corrupt_csv_row(path: Path, line: int, replacement: str) -> None:
    """Replace one data line of a CSV (1 = header) by `replacement`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = replacement
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _aged(path)


def drop_not_a_csv(outgoing: Path, name: str) -> Path:
    """A file named like a CSV that is not one (a zipped export sent by mistake)."""
    path = outgoing / name
    path.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + os.urandom(256))
    _aged(path)
    return path


def drop_hostile_name(outgoing: Path) -> Path:
    """A file whose name tries path traversal once joined naively (`..` sequences)."""
    path = outgoing / "NRD_CONSO_..%2F..%2Fetc_000999.csv"
    path.write_bytes(b"PDL;Site\n")
    _aged(path)
    return path
