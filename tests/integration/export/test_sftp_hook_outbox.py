"""The outbox through Airflow's SFTP hook (as tasks use it): atomic write, pinned host key enforced."""

from __future__ import annotations

import json

import pytest

pytestmark = [pytest.mark.services, pytest.mark.timeout(60)]


def _connection(sshd_server, host_key: str) -> str:
    extra = {**sshd_server.connection_extra(), "host_key": host_key}
    return json.dumps({"conn_type": "sftp", "host": "127.0.0.1", "port": sshd_server.port,
                       "login": sshd_server.username, "extra": extra})


def test_outbox_via_sftp_hook(sshd_server, sftp_root, monkeypatch):
    from collecte.export.sftp_outbox import exists, put_atomic, sftp_from_connection

    monkeypatch.setenv("AIRFLOW_CONN_TEST_OUTBOX", _connection(sshd_server, sshd_server.host_key))
    with sftp_from_connection("test_outbox") as sftp:
        path = put_atomic(sftp, f"{sftp_root.name}/outbox/a/b", "entries.csv", b"x;y\r\n")
        assert exists(sftp, path) and not exists(sftp, path + ".part")
    assert (sftp_root / "outbox/a/b/entries.csv").read_bytes() == b"x;y\r\n"


def test_sftp_hook_refuses_a_server_with_another_host_key(sshd_server, monkeypatch, tmp_path):
    import subprocess

    import paramiko

    from collecte.export.sftp_outbox import sftp_from_connection

    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "k")], check=True)
    other = " ".join((tmp_path / "k.pub").read_text().split()[:2])
    monkeypatch.setenv("AIRFLOW_CONN_TEST_OUTBOX", _connection(sshd_server, other))
    with pytest.raises(paramiko.BadHostKeyException), sftp_from_connection("test_outbox"):
        pass
