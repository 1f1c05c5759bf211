"""Cross-source check (Airflow DAG), scheduled on the `warehouse.invoice`, `daily_energy` and
`gas_consumption` Assets.

Compares the kWh each invoice bills with the kWh the grid operator metered for the same meter and
span, and records the verdicts in table `discrepancy` (set its `resolution` once handled). Runs for
the suppliers whose invoices changed, or for every supplier when metering changed.
Manual runs: Params *Suppliers* (empty: every supplier).
"""

from collecte.dags.delivery import build_crosscheck_dag

dag = build_crosscheck_dag(doc_md=__doc__)
