"""TEMPORARY stand-in for suppliers `sandbox.invoices` does not generate yet (gazelec while its
layout is being written): small PDFs with the same truth shape. Removed once every layout exists."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class StandInInvoice:
    """Same interface as sandbox.invoices.GeneratedInvoice."""

    pdf: bytes
    truth: dict
    filename: str


def _pdf(lines: list[str]) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, invariant=1)
    for i, line in enumerate(lines):
        pdf.drawString(60, 780 - 16 * i, line)
    pdf.save()
    return buf.getvalue()


def generate_account_history(supplier: str, account_seed: int, months: int = 24, n_contracts: int = 1) -> list:
    """Monthly invoices per contract, ending last month."""
    rng = random.Random(f"{supplier}:{account_seed}")
    meters = [f"{rng.randrange(10**13, 10**14)}" for _ in range(n_contracts)]
    end = date(2026, 11, 1)
    out = []
    for m in range(months):
        month0 = (end.year * 12 + end.month - 1) - (months - m)
        first = date(month0 // 12, month0 % 12 + 1, 1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        for meter in meters:
            number = f"GEP-F-{first:%y}-{rng.randrange(10**6, 10**7)}"
            kwh = rng.randrange(500, 9000)
            truth = {"supplier": supplier, "document_type": "invoice", "invoice_number": number,
                     "invoice_date": (last + timedelta(days=5)).isoformat(), "energy": "gas", "currency": "EUR",
                     "total_incl_tax": round(kwh * 0.11, 2),
                     "sites": [{"meter_id": meter, "site_name": "Site", "period_start": first.isoformat(),
                                "period_end": last.isoformat(), "consumption_kwh": kwh,
                                "readings": [{"period": "GAS", "kwh": kwh}]}]}
            out.append(StandInInvoice(_pdf([supplier, number, meter, str(kwh)]), truth, f"{number}.pdf"))
    return out
