"""The SFTP server (issue #11.19): a dedicated unprivileged user, chrooted into the served folder;
root may not log in; files it writes belong to that user."""

from __future__ import annotations

import pwd

import paramiko
import pytest

from sandbox.services.sshd import SFTP_USER

pytestmark = [pytest.mark.services, pytest.mark.timeout(60)]


def _sftp(server, username: str) -> paramiko.SFTPClient:
    transport = paramiko.Transport(("127.0.0.1", server.port))
    transport.connect(username=username, pkey=paramiko.Ed25519Key.from_private_key_file(str(server.client_key_file)))
    return paramiko.SFTPClient.from_transport(transport)


def test_clients_are_the_sftp_user_chrooted_into_the_served_folder(sshd_server, sftp_root):
    (sftp_root / "outgoing").mkdir()
    (sftp_root / "outgoing" / "a.csv").write_bytes(b"x;y\n")
    assert sshd_server.username == SFTP_USER
    sftp = _sftp(sshd_server, SFTP_USER)
    try:
        assert sftp.normalize(".") == "/"
        assert sftp_root.name in sftp.listdir("/")
        for outside in ("/etc/passwd", "../../../../etc/passwd", f"/{sftp_root.name}/../../etc/passwd"):
            with pytest.raises(OSError):
                sftp.stat(outside)
        sftp.rename(f"{sftp_root.name}/outgoing/a.csv", f"{sftp_root.name}/outgoing/a.done")  # the archive step
        with sftp.open(f"{sftp_root.name}/outgoing/upload.csv", "wb") as out:
            out.write(b"1;2\n")
    finally:
        sftp.close()
    assert (sftp_root / "outgoing" / "a.done").exists()
    assert (sftp_root / "outgoing" / "upload.csv").stat().st_uid == pwd.getpwnam(SFTP_USER).pw_uid != 0


def test_root_may_not_log_in(sshd_server):
    with pytest.raises(paramiko.AuthenticationException):
        _sftp(sshd_server, "root")
