"""Sandbox customer accounts of the three portals, each with the scenario it plays.

Every account locks after `lock_after` consecutive failed logins, like the real sites. The
scenario names are the behaviours users of peer systems ask to be tested against:

- ``normal``: logs in, lists and serves its invoices;
- ``locked``: already locked (too many failed logins before);
- ``maintenance``: the portal answers HTTP 503 with a maintenance page once the account logs in;
- ``slow``: the invoice list takes ``delay`` seconds to come;
- ``layout``: the invoice list uses renamed selectors (a redesign the gateway does not know);
- ``mfa``: a one-time code is mailed to the sandbox mailbox on every login from a new device;
- ``session_expiry``: the session dies after ``session_requests`` authenticated requests;
- ``captcha``: the right password is answered with a CAPTCHA challenge (a reCAPTCHA v2 checkbox), as
  sites do when they suspect automated logins.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SCENARIOS = ("normal", "locked", "maintenance", "slow", "layout", "mfa", "session_expiry", "captcha")


@dataclass
class SandboxAccount:
    """One customer account of one sandbox portal."""

    portal: str
    login: str
    password: str = field(repr=False)
    scenario: str = "normal"
    seed: int = 1
    months: int = 24
    contracts: int = 1
    lock_after: int = 3
    delay: float = 1.5
    session_requests: int = 8
    api_key: str | None = field(default=None, repr=False)
    account_id: str = ""  # id in include/config (defaults to the login)

    def __post_init__(self) -> None:
        if self.scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {self.scenario!r}; known: {SCENARIOS}")

    @property
    def id(self) -> str:
        """The account id of the config files, raw-zone keys and task names."""
        return self.account_id or self.login

    @property
    def email(self) -> str:
        """Address the portal mails one-time codes to."""
        return f"{self.login.lower()}@client.example"


def _acc(portal: str, login: str, scenario: str = "normal", **kw: object) -> SandboxAccount:
    return SandboxAccount(portal=portal, login=login, password=f"{login.lower()}-S3cret!", scenario=scenario,
                          **kw)  # type: ignore[arg-type]


def default_accounts() -> list[SandboxAccount]:
    """The accounts of the demo and the tests (ids match include/config/suppliers/*.yaml)."""
    return [
        # volta: several contracts on the main account, 24 months of history
        _acc("volta", "V-100234", seed=7, months=24, contracts=2),
        _acc("volta", "V-100235", seed=8, months=12),
        _acc("volta", "V-200001", "locked", seed=9, months=3),
        _acc("volta", "V-200002", "maintenance", seed=10, months=3),
        _acc("volta", "V-200003", "slow", seed=11, months=3),
        _acc("volta", "V-200004", "layout", seed=12, months=3),
        _acc("volta", "V-200005", "mfa", seed=13, months=3),
        _acc("volta", "V-200006", "captcha", seed=14, months=3),
        # azur: portal (two-step login) and REST API (API key per contract)
        _acc("azur", "AZ-4410021", seed=21, months=24, contracts=2, api_key="azk_4410021_demo"),
        _acc("azur", "AZ-4410022", "mfa", seed=22, months=3, api_key="azk_4410022_demo"),
        _acc("azur", "AZ-4410023", "layout", seed=23, months=3),
        _acc("azur", "AZ-4410024", "maintenance", seed=24, months=3),
        # gazelec: cookie banner, collapsible years, short sessions
        _acc("gazelec", "gestion@lambert-frigo.example", seed=31, months=24, contracts=2,
             account_id="GZ-lambert-frigo"),
        _acc("gazelec", "compta@boulangerie-roux.example", "session_expiry", seed=32, months=12,
             account_id="GZ-boulangerie-roux"),
        _acc("gazelec", "achats@hotel-des-pins.example", "layout", seed=33, months=3, account_id="GZ-hotel-des-pins"),
        _acc("gazelec", "dsi@clinique-saint-roch.example", "slow", seed=34, months=3,
             account_id="GZ-clinique-saint-roch"),
    ]


def demo_connections(base_urls: dict[str, str], accounts: list[SandboxAccount] | None = None) -> dict[str, dict]:
    """Airflow connections (id -> fields) for the sandbox: one per road, one per account.

    The road connection (`portal_<code>`, `api_<code>`) holds the site's base URL as host; the
    account connection (`<code>_<login>`) holds login and password (for an API: the key).
    """
    conns: dict[str, dict] = {}
    for code in ("volta", "azur", "gazelec"):
        conns[f"portal_{code}"] = {"conn_type": "http", "host": base_urls[code]}
    conns["api_azur"] = {"conn_type": "http", "host": base_urls["azur_api"]}
    for acc in accounts or default_accounts():
        conns[account_conn_id(acc)] = {"conn_type": "generic", "login": acc.login, "password": acc.password}
        if acc.api_key:
            conns[account_conn_id(acc, api=True)] = {"conn_type": "generic", "login": acc.id, "password": acc.api_key}
    return conns


def account_conn_id(account: SandboxAccount, *, api: bool = False) -> str:
    """Airflow connection id of one account's credentials: `<portal>[_api]_<id in snake case>`."""
    import re

    slug = re.sub(r"[^a-z0-9]+", "_", account.id.lower()).strip("_")
    return f"{account.portal}{'_api' if api else ''}_{slug}"
