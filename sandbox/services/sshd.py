"""OpenSSH's sshd serving SFTP on 127.0.0.1: key authentication only, a generated host key.

The host key is generated once per state directory and its public line is what the Airflow
connection pins (`host_key` extra), so an unknown or changed server is refused. SFTP sessions
start in `root_dir`, so remote paths in config are relative (`nordis/outgoing`).
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.services.common import ServiceError, die_with_parent, ensure_port_free, port_in_use, wait_until


def _sshd_binary() -> str:
    found = shutil.which("sshd") or ("/usr/sbin/sshd" if Path("/usr/sbin/sshd").exists() else None)
    if not found:
        raise ServiceError("sshd: not installed (apt-get install openssh-server)")
    return found


def _keygen(path: Path) -> None:
    if not path.exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "collecte-local", "-f", str(path)],
                       check=True)


@dataclass
class SshdServer:
    """One sshd with its keys and config under `state_dir`, serving files under `root_dir`."""

    state_dir: Path
    root_dir: Path
    port: int
    _process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def host_key_file(self) -> Path:
        return self.state_dir / "ssh_host_ed25519_key"

    @property
    def client_key_file(self) -> Path:
        """Private key the SFTP connection authenticates with."""
        return self.state_dir / "client_ed25519_key"

    @property
    def username(self) -> str:
        """The account SFTP clients log in as."""
        return getpass.getuser()

    @property
    def host_key(self) -> str:
        """`ssh-ed25519 AAAA…` line to pin in the connection."""
        parts = (self.host_key_file.with_suffix(".pub")).read_text().split()
        return f"{parts[0]} {parts[1]}"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / "sshd.pid"

    def connection_extra(self) -> dict:
        """Extra of the Airflow `sftp` connection for this server."""
        return {"key_file": str(self.client_key_file), "host_key": self.host_key, "no_host_key_check": False}

    def prepare(self) -> None:
        """Keys and sshd_config (idempotent)."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.root_dir.mkdir(parents=True, exist_ok=True)
        _keygen(self.host_key_file)
        _keygen(self.client_key_file)
        authorized = self.state_dir / "authorized_keys"
        authorized.write_text(self.client_key_file.with_suffix(".pub").read_text())
        os.chmod(authorized, 0o600)
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)
        (self.state_dir / "sshd_config").write_text(
            f"Port {self.port}\n"
            "ListenAddress 127.0.0.1\n"
            f"HostKey {self.host_key_file}\n"
            f"PidFile {self.pid_file}\n"
            f"AuthorizedKeysFile {authorized}\n"
            "PubkeyAuthentication yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "PermitRootLogin prohibit-password\nUsePAM no\nStrictModes no\n"
            "AllowTcpForwarding no\nX11Forwarding no\nPermitTTY no\n"
            "Subsystem sftp internal-sftp\n"
            f"ForceCommand internal-sftp -d {self.root_dir}\n"
            "LogLevel ERROR\n"
        )

    def start(self) -> SshdServer:
        """Start sshd in the foreground of a child process and wait for its port."""
        ensure_port_free("sshd (sftp)", self.port)
        self.prepare()
        log = open(self.state_dir / "sshd.log", "ab")  # noqa: SIM115 - the child keeps it open
        self._process = subprocess.Popen(
            [_sshd_binary(), "-D", "-e", "-f", str(self.state_dir / "sshd_config")],
            stdout=log, stderr=log, start_new_session=True, preexec_fn=die_with_parent)
        wait_until("sshd (sftp)", lambda: port_in_use(self.port), timeout=15,
                   alive=lambda: self._process.poll() is None,
                   log_hint=f"See {self.state_dir / 'sshd.log'}.")
        return self

    def stop(self) -> None:
        """Stop sshd."""
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
            self._process = None
        elif self.pid_file.exists():
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(self.pid_file.read_text().strip()), 15)
