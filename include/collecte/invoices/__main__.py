"""Command line: ``python -m collecte.invoices extract FILE.pdf [--annotate OUT.pdf]``.

Prints the extracted invoice as JSON on stdout. Exit status: 0 when the invoice is "ok",
1 when it needs review or its layout changed (JSON still printed, reasons on stderr), 2 when it
could not be read (unreadable, needs OCR, no template, missing file), with a message naming the file.

``python -m collecte.invoices fingerprint FILE.pdf [FILE.pdf ...]`` prints the layout fingerprint of
reference invoices of one layout (an invoice and a credit note, say), to put in their template.
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
    fp = sub.add_parser("fingerprint", help="print the layout fingerprint of reference invoices (YAML)")
    fp.add_argument("files", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.command == "fingerprint":
        return _fingerprint(args.files)

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


def _fingerprint(files: list[Path]) -> int:
    import yaml

    from collecte.invoices.engine import apply_template
    from collecte.invoices.fingerprint import make
    from collecte.invoices.match import rank
    from collecte.invoices.pdftext import read_document
    from collecte.invoices.template import load_templates

    seen, code = [], None
    for path in files:
        doc = read_document(path.read_bytes())
        best = rank(doc, load_templates())[0]
        if best.score < best.template.detect.min_score or code not in (None, best.template.code):
            print(f"{path}: not an invoice of one known layout", file=sys.stderr)
            return 2
        code = best.template.code
        seen.append(apply_template(best.template, doc).seen)
    print(f"# fingerprint of the {code} layout, from {', '.join(p.name for p in files)}")
    yaml.safe_dump({"fingerprint": make(seen)}, sys.stdout, allow_unicode=True, sort_keys=False, width=120,
                   default_flow_style=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
