"""The client certificate authenticates to SGE: the sandbox behind mutual TLS on 127.0.0.1 (a local CA)."""

import ipaddress
import ssl
import threading
from datetime import UTC, datetime, timedelta

import pytest

from collecte.errors import TransientError
from collecte.retry import RetryPolicy
from collecte.sources.enedis.sge import SgeClient
from sandbox.enedis import meters
from tests.integration.enedis.conftest import TODAY

pytestmark = [pytest.mark.services, pytest.mark.timeout(60)]


def _certificate(subject: str, key, issuer=None, issuer_key=None, *, ca: bool = False, server: bool = False):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.now(UTC)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer or name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    elif not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


@pytest.fixture
def pki(tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    def write(name, cert, key):
        (tmp_path / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (tmp_path / f"{name}.key").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        return str(tmp_path / f"{name}.pem"), str(tmp_path / f"{name}.key")

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _certificate("test SGE CA", ca_key, ca=True)
    files = {"ca": write("ca", ca, ca_key)}
    for name, server in (("server", True), ("client", False)):
        key = ec.generate_private_key(ec.SECP256R1())
        files[name] = write(name, _certificate(name, key, ca.subject, ca_key, server=server), key)
    return files


@pytest.fixture
def tls_sandbox(pki):
    from sandbox.enedis.server import _Handler, _Server
    from sandbox.enedis.state import SandboxState

    server = _Server(("127.0.0.1", 0), _Handler)
    server.state = SandboxState(today=TODAY)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=pki["ca"][0])
    context.verify_mode = ssl.CERT_REQUIRED  # SGE authenticates the third party by its certificate
    context.load_cert_chain(*pki["server"])
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_client_certificate_opens_sge_and_its_absence_does_not(tls_sandbox, pki):
    with SgeClient(tls_sandbox, cert=pki["client"], ca_file=pki["ca"][0]) as sge:
        point = sge.technical_data(meters.NORMAL)
    assert point["@id"] == meters.NORMAL
    with SgeClient(tls_sandbox, ca_file=pki["ca"][0], policy=RetryPolicy(attempts=1)) as anonymous, \
            pytest.raises(TransientError):
        anonymous.technical_data(meters.NORMAL)
