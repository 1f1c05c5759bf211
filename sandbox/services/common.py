"""Helpers shared by the service launchers: ports, readiness, users."""

from __future__ import annotations

import os
import pwd
import signal
import socket
import time
from collections.abc import Callable
from typing import Any


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


def _libc() -> Any:
    # Loaded in the parent: after the user change, the child may not be allowed to read the
    # Python installation (e.g. under /root) to import anything.
    import ctypes

    return ctypes.CDLL("libc.so.6", use_errno=True)


_PR_SET_PDEATHSIG = 1
_LIBC = _libc()


def die_with_parent() -> None:
    """In a child: receive SIGTERM when the parent dies (Linux), so a killed test run leaves no server."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def run_as(user: str, *, attached: bool = False) -> Callable[[], None] | None:
    """A preexec_fn dropping root privileges to `user` (PostgreSQL refuses to run as root).

    `attached`: the child also dies with its parent (set after the user change, which clears it).
    """
    entry = pwd.getpwnam(user) if os.geteuid() == 0 else None
    if entry is None and not attached:
        return None

    def demote() -> None:
        if entry is not None:
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)
        if attached:
            die_with_parent()

    return demote


def chown_tree(path: str, user: str) -> None:
    """Give `path` (a file, or a folder recursively) to `user` when running as root."""
    if os.geteuid() != 0:
        return
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)  # os.walk yields nothing for a file
    for root, dirs, files in os.walk(path):
        os.chown(root, entry.pw_uid, entry.pw_gid)
        for name in dirs + files:
            os.chown(os.path.join(root, name), entry.pw_uid, entry.pw_gid)
