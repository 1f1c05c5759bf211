"""Portal collection throughput: accounts per minute for 20 accounts on one portal (Volta), with
1, 2 and 4 concurrent browser sessions, and the peak memory of the browser process tree.

Each concurrent session is a worker thread with its own Playwright driver and Chromium, logging
into one account at a time in a fresh browser context: that is what N slots of the portal's
Airflow pool run (each mapped task is a process with its own browser). Playwright's sync API is
bound to one thread, so N contexts of a single browser would need the async API; the figures
for one session show the cost of a context in a warm browser.

    .venv/bin/python benchmarks/portals.py [--accounts 20] [--months 12] [--concurrency 1 2 4]
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import tempfile
import threading
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "include")]


class TreeMemory:
    """Samples the memory of this process's descendants (Playwright drivers, Chromium) every 100 ms.

    `peak_pss` (proportional set size: shared pages split between the processes sharing them) is the
    memory the tree really takes; `peak_rss` adds up every process's resident pages, counting the
    pages Chromium's processes share once per process, so it overstates.
    """

    def __init__(self) -> None:
        import psutil

        self._me = psutil.Process()
        self.peak_rss = self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            rss = pss = 0
            for child in self._me.children(recursive=True):
                try:
                    info = child.memory_full_info()
                except psutil.Error:
                    continue
                rss += info.rss
                pss += getattr(info, "pss", info.rss)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            time.sleep(0.1)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run(concurrency: int, accounts: list, urls: dict, zone: object) -> tuple[float, int, list[str]]:
    """Collect every account with `concurrency` sessions; return (seconds, documents landed, statuses)."""
    from collecte.sources.portal.browser import chromium
    from collecte.sources.portal.collect import collect_portal_account
    from collecte.sources.portal.models import Credentials
    from collecte.sources.portal.volta import VoltaGateway

    todo: queue.Queue = queue.Queue()
    for acc in accounts:
        todo.put(acc)
    landed: list[int] = []
    statuses: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        with chromium() as browser:
            while True:
                try:
                    acc = todo.get_nowait()
                except queue.Empty:
                    return
                result = collect_portal_account(VoltaGateway(urls["volta"]), browser, zone, account=acc.id,
                                                credentials=Credentials(acc.login, acc.password),
                                                first=date(2020, 1, 1), last=date(2030, 12, 31))
                with lock:
                    landed.append(result.new_documents)
                    statuses.append(result.status.value)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, sum(landed), statuses


def main() -> None:
    """Print accounts per minute and peak browser-tree memory per concurrency."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--months", type=int, default=12, help="invoices per account (one contract)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()

    from collecte.landing.raw_zone import RawZone
    from sandbox.portals import SandboxAccount, start_portals
    from sandbox.services.common import free_port
    from sandbox.services.s3 import S3Server

    accounts = [SandboxAccount("volta", f"B-{i:04d}", f"bench-{i}-pw!", seed=1000 + i, months=args.months)
                for i in range(args.accounts)]
    urls = start_portals(tempfile.mkdtemp(prefix="bench-portals-"), accounts=accounts)
    s3 = S3Server(free_port()).start()
    for acc in accounts:  # make the PDFs before timing: the sandbox, not the gateway, pays for them
        urls.server.state.documents.invoices(acc)
    print(f"{args.accounts} Volta accounts x {args.months} invoices (+1 consumption CSV each), "
          f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}")
    print(f"{'sessions':>8} {'seconds':>8} {'accounts/min':>13} {'speed-up':>9} {'documents':>10} "
          f"{'peak PSS (MiB)':>15} {'peak RSS sum (MiB)':>19}")
    baseline = None
    try:
        for concurrency in args.concurrency:
            bucket = f"bench-{uuid.uuid4().hex[:8]}"
            s3.ensure_bucket(bucket)
            with TreeMemory() as memory:
                seconds, documents, statuses = run(concurrency, accounts, urls, RawZone(s3.client(), bucket))
            if set(statuses) != {"OK"}:
                print(f"  unexpected statuses: {sorted(set(statuses))}")
            rate = len(accounts) / seconds * 60
            baseline = baseline or rate
            print(f"{concurrency:>8} {seconds:>8.1f} {rate:>13.1f} {rate / baseline:>8.2f}x {documents:>10} "
                  f"{memory.peak_pss / 2**20:>15.0f} {memory.peak_rss / 2**20:>19.0f}")
    finally:
        urls.server.stop()
        s3.stop()


if __name__ == "__main__":
    main()
