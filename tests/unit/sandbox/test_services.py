"""The local service launchers fail clearly: the message names the service and the port."""

from __future__ import annotations

import socket

import pytest

from sandbox.services.common import ServiceError, free_port, wait_until


@pytest.fixture
def busy_port():
    """A port something else listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_postgres_on_a_taken_port_names_the_service(tmp_path, busy_port):
    from sandbox.services.postgres import PostgresServer

    with pytest.raises(ServiceError, match=rf"postgresql: port 127.0.0.1:{busy_port} is already in use"):
        PostgresServer(tmp_path / "pg", busy_port).start()


def test_sshd_on_a_taken_port_names_the_service(tmp_path, busy_port):
    from sandbox.services.sshd import SshdServer

    with pytest.raises(ServiceError, match=r"sshd \(sftp\): port .* already in use"):
        SshdServer(tmp_path / "ssh", tmp_path / "sftp", busy_port).start()


def test_s3_on_a_taken_port_names_the_service(busy_port):
    from sandbox.services.s3 import S3Server

    with pytest.raises(ServiceError, match=r"s3 \(moto server\): port .* already in use"):
        S3Server(busy_port).start()


def test_a_service_that_never_comes_up_is_named():
    with pytest.raises(ServiceError, match="sandbox erp: not ready after 1 s"):
        wait_until("sandbox erp", lambda: False, timeout=1)


def test_a_service_that_dies_during_start_up_is_named():
    with pytest.raises(ServiceError, match="sshd \\(sftp\\): exited during start-up. See x.log"):
        wait_until("sshd (sftp)", lambda: False, timeout=5, alive=lambda: False, log_hint="See x.log.")


def test_free_port_is_free():
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
