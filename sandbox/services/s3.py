"""The S3 API server: moto's server on 127.0.0.1 (no MinIO build is reachable from here).

The project only makes standard S3 calls with `endpoint_url`, so AWS S3 or MinIO serve equally.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.services.common import ensure_port_free, port_in_use, wait_until

ACCESS_KEY = "collecte-local"
SECRET_KEY = "collecte-local-secret"
REGION = "eu-west-3"


@dataclass
class S3Server:
    """A moto server in a thread of this process (tests) - see `python -m sandbox.services` for the demo."""

    port: int
    _server: Any = field(default=None, repr=False)

    @property
    def endpoint_url(self) -> str:
        """The URL clients pass as `endpoint_url`."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> S3Server:
        """Start the server and wait until it answers."""
        import logging

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)

        ensure_port_free("s3 (moto server)", self.port)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        wait_until("s3 (moto server)", lambda: port_in_use(self.port), timeout=15)
        return self

    def stop(self) -> None:
        """Stop the server (its data goes with it)."""
        if self._server is not None:
            self._server.stop()
            self._server = None

    def client(self) -> Any:
        """A boto3 client for this server."""
        from collecte.storage.s3 import s3_client

        return s3_client(endpoint_url=self.endpoint_url, region_name=REGION,
                         aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)

    def ensure_bucket(self, name: str) -> None:
        """Create `name` if missing."""
        client = self.client()
        existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
        if name not in existing:
            client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
