"""Airflow-only building blocks of collecte: hooks, the error mapping, notifiers.

Domain modules never import this package; task builders and DAG factories do.
"""
