"""Hooks on Airflow's BaseHook for collecte's external systems (one module per system)."""
