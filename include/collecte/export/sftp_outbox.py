"""Writing export files to an SFTP outbox: atomically (temporary name, then rename), host key pinned.

Inside Airflow the provider's SFTPHook opens the session from the `sftp` connection (its extra pins
`host_key`); outside (tests, scripts) `paramiko_sftp` does the same with paramiko and a RejectPolicy,
so an unknown or changed server is refused either way.
"""

from __future__ import annotations

import contextlib
import posixpath
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def paramiko_sftp(host: str, port: int, username: str, key_file: str, host_key: str) -> Iterator[Any]:
    """An SFTP session trusting only `host_key` (`ssh-ed25519 AAAA...`)."""
    import base64

    import paramiko

    client = paramiko.SSHClient()
    key_type, key_data = host_key.split()[:2]
    known = paramiko.PKey.from_type_string(key_type, base64.b64decode(key_data))
    client.get_host_keys().add(f"[{host}]:{port}" if port != 22 else host, key_type, known)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(host, port=port, username=username, key_filename=key_file, allow_agent=False,
                   look_for_keys=False, timeout=15)
    try:
        sftp = client.open_sftp()
        try:
            yield sftp
        finally:
            sftp.close()
    finally:
        client.close()


@contextlib.contextmanager
def sftp_from_connection(conn_id: str) -> Iterator[Any]:
    """An SFTP session from an Airflow `sftp` connection (inside a task)."""
    from airflow.providers.sftp.hooks.sftp import SFTPHook

    with SFTPHook(ssh_conn_id=conn_id).get_managed_conn() as sftp:
        yield sftp


def _makedirs(sftp: Any, path: str) -> None:
    parts = [p for p in path.split("/") if p]
    current = "/" if path.startswith("/") else ""
    for part in parts:
        current = posixpath.join(current, part) if current else part
        try:
            sftp.stat(current)
        except OSError:
            sftp.mkdir(current)


def exists(sftp: Any, path: str) -> bool:
    """Whether `path` exists on the server."""
    try:
        sftp.stat(path)
    except OSError:
        return False
    return True


def put_atomic(sftp: Any, remote_dir: str, name: str, content: bytes) -> str:
    """Write `content` as `remote_dir/name`: a reader never sees a partial file. Returns the path."""
    import io

    _makedirs(sftp, remote_dir)
    final = posixpath.join(remote_dir, name)
    partial = final + ".part"
    sftp.putfo(io.BytesIO(content), partial, file_size=len(content), confirm=True)
    sftp.posix_rename(partial, final)
    return final
