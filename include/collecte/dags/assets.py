"""One Airflow Asset per warehouse dataset, so downstream DAGs can be scheduled on fresh data."""

from __future__ import annotations

from airflow.sdk import Asset


def dataset_asset(dataset: str) -> Asset:
    """The Asset updated whenever rows of `dataset` (a warehouse table) are loaded."""
    return Asset(name=f"warehouse.{dataset}", uri=f"collecte://warehouse/{dataset}", group="warehouse")
