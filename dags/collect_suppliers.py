"""Supplier collection DAGs: one `collect_<code>` per file in include/config/suppliers/.

Adding a supplier is adding a YAML file there (and, for a portal, a page module): see README.
"""

from collecte.config import load_suppliers
from collecte.dags.factory import build_supplier_dag

for _supplier in load_suppliers():
    globals()[f"collect_{_supplier.code}"] = build_supplier_dag(_supplier)
