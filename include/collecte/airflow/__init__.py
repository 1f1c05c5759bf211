"""Airflow-only building blocks of collecte: hooks, the error mapping, notifiers, callbacks.

Domain modules never import this package; task builders and DAG factories do.
"""
