"""Helpers shared by the service launchers: ports, readiness, users."""

from __future__ import annotations

import os
import pwd
import socket
import time
from collections.abc import Callable


class ServiceError(RuntimeError):
    """A local service that could not start; the message names it."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port: int) -> bool:
    """Whether something listens on 127.0.0.1:port."""
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def ensure_port_free(service: str, port: int) -> None:
    """Raise a ServiceError naming `service` if `port` is taken."""
    if port_in_use(port):
        raise ServiceError(f"{service}: port 127.0.0.1:{port} is already in use by another process")


def wait_until(service: str, ready: Callable[[], bool], timeout: float = 30.0,
               alive: Callable[[], bool] | None = None, log_hint: str = "") -> None:
    """Poll `ready` until true; raise a ServiceError naming `service` on timeout or early death."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if alive is not None and not alive():
            raise ServiceError(f"{service}: exited during start-up. {log_hint}".strip())
        time.sleep(0.1)
    raise ServiceError(f"{service}: not ready after {timeout:.0f} s. {log_hint}".strip())


def run_as(user: str) -> Callable[[], None] | None:
    """A preexec_fn dropping root privileges to `user` (PostgreSQL refuses to run as root)."""
    if os.geteuid() != 0:
        return None
    entry = pwd.getpwnam(user)

    def demote() -> None:
        os.setgid(entry.pw_gid)
        os.setuid(entry.pw_uid)

    return demote


def chown_tree(path: str, user: str) -> None:
    """Give `path` (recursively) to `user` when running as root."""
    if os.geteuid() != 0:
        return
    entry = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)
