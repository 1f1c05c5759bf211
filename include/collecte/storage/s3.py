"""S3 client construction.

Only standard S3 calls are used, so the same code runs against AWS S3, MinIO or the
local moto server: the endpoint is configuration (`endpoint_url`), never code.
"""

from __future__ import annotations

from typing import Any


def s3_client(
    *,
    endpoint_url: str | None = None,
    region_name: str = "eu-west-3",
    aws_access_key_id: str | None = None,
    aws_secret_access_key: str | None = None,
) -> Any:
    """Return a boto3 S3 client; `endpoint_url=None` means AWS itself."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region_name,
        aws_access_key_id=aws_access_key_id,
        aws_secret_access_key=aws_secret_access_key,
        config=Config(retries={"max_attempts": 5, "mode": "standard"}, s3={"addressing_style": "path"}),
    )


def s3_client_from_connection(conn_id: str) -> Any:
    """Return the boto3 S3 client of an Airflow `aws` connection (inside a task only)."""
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook

    return S3Hook(aws_conn_id=conn_id).get_conn()
