"""What tasks need from Airflow at run time: the raw zone, the warehouse URL, default arguments.

Called inside tasks only: connections and variables are never read when a DAG file is parsed.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

S3_CONN_ID = "collecte_s3"
WAREHOUSE_CONN_ID = "collecte_warehouse"
SFTP_CONN_ID = "collecte_sftp"
BUCKET_VARIABLE = "collecte_bucket"
DEFAULT_BUCKET = "collecte"
DEFAULT_EXECUTION_TIMEOUT = timedelta(hours=3)


def default_args(**overrides: Any) -> dict[str, Any]:
    """Task defaults: transient failures retried with exponential backoff, and a time limit.

    `execution_timeout` (3 hours unless overridden: the supplier factory sets one per road and
    for its stages from the config) fails a task that hangs instead of holding its slot for ever.
    The first delay is `COLLECTE_RETRY_DELAY_SECONDS` (default 30; the demo uses 5 so that its
    sandbox outages resolve in seconds).
    """
    args: dict[str, Any] = {
        "owner": "collecte",
        "retries": 3,
        "retry_delay": timedelta(seconds=int(os.environ.get("COLLECTE_RETRY_DELAY_SECONDS", "30"))),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
        "execution_timeout": DEFAULT_EXECUTION_TIMEOUT,
    }
    args.update(overrides)
    return args


def bucket() -> str:
    """The bucket of the raw, staged, quarantine and debug zones (Variable `collecte_bucket`)."""
    from airflow.sdk import Variable

    return Variable.get(BUCKET_VARIABLE, default=DEFAULT_BUCKET)


def raw_zone(conn_id: str = S3_CONN_ID) -> Any:
    """The RawZone behind the `collecte_s3` connection, indexing each object under its data subject."""
    from collecte.landing.raw_zone import RawZone
    from collecte.landing.subject_index import WarehouseSubjectIndex
    from collecte.storage.s3 import s3_client_from_connection

    return RawZone(s3_client_from_connection(conn_id), bucket(), subject_index=WarehouseSubjectIndex(warehouse_url()))


def warehouse_url(conn_id: str = WAREHOUSE_CONN_ID) -> str:
    """libpq URL of the warehouse connection, through PostgresHook (collecte.warehouse.db.connect takes it)."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    return PostgresHook(postgres_conn_id=conn_id).get_uri()
