"""OpenSSH's sshd serving SFTP on 127.0.0.1: key authentication only, a generated host key,
one dedicated unprivileged user chrooted into the served folder.

The host key is generated once per state directory and its public line is what the Airflow
connection pins (`host_key` extra), so an unknown or changed server is refused. Clients log in as
`collecte-sftp` (a system user without shell, created if missing), which sshd chroots into
`root_dir` (SFTP only, no forwarding, no TTY; root may not log in). sshd requires the chroot and
each of its parents to be owned by root and writable by nobody else, so `root_dir` must not lie
under /tmp (see `chroot_parent()`); inside it, a default ACL gives the SFTP user read and write on
whatever the sandbox or the tests create. Sessions start at the chroot's `/`, so remote paths in
config stay relative (`nordis/outgoing`).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.services.common import ServiceError, die_with_parent, ensure_port_free, port_in_use, wait_until

SFTP_USER = "collecte-sftp"


def chroot_parent() -> Path:
    """A root-owned folder (755, not under /tmp) in which chroot roots may be created."""
    parent = Path("/run/collecte-sftp")
    parent.mkdir(mode=0o755, exist_ok=True)
    os.chmod(parent, 0o755)
    return parent


def ensure_sftp_user() -> pwd.struct_passwd:
    """The SFTP user: a system user without shell, home or password (created when missing). Its
    password field is `*` (no password) rather than useradd's `!` (locked), which sshd refuses."""
    try:
        entry = pwd.getpwnam(SFTP_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", "--password", "*", SFTP_USER],
                       capture_output=True, check=False)
        try:  # another process may have created it meanwhile
            entry = pwd.getpwnam(SFTP_USER)
        except KeyError:
            raise ServiceError(f"sshd: could not create the SFTP user {SFTP_USER} (run as root)") from None
    subprocess.run(["usermod", "--password", "*", SFTP_USER], capture_output=True, check=False)
    return entry


def _check_chroot(path: Path) -> None:
    for part in [path, *path.parents]:
        info = part.stat()
        if info.st_uid != 0 or info.st_mode & 0o022:
            raise ServiceError(f"sshd: the SFTP chroot {path} needs {part} owned by root and writable by nobody "
                               "else (not under /tmp): use sandbox.services.sshd.chroot_parent()")


def _grant_sftp_user(root: Path) -> None:
    """Default ACL on the chroot (its own mode stays 755) and ACLs on what it holds already."""
    acl = f"u:{SFTP_USER}:rwX"
    subprocess.run(["setfacl", "-m", f"d:{acl}", str(root)], check=True)
    children = [str(p) for p in root.iterdir()]
    if children:
        subprocess.run(["setfacl", "-R", "-m", f"{acl},d:{acl}", *children], check=True)


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
        """The account SFTP clients log in as (chrooted into `root_dir`)."""
        return SFTP_USER

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
        os.chown(self.root_dir, 0, 0)
        os.chmod(self.root_dir, 0o755)
        _check_chroot(self.root_dir)
        user = ensure_sftp_user()
        _grant_sftp_user(self.root_dir)
        os.chmod(self.state_dir, 0o755)  # sshd reads authorized_keys as the user (private keys stay 0600)
        _keygen(self.host_key_file)
        _keygen(self.client_key_file)
        authorized = self.state_dir / "authorized_keys"
        authorized.write_text(self.client_key_file.with_suffix(".pub").read_text())
        os.chmod(authorized, 0o600)
        os.chown(authorized, user.pw_uid, user.pw_gid)
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)
        (self.state_dir / "sshd_config").write_text(
            f"Port {self.port}\n"
            "ListenAddress 127.0.0.1\n"
            f"HostKey {self.host_key_file}\n"
            f"PidFile {self.pid_file}\n"
            f"AuthorizedKeysFile {authorized}\n"
            "PubkeyAuthentication yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "PermitRootLogin no\nUsePAM no\nStrictModes no\n"
            f"AllowUsers {SFTP_USER}\n"
            "AllowTcpForwarding no\nAllowAgentForwarding no\nX11Forwarding no\nPermitTTY no\n"
            "Subsystem sftp internal-sftp\n"
            f"ChrootDirectory {self.root_dir}\n"
            "ForceCommand internal-sftp -d /\n"
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
