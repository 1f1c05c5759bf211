"""Redis (Debian's `redis-server`) on 127.0.0.1: the Celery broker of collecte's worker mode.

No persistence (a broker restarted empty only loses queued messages, which the scheduler sends
again) and a password (`requirepass`) so that no other local user can feed the workers tasks.
`attached=True` (the tests) makes the server die with this process; otherwise it is left running
for `make stop` (the demo records its pid).
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.services.common import ServiceError, die_with_parent, ensure_port_free, port_in_use, wait_until


def redis_binary() -> str:
    """Path of redis-server (Debian package `redis-server`, in the Makefile's SYSTEM_PACKAGES)."""
    found = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)
    if not found:
        raise ServiceError("redis: redis-server is not installed (apt-get install redis-server, or `make setup`)")
    return found


@dataclass
class RedisServer:
    """One redis-server listening on 127.0.0.1:`port` with its files in `state_dir`."""

    state_dir: Path
    port: int
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18), repr=False)
    attached: bool = False
    _process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """The broker URL (database 0), password included: keep it out of logs."""
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def command(self) -> list[str]:
        """The redis-server command line (config on the command line, nothing written to /etc)."""
        return [redis_binary(), "--bind", "127.0.0.1", "--port", str(self.port), "--protected-mode", "yes",
                "--requirepass", self.password, "--dir", str(self.state_dir), "--save", "", "--appendonly", "no",
                "--daemonize", "no", "--logfile", ""]

    def start(self) -> RedisServer:
        """Start the server and wait until it answers PING."""
        ensure_port_free("redis", self.port)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.state_dir / "redis.log", "ab")  # noqa: SIM115 - handed to the child
        self._process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL,
                                         preexec_fn=die_with_parent if self.attached else None,
                                         start_new_session=not self.attached)
        wait_until("redis", self.ping, timeout=15, alive=lambda: self._process.poll() is None,
                   log_hint=f"See {self.state_dir / 'redis.log'}.")
        return self

    def ping(self) -> bool:
        """Whether the server answers an authenticated PING."""
        if not port_in_use(self.port):
            return False
        import redis

        try:
            return bool(redis.Redis(host="127.0.0.1", port=self.port, password=self.password,
                                    socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """Stop the server this object started."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
            self._process = None
