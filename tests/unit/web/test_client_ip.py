"""The client address (issue #11.5): `X-Forwarded-For` is believed only from configured proxies."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from starlette.requests import Request

from collecte.web.auth import WebAuth, client_ip


def _request(peer: str, *forwarded: str, proxies: tuple[str, ...] = ()) -> Request:
    app = SimpleNamespace(state=SimpleNamespace(web_auth=WebAuth.build(b"s", trusted_proxies=proxies)))
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "method": "POST", "path": "/", "headers": headers, "client": (peer, 50000),
                    "app": app})


@pytest.mark.parametrize(("peer", "forwarded", "proxies", "expected"), [
    ("203.0.113.5", ("6.6.6.6",), (), "203.0.113.5"),                        # no proxy configured: the peer
    ("203.0.113.5", ("6.6.6.6",), ("10.0.0.0/8",), "203.0.113.5"),           # peer is not a trusted proxy
    ("10.0.0.2", ("198.51.100.7",), ("10.0.0.0/8",), "198.51.100.7"),        # one trusted proxy
    ("10.0.0.2", ("6.6.6.6, 198.51.100.7",), ("10.0.0.0/8",), "198.51.100.7"),  # client-sent hop is ignored
    ("10.0.0.2", ("6.6.6.6, 198.51.100.7, 10.0.0.9",), ("10.0.0.0/8",), "198.51.100.7"),  # proxy chain
    ("10.0.0.2", ("6.6.6.6", "198.51.100.7"), ("10.0.0.0/8",), "198.51.100.7"),  # repeated headers
    ("10.0.0.2", ("not-an-ip",), ("10.0.0.0/8",), "10.0.0.2"),               # garbage: the proxy itself
    ("10.0.0.2", (), ("10.0.0.0/8",), "10.0.0.2"),
    ("::1", ("2001:db8::5",), ("::1/128",), "2001:db8::5"),
])
def test_forwarded_for_is_believed_only_from_trusted_proxies(peer, forwarded, proxies, expected):
    assert client_ip(_request(peer, *forwarded, proxies=proxies)) == expected

