"""Supplier collection DAGs: one Airflow DAG `collect_<code>` per file in include/config/suppliers/.

Adding a supplier is adding a YAML file there (and, for a portal, a page module): see README.
When a worker parses this file to run one task, only that task's DAG is built.
"""

from airflow.sdk import get_parsing_context

from collecte.config import load_suppliers
from collecte.dags.factory import build_supplier_dag

_running = get_parsing_context().dag_id

for _supplier in load_suppliers():
    _dag_id = f"collect_{_supplier.code}"
    if _running is None or _running == _dag_id:
        globals()[_dag_id] = build_supplier_dag(_supplier)
