"""Export of invoices (Airflow DAG), scheduled on the `warehouse.invoice` Asset.

Runs whenever invoices are loaded (a supplier's collection, a backfill, a replay of quarantined
invoices by `reprocess_quarantine`): one mapped task per supplier whose invoices changed delivers
them to every target of `include/config/exports/*.yaml` (ERP REST push with an idempotency key per
invoice version, CSV to an SFTP outbox, another database). A rerun sends nothing twice. A failed
delivery (ERP outage) fails this DAG, retried with backoff; collection runs stay green.
Manual runs: Params *Suppliers* (empty: every supplier).
"""

from collecte.dags.delivery import build_export_dag

dag = build_export_dag(doc_md=__doc__)
