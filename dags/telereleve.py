"""Remote reading (télé-relève) for newly covered meters, electricity and gas (Airflow DAG `telereleve`),
and the operator side of revoked or expired mandates (Airflow DAG `stop_operator_access`).

Enedis: for each PRM the consent gate allows and that is not activated yet, SGE activates load-curve
recording with recurring transmission (F300C) and daily index + max power (F305), then orders M023
history; a sensor (reschedule mode) waits for the result files on the SFTP drop, which land through
the drop landing (file-age and size guards), are checked (Great Expectations) and loaded into
`load_curve`, and moved to `processed/`. GRDF: the access right of each allowed PCE is declared from
its mandate. Params: meters (empty: all configured), days of M023 history.

`stop_operator_access` (hourly): for each meter of a mandate revoked or expired, stops the SGE
subscribed services and revokes the GRDF access right, unless another mandate still covers it;
outcomes in `operator_access_stop`.
"""

from collecte.dags.enedis_telereleve import build_access_stop, build_telereleve

dag = build_telereleve(doc_md=__doc__)
access_stop_dag = build_access_stop()
