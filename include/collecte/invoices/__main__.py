"""Command line: ``python -m collecte.invoices extract FILE.pdf [--annotate OUT.pdf]``.

Prints the extracted invoice as JSON on stdout. Exit status: 0 when the invoice is "ok",
1 when it needs review (JSON still printed, reasons on stderr), 2 when it could not be read
(unreadable, needs OCR, no template, missing file), with a message naming the file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from collecte.invoices import annotate, extract_invoice


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m collecte.invoices", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ext = sub.add_parser("extract", help="extract one invoice PDF and print its JSON")
    ext.add_argument("file", type=Path)
    ext.add_argument("--annotate", type=Path, metavar="OUT.pdf", help="also write the annotated visual copy")
    args = parser.parse_args(argv)

    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as exc:
        print(f"{path}: cannot read file: {exc.strerror or exc}", file=sys.stderr)
        return 2
    result = extract_invoice(data, name=str(path))
    if args.annotate and result.status not in ("unreadable",):
        args.annotate.write_bytes(annotate(data, result))
    if result.invoice is None:
        for reason in result.reasons or [f"{path}: {result.status}"]:
            print(f"error [{result.status}]: {reason}", file=sys.stderr)
        return 2
    json.dump(result.invoice, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    for reason in result.reasons:
        print(f"{result.status}: {reason}", file=sys.stderr)
    return 0 if result.status == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
