"""Invoice extraction speed on one core: invoices/s, pages/s, against bare pypdfium2 text extraction.

Corpus: generated invoices of the four sandbox suppliers (multi-site nordis invoices of 2 to 40
sites, credit notes, regularisations) when ``sandbox.invoices`` is importable, otherwise the
shared samples repeated. Both measurements run in this process on the same bytes; the ratio is
extraction time / bare text time. Memory: the process RSS sampled along the run (it must stay
flat as invoices go by) and the peak RSS.

    python benchmarks/invoices.py [--n 240] [--no-accuracy]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "include")]

from collecte.invoices import extract_invoice  # noqa: E402


def rss_mib() -> float:
    """Current resident set size of this process, MiB (Linux)."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def corpus(n: int) -> tuple[list[tuple[str, bytes, dict | None]], str]:
    """(name, pdf, truth) triples and a description of where they came from."""
    try:
        from sandbox.invoices import generate
    except ImportError:
        generate = None
    items: list[tuple[str, bytes, dict | None]] = []
    if generate is not None:
        suppliers = ["volta", "azur", "gazelec", "nordis"]
        for i in range(n):
            sup = suppliers[i % 4]
            opts = {"n_sites": 2 + (i * 7) % 39} if sup == "nordis" else {}
            g = generate(sup, 1000 + i, **opts)
            items.append((g.filename, g.pdf, g.truth))
        return items, f"{n} generated invoices (sandbox.invoices: volta, azur, gazelec, nordis 2-40 sites)"
    import json

    base = Path(os.environ.get("COLLECTE_SHARED_DIR", REPO.parent / "shared")) / "samples" / "invoices"
    samples = sorted(base.glob("*/*.pdf"))
    if not samples:
        sys.exit("no corpus: sandbox.invoices is not importable and ../shared/samples is absent")
    for i in range(n):
        p = samples[i % len(samples)]
        items.append((p.name, p.read_bytes(), json.loads(p.with_suffix(".json").read_text())))
    return items, f"{n} invoices: the {len(samples)} shared samples repeated"


def bare_text(data: bytes) -> int:
    """Open one PDF and get every page's text with pypdfium2 (the baseline); returns its pages."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    n = len(doc)
    for i in range(n):
        page = doc[i]
        tp = page.get_textpage()
        tp.get_text_range()
        tp.close()
        page.close()
    doc.close()
    return n


def tabula_pages_per_second(items: list[tuple[str, bytes, dict | None]]) -> tuple[float, int]:
    """Pages/s of tabula-py reading every table (stream mode) of the same PDFs, JVM in-process (jpype).

    The engine reads tables from word positions instead; this is the figure that decision rests on.
    """
    import io
    import logging

    import tabula

    logging.getLogger("tabula").setLevel(logging.ERROR)
    tabula.read_pdf(io.BytesIO(items[0][1]), pages=1, stream=True, silent=True)  # JVM start-up, not timed
    pages, t0 = 0, time.perf_counter()
    for _, data, _ in items:
        tabula.read_pdf(io.BytesIO(data), pages="all", stream=True, silent=True)
        pages += bare_text(data)
    return pages / (time.perf_counter() - t0), pages


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=240)
    ap.add_argument("--no-accuracy", action="store_true")
    ap.add_argument("--tabula", type=int, default=20, help="invoices read with tabula-py as a reference (0: skip)")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    items, origin = corpus(args.n)
    extract_invoice(items[0][1])  # warm-up: templates loaded, imports done
    if not args.no_accuracy:
        sys.path.insert(0, str(REPO / "tests" / "unit" / "invoices"))
        from compare import diff, leaf_count

    # Baseline and extraction alternate invoice by invoice, so that both see the same machine
    # load (the ratio stays meaningful on a busy machine).
    statuses: Counter[str] = Counter()
    samples_rss: list[float] = []
    base_s = ext_s = 0.0
    pages = fields = wrong = exact = 0
    for k, (name, data, truth) in enumerate(items):
        t0 = time.perf_counter()
        pages += bare_text(data)
        t1 = time.perf_counter()
        r = extract_invoice(data, name=name)
        t2 = time.perf_counter()
        base_s += t1 - t0
        ext_s += t2 - t1
        statuses[r.status] += 1
        if not args.no_accuracy and truth is not None:
            d = diff(r.invoice or {}, truth)
            fields += leaf_count(truth)
            wrong += len(d)
            exact += not d
        del r
        if k % max(1, len(items) // 4) == 0:
            samples_rss.append(rss_mib())
    samples_rss.append(rss_mib())

    print(f"corpus: {origin}; {pages} pages")
    print(
        f"extraction: {len(items) / ext_s:.1f} invoices/s, {pages / ext_s:.1f} pages/s ({ext_s:.2f} s, one core)"
    )
    print(f"bare pypdfium2 text: {pages / base_s:.1f} pages/s ({base_s:.2f} s)")
    print(f"ratio extraction / bare text time: {ext_s / base_s:.1f}x")
    print(f"statuses: {dict(statuses)}")
    print(f"RSS along the run (MiB): {', '.join(f'{x:.0f}' for x in samples_rss)}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    if fields:
        print(f"accuracy: {exact}/{len(items)} invoices exact, field accuracy {1 - wrong / fields:.4%}")
    if args.tabula:
        rate, tab_pages = tabula_pages_per_second(items[: args.tabula])
        print(f"reference, tabula-py stream tables (jpype, warm JVM): {rate:.1f} pages/s on {tab_pages} pages "
              f"= {pages / ext_s / rate:.1f}x slower than the whole extraction")


if __name__ == "__main__":
    main()
