"""A supplier portal (Volta, real Chromium) behind the fault proxy at 30 %: pages, downloads and
exports get 500/503/429, resets, stalls and bodies cut short. Task attempts are repeated while the
account's status says a retry helps (SITE_DOWN), as Airflow's retries would; then every invoice
and export the portal serves is in the raw zone once, and no fault was taken for a problem that
needs a person (wrong password, changed layout)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.faults.proxy import FaultProxy
from tests.integration.portals.conftest import WHOLE_HISTORY, account

pytestmark = [pytest.mark.faults, pytest.mark.browser, pytest.mark.services, pytest.mark.timeout(300)]
ATTEMPTS = 6


def test_portal_collection_through_30_percent_faults(portals, raw_zone):
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium)")
    from collecte.sources.portal.browser import chromium
    from collecte.sources.portal.collect import collect_portal_account, gateway_class
    from collecte.sources.portal.models import Credentials
    from collecte.sources.portal.status import AccountStatus

    acc = account(portals, "volta", "V-SECRET")
    invoices = portals.server.state.documents.invoices(acc)
    statuses: list[str] = []
    with FaultProxy(portals["volta"].rsplit("/", 1)[0] if portals["volta"].count("/") > 2 else portals["volta"],
                    rate=0.3, seed=61, stall=3.0, retry_after=1) as proxy, chromium() as browser:
        base = proxy.url + portals["volta"].removeprefix(proxy.upstream)
        for _ in range(ATTEMPTS):
            gateway = gateway_class("volta")(base, otp_source=None, timeout_ms=2_000)
            run = collect_portal_account(gateway, browser, raw_zone, account=acc.id,
                                         credentials=Credentials(acc.login, acc.password),
                                         first=WHOLE_HISTORY[0], last=WHOLE_HISTORY[1], received=date(2026, 11, 30))
            statuses.append(f"{run.status.value}: {run.message[:120]}")
            if not run.status.retryable:
                break
    print("faults:", dict(proxy.counts), "\n  " + "\n  ".join(statuses))
    assert sum(v for k, v in proxy.counts.items() if k != "passed") >= 3
    assert run.status in (AccountStatus.OK, AccountStatus.NO_NEW_DOCUMENTS), statuses
    pdfs = raw_zone.keys(f"raw/source=volta/kind=invoice_pdf/account={acc.id}/")
    numbers = sorted(raw_zone.metadata(k)["invoice-number"] for k in pdfs)
    assert numbers == sorted(i.number for i in invoices)  # every invoice, once
    assert all(raw_zone.get(k) == next(i.pdf for i in invoices if i.number == raw_zone.metadata(k)["invoice-number"])
               for k in pdfs)  # byte for byte: no PDF cut short
    assert raw_zone.keys(f"raw/source=volta/kind=consumption_csv/account={acc.id}/")
