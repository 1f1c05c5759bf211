"""The supplier API road: one mapped task per contract (API key), same statuses as the portal road.

The road's `conn_id` holds the API base URL as host; each account's connection holds the API key
as password. A refused key is LOGIN_FAILED (no retry); HTTP 429/5xx and timeouts are SITE_DOWN
(retried with backoff; a short Retry-After is honoured in place).
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk import XComArg

from collecte.config.models import RoadConfig, SupplierConfig
from collecte.dags.roads.portal import (
    account_config,
    attempt_id,
    base_url,
    build_account_road,
    consent_gate,
    credentials,
    finish,
)

log = logging.getLogger("collecte.supplier_api")


def build_road(supplier: SupplierConfig, road: RoadConfig) -> XComArg:
    """Add one mapped `collect_account` task per API account and the `landed` task; return its output."""
    return build_account_road(supplier, road, run_api_account)


def run_api_account(supplier: SupplierConfig, road: RoadConfig, account_id: str, context: Any) -> list[dict[str, Any]]:
    """Task body of the API road's `collect_account`."""
    from datetime import datetime

    from collecte.dags.interval import PARIS, run_interval
    from collecte.dags.runtime import raw_zone
    from collecte.sources.supplier_api.collect import client_class, collect_api_account

    account = account_config(road, account_id)
    consent_gate(supplier, account_id, run_id=attempt_id(context))
    interval = run_interval(context)
    key = credentials(account).password
    log.info("%s/%s (API): invoices dated %s to %s", supplier.code, account_id, interval.first_day, interval.last_day)
    with client_class(road.gateway or supplier.code)(base_url(road.conn_id), key) as client:
        run = collect_api_account(client, raw_zone(), account=account_id, first=interval.first_day,
                                  last=interval.last_day, received=datetime.now(PARIS).date())
    return finish(supplier, run, context)
