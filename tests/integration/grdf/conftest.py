"""The GRDF ADICT sandbox for the session, reset for each test; a client and a warehouse connection."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from collecte.sources.grdf.client import AdictClient
from collecte.sources.ratelimit import RateLimiter
from sandbox.grdf import GrdfSandbox, start_grdf
from sandbox.grdf.app import TOKEN_PATH
from sandbox.grdf.state import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from tests.integration.grdf.adict_shapes import check_answer


@pytest.fixture(scope="session")
def grdf_server() -> Iterator[GrdfSandbox]:
    """One ADICT sandbox per test session (uvicorn threads on free ports), its OpenID token
    endpoint on a port of its own, as GRDF's OpenID host is not the API host."""
    server = start_grdf(0, separate_token_host=True)
    yield server
    server.stop()


@pytest.fixture
def adict(grdf_server: GrdfSandbox) -> Iterator[GrdfSandbox]:
    """The sandbox back in its demo state (demo PCEs' rights, no faults, counters at zero).

    After the test, EVERY answer the sandbox gave during it is validated against the models of
    the documented shapes (adict_shapes.py), so connector and sandbox cannot agree on a wrong one.
    """
    grdf_server.state.reset()
    grdf_server.state.timeout_delay_s = 1.5
    yield grdf_server
    for method, path, status, ctype, body in list(grdf_server.state.answers):
        try:
            check_answer(method, path, status, ctype, body, TOKEN_PATH)
        except Exception as exc:
            pytest.fail(f"sandbox answer outside the documented shapes: {method} {path} -> {status}: "
                        f"{exc}\n{body[:600]!r}")


def make_client(sandbox: GrdfSandbox, *, rate: float = 5.0, secret: str = DEMO_CLIENT_SECRET,
                **kwargs) -> AdictClient:
    """A client of the demo third party with its own limiter and short timeouts and backoff."""
    options = {"timeout": 0.8, "max_attempts": 4, "backoff_s": 0.05, "max_backoff_s": 0.3} | kwargs
    return AdictClient(sandbox.api_url, sandbox.token_url, DEMO_CLIENT_ID, secret,
                       limiter=RateLimiter(rate), **options)


@pytest.fixture
def client(adict: GrdfSandbox) -> Iterator[AdictClient]:
    """A demo client within the 5 calls/s limit."""
    with make_client(adict) as c:
        yield c


@pytest.fixture
def conn(pg_url: str):
    """An autocommit warehouse connection (as tasks use it)."""
    from collecte.warehouse.db import connect

    with connect(pg_url, autocommit=True) as c:
        yield c
