"""Invoice extraction speed on one core: invoices/s, pages/s, against bare pypdfium2 text extraction;
then what the extraction does with drifted layouts.

Corpus: generated invoices of the four sandbox suppliers (multi-site nordis invoices of 2 to 40
sites, credit notes, regularisations) when ``sandbox.invoices`` is importable, otherwise the
shared samples repeated. Both measurements run in this process on the same bytes; the ratio is
extraction time / bare text time. Memory: the process RSS sampled along the run (it must stay
flat as invoices go by) and the peak RSS.

Drifted corpus (``--drift N``): invoices of the four suppliers printed with one to three layout
changes each (sandbox drift mode: relabelled lines, renamed labels and columns, added columns, date
formats, thousands separators, moved totals, page breaks in the table, unknown lines and columns).
Printed: accepted share (status ok), flagged share (anything else), silent errors (accepted but
differing from the truth: must be 0) and the field accuracy of the accepted invoices; the shared
samples (unchanged layouts) are checked exactly when ../shared is present.

    python benchmarks/invoices.py [--n 240] [--drift 200] [--no-accuracy]
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


def drifted(n: int) -> None:
    """Accepted share, flagged share, silent errors and accepted field accuracy on drifted layouts."""
    try:
        from sandbox.invoices import generate
    except ImportError:
        print("drifted corpus: skipped (sandbox.invoices is not importable)")
        return
    from compare import diff, leaf_count

    statuses: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    silent: list[str] = []
    fields = wrong = unknown = unknown_caught = 0
    suppliers = ["volta", "azur", "gazelec", "nordis"]
    t0 = time.perf_counter()
    for i in range(n):
        sup = suppliers[i % 4]
        g = generate(sup, 5000 + i, drift=True, **({"n_sites": 2 + (i * 7) % 19} if sup == "nordis" else {}))
        kinds.update(g.drift["kinds"])
        r = extract_invoice(g.pdf, name=g.filename)
        statuses[r.status] += 1
        if g.drift["expects_flag"]:
            unknown += 1
            unknown_caught += r.status != "ok"
        if r.status == "ok":
            d = diff(r.invoice, g.truth)
            fields += leaf_count(g.truth)
            wrong += len(d)
            if d:
                silent.append(f"{g.filename} {g.drift['kinds']}: {d[:3]}")
    elapsed = time.perf_counter() - t0
    accepted = statuses["ok"]
    print(f"drifted corpus: {n} invoices (4 suppliers, 1-3 layout changes each: "
          + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + f"), generated and read in {elapsed:.1f} s")
    print(f"drifted statuses: {dict(statuses)}")
    print(f"drifted accepted share: {accepted / n:.1%}; flagged share: {(n - accepted) / n:.1%} "
          f"(changes no template knows: {unknown_caught}/{unknown} flagged)")
    print(f"drifted silent errors (accepted but wrong): {len(silent)}")
    for line in silent[:10]:
        print(f"  silent: {line}")
    if fields:
        print(f"drifted accepted field accuracy: {1 - wrong / fields:.4%} ({wrong} wrong of {fields})")


def samples() -> None:
    """The shared samples (unchanged layouts): every one accepted and exact."""
    import json

    from compare import diff, shared_samples

    base = shared_samples()
    if base is None:
        print("shared samples: skipped (../shared is absent)")
        return
    pdfs = sorted(base.glob("*/*.pdf"))
    exact = 0
    for p in pdfs:
        r = extract_invoice(p.read_bytes(), name=p.name)
        exact += r.status == "ok" and not diff(r.invoice, json.loads(p.with_suffix(".json").read_text()))
    print(f"shared samples (unchanged layouts): {exact}/{len(pdfs)} accepted and exact")


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=240)
    ap.add_argument("--no-accuracy", action="store_true")
    ap.add_argument("--tabula", type=int, default=20, help="invoices read with tabula-py as a reference (0: skip)")
    ap.add_argument("--drift", type=int, default=200, help="drifted invoices to read (0: skip)")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    items, origin = corpus(args.n)
    extract_invoice(items[0][1])  # warm-up: templates loaded, imports done
    sys.path.insert(0, str(REPO / "tests" / "unit" / "invoices"))
    if not args.no_accuracy:
        from compare import diff, leaf_count

    # Baseline and extraction alternate invoice by invoice, so that both see the same machine
    # load (the ratio stays meaningful on a busy machine).
    statuses: Counter[str] = Counter()
    samples_rss: list[float] = []
    base_s = ext_s = ext_cpu = 0.0
    pages = fields = wrong = exact = 0
    for k, (name, data, truth) in enumerate(items):
        t0 = time.perf_counter()
        pages += bare_text(data)
        t1 = time.perf_counter()
        c1 = time.process_time()
        r = extract_invoice(data, name=name)
        ext_cpu += time.process_time() - c1
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
    print(f"extraction, CPU time of this process (what a busy shared machine does not distort): "
          f"{len(items) / ext_cpu:.1f} invoices/s, {pages / ext_cpu:.1f} pages/s ({ext_cpu:.2f} s)")
    print(f"bare pypdfium2 text: {pages / base_s:.1f} pages/s ({base_s:.2f} s)")
    print(f"ratio extraction / bare text time: {ext_s / base_s:.1f}x")
    print(f"statuses: {dict(statuses)}")
    print(f"RSS along the run (MiB): {', '.join(f'{x:.0f}' for x in samples_rss)}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    if fields:
        print(f"accuracy: {exact}/{len(items)} invoices exact, field accuracy {1 - wrong / fields:.4%}")
    if args.drift:
        drifted(args.drift)
        samples()
    if args.tabula:
        rate, tab_pages = tabula_pages_per_second(items[: args.tabula])
        print(f"reference, tabula-py stream tables (jpype, warm JVM): {rate:.1f} pages/s on {tab_pages} pages "
              f"= {pages / ext_s / rate:.1f}x slower than the whole extraction")


if __name__ == "__main__":
    main()
