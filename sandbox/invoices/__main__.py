"""Command line: write generated invoices as PDF + JSON pairs.

    python -m sandbox.invoices --supplier volta --count 10 --seed 1 --out DIR [--facturx]
        [--document-type invoice|credit_note] [--n-sites N] [--tariff-option OPT] [--period YYYY-MM]
    python -m sandbox.invoices --supplier nordis --account-history 24 --seed 7 --out DIR
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sandbox.invoices import SUPPLIERS, generate, generate_account_history


def _options(args: argparse.Namespace) -> dict:
    options = {"document_type": args.document_type, "n_sites": args.n_sites, "tariff_option": args.tariff_option,
               "period": args.period, "facturx": args.facturx}
    return {key: value for key, value in options.items() if value not in (None, False)}


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, generate, write `<invoice_number>.pdf` and `.json` files; print a summary."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.invoices", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--supplier", required=True, choices=SUPPLIERS)
    parser.add_argument("--count", type=int, default=1, help="invoices to generate (seeds seed..seed+count-1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--document-type", choices=["invoice", "credit_note"])
    parser.add_argument("--n-sites", type=int)
    parser.add_argument("--tariff-option")
    parser.add_argument("--period", help="billing month, YYYY-MM")
    parser.add_argument("--facturx", action="store_true", help="embed the Factur-X (EN 16931) XML")
    parser.add_argument("--account-history", type=int, metavar="MONTHS",
                        help="one account over MONTHS consecutive months instead of independent invoices")
    parser.add_argument("--contracts", type=int, default=1, help="contracts of the account (with --account-history)")
    parser.add_argument("--credit-notes", type=float, default=0.0,
                        help="share of the account's invoices followed by a credit note (with --account-history)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.account_history:
        invoices = generate_account_history(args.supplier, args.seed, months=args.account_history,
                                            n_contracts=args.contracts, facturx=args.facturx,
                                            credit_notes=args.credit_notes)
    else:
        invoices = [generate(args.supplier, args.seed + i, **_options(args)) for i in range(args.count)]
    for invoice in invoices:
        (args.out / invoice.filename).write_bytes(invoice.pdf)
        (args.out / invoice.filename).with_suffix(".json").write_text(
            json.dumps(invoice.truth, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{len(invoices)} invoice(s) written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
