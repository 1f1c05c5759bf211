"""Import a span of meter history on demand: in the Airflow UI, Trigger DAG with the Params form (operator, meters, from, to, data kinds).

Enedis: the span is cut into quarters (one mapped task per quarter and batch of meters) and each
quarter into calls within the operator's limits (7 days per curve call, 24/36 months of history);
paging back stops at a meter's history wall, which is remembered. GRDF: each PCE is collected over
the span by the GRDF connector while its access right is Active. Only meters the consent gate
allows are collected; the others are listed with the reason in the task log and in meter_status.
"""

from collecte.dags.enedis import build_import_meter_history

dag = build_import_meter_history(doc_md=__doc__)
