"""Sandbox portals (once per session) and one Chromium per test module; small accounts, one per
scenario, so each scenario takes about a second or two.

The browser is module-scoped on purpose: Playwright's sync API cannot start while another sync
Playwright is active in the same thread, which is what the DAG test's tasks do."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from sandbox.portals.accounts import SandboxAccount

WHOLE_HISTORY = (date(2020, 1, 1), date(2030, 12, 31))


def _acc(portal: str, login: str, scenario: str = "normal", **kw: object) -> SandboxAccount:
    return SandboxAccount(portal=portal, login=login, password=f"pw-{login}-Zq9!", scenario=scenario,
                          **kw)  # type: ignore[arg-type]


def scenario_accounts() -> list[SandboxAccount]:
    """Accounts of the integration tests: one per scenario, short histories."""
    return [
        _acc("volta", "V-1", seed=101, months=12, contracts=2),  # 12 invoices per contract: two list pages
        _acc("volta", "V-WRONG", seed=102, months=1),
        _acc("volta", "V-LOCK", seed=103, months=1, lock_after=2),
        _acc("volta", "V-MAINT", "maintenance", seed=104, months=1),
        _acc("volta", "V-SLOW", "slow", seed=105, months=1, delay=1.0),
        _acc("volta", "V-LAYOUT", "layout", seed=106, months=1),
        _acc("volta", "V-MFA", "mfa", seed=107, months=2),
        _acc("volta", "V-MFA2", "mfa", seed=108, months=1),
        _acc("volta", "V-SECRET", seed=109, months=2),
        _acc("volta", "V-RECOVER", seed=110, months=1),
        _acc("volta", "V-CAPTCHA", "captcha", seed=111, months=1),
        _acc("azur", "AZ-1", seed=201, months=12, api_key="azk-test-1"),
        _acc("azur", "AZ-LAYOUT", "layout", seed=202, months=1),
        _acc("azur", "AZ-MFA", "mfa", seed=203, months=1),
        _acc("azur", "AZ-WRONG", seed=204, months=1),
        _acc("azur", "AZ-API", seed=205, months=8, contracts=2, api_key="azk-test-2"),
        _acc("gazelec", "g1@client.example", seed=301, months=6, contracts=1, account_id="GZ-1"),
        _acc("gazelec", "g2@client.example", "session_expiry", seed=302, months=8, session_requests=5,
             account_id="GZ-EXP"),
        _acc("gazelec", "g3@client.example", "layout", seed=303, months=1, account_id="GZ-LAYOUT"),
        _acc("gazelec", "g4@client.example", seed=304, months=1, account_id="GZ-WRONG"),
    ]


@pytest.fixture(scope="session")
def portals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The sandbox portals: base URLs, `mailbox`, and `.server` (state, stop)."""
    from sandbox.portals import start_portals

    urls = start_portals(tmp_path_factory.mktemp("portals"), accounts=scenario_accounts())
    yield urls
    urls.server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One Chromium (a context per account is made by the gateway)."""
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed (/usr/bin/chromium)")
    from collecte.sources.portal.browser import chromium

    with chromium() as launched:
        yield launched


def account(portals: dict, portal: str, login: str) -> SandboxAccount:
    """A sandbox account of the running server."""
    found = portals.server.state.account(portal, login)
    assert found is not None, login
    return found


@pytest.fixture
def collect(portals: dict, browser: object, raw_zone: object):
    """collect(portal, login, password=None, first=, last=, mailbox=True, **gateway options) -> AccountRun."""
    from collecte.sources.portal.collect import collect_portal_account, gateway_class
    from collecte.sources.portal.mfa import MaildirOtpSource
    from collecte.sources.portal.models import Credentials

    def run(portal: str, login: str, *, password: str | None = None, first: date = WHOLE_HISTORY[0],
            last: date = WHOLE_HISTORY[1], mailbox: bool = True, exports: bool = True, **options: object):
        acc = account(portals, portal, login)
        options = {"timeout_ms": 2_000, "otp_timeout": 5.0, **options}
        gateway = gateway_class(portal)(portals[portal], otp_source=MaildirOtpSource(portals["mailbox"])
                                        if mailbox else None, **options)
        return collect_portal_account(gateway, browser, raw_zone, account=acc.id,
                                      credentials=Credentials(acc.login, password or acc.password),
                                      first=first, last=last, exports=exports)

    return run
