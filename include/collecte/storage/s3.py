"""S3 client construction, with retries that survive what the network does to S3 calls.

Only standard S3 calls are used, so the same code runs against AWS S3, MinIO or the
local moto server: the endpoint is configuration (`endpoint_url`), never code.

Two layers of retries:
- botocore's own, `standard` mode (5xx, throttling codes, connection errors, read timeouts, a body
  cut while botocore reads it), with connect/read timeouts well under a task's;
- around every call, `ResilientS3` retries what still escapes as transient: an object body cut
  short while the caller reads it (botocore hands the stream over before it is read), and the
  failures left once botocore's retry quota is spent under a long outage. `get_object` reads the
  body inside the retry, so a caller never sees half an object.
Every write is idempotent (content-addressed raw keys, derived objects rewritten whole), so a
repeated PUT whose answer was lost changes nothing; `RawZone.land` verifies each raw object after
the PUT (size and SHA-256).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from collecte.retry import RetryPolicy, retrying

S3_POLICY = RetryPolicy(attempts=4, backoff=1.0, max_backoff=10.0)
_TRANSIENT_CODES = {"InternalError", "ServiceUnavailable", "SlowDown", "Throttling", "ThrottlingException",
                    "RequestTimeout", "RequestTimeTooSkewed", "TooManyRequests", "RequestLimitExceeded"}
_AS_IS = {"get_paginator", "can_paginate", "generate_presigned_url", "generate_presigned_post", "close",
          "get_waiter", "meta", "exceptions"}


def s3_config(*, connect_timeout: float = 5.0, read_timeout: float = 30.0, max_attempts: int = 6) -> Any:
    """botocore Config: path-style addressing, timeouts, `standard` retries (`max_attempts` counts the
    retries after the first call, as botocore reads it)."""
    from botocore.config import Config

    return Config(retries={"max_attempts": max_attempts, "mode": "standard"}, s3={"addressing_style": "path"},
                  connect_timeout=connect_timeout, read_timeout=read_timeout)


def s3_client(
    *,
    endpoint_url: str | None = None,
    region_name: str = "eu-west-3",
    aws_access_key_id: str | None = None,
    aws_secret_access_key: str | None = None,
    config: Any = None,
    policy: RetryPolicy = S3_POLICY,
) -> Any:
    """Return a resilient S3 client (`ResilientS3` around boto3's); `endpoint_url=None` means AWS itself."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region_name,
        aws_access_key_id=aws_access_key_id,
        aws_secret_access_key=aws_secret_access_key,
        config=config or s3_config(),
    )
    return ResilientS3(client, policy)


def s3_client_from_connection(conn_id: str, *, config: Any = None) -> Any:
    """The resilient S3 client of an Airflow `aws` connection, through S3Hook (inside a task only).

    The connection's extra may tune both layers: `config_kwargs` override the defaults of
    `s3_config()` (timeouts, botocore retries), `retry_policy` those of `S3_POLICY`
    (e.g. `{"attempts": 6, "backoff": 0.5}`).
    """
    import dataclasses

    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    probe = S3Hook(aws_conn_id=conn_id)
    configured = probe.config  # from the connection's extra, if any
    tuning = (probe.get_connection(conn_id).extra_dejson or {}).get("retry_policy") or {}
    policy = dataclasses.replace(S3_POLICY, **tuning)
    return ResilientS3(S3Hook(aws_conn_id=conn_id, config=config or s3_config().merge(configured)).get_conn(), policy)


def is_transient_s3(exc: BaseException) -> bool:
    """True for S3 failures worth retrying: network, timeouts, cut streams, 5xx and throttling."""
    from botocore.exceptions import (
        ClientError,
        HTTPClientError,
        IncompleteReadError,
        ResponseStreamingError,
    )
    from botocore.exceptions import ConnectionError as BotoConnectionError

    if isinstance(exc, BotoConnectionError | HTTPClientError | ResponseStreamingError | IncompleteReadError):
        return True
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return error.get("Code") in _TRANSIENT_CODES or status >= 500 or status == 429
    return False


class ResilientS3:
    """A boto3 S3 client whose every call is retried while its failure is transient (see module doc).

    Attribute access goes to the wrapped client, so it stands wherever a boto3 client does.
    """

    def __init__(self, client: Any, policy: RetryPolicy = S3_POLICY) -> None:
        self._client = client
        self.policy = policy

    @property
    def wrapped(self) -> Any:
        """The boto3 client itself."""
        return self._client

    def _retry(self, what: str, call: Any) -> Any:
        return retrying(call, what=f"S3 {what}", policy=self.policy, transient=is_transient_s3)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if name in _AS_IS or name.startswith("_") or not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            return self._retry(name, lambda: attr(*args, **kwargs))

        return call

    def get_object(self, **kwargs: Any) -> dict[str, Any]:
        """GetObject with the body read inside the retry: `Body` holds the whole object."""
        from botocore.response import StreamingBody

        def once() -> dict[str, Any]:
            answer = self._client.get_object(**kwargs)
            data = answer["Body"].read()
            return {**answer, "Body": StreamingBody(io.BytesIO(data), len(data))}

        return self._retry(f"get_object {kwargs.get('Key', '')}", once)

    def get_paginator(self, operation: str) -> Any:
        """Paginator; `list_objects_v2` pages are fetched through the retried call."""
        if operation == "list_objects_v2":
            return _ListPaginator(self)
        return self._client.get_paginator(operation)


class _ListPaginator:
    """`list_objects_v2` pages, each one a retried call (continuation tokens followed)."""

    def __init__(self, s3: ResilientS3) -> None:
        self._s3 = s3

    def paginate(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Every page, in order."""
        token: str | None = None
        while True:
            page = self._s3.list_objects_v2(**kwargs, **({"ContinuationToken": token} if token else {}))
            yield page
            token = page.get("NextContinuationToken") if page.get("IsTruncated") else None
            if not token:
                return
