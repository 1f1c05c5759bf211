"""Remote reading (télé-relève) for newly covered meters, electricity and gas (Airflow DAG `telereleve`).

Enedis: for each PRM the consent gate allows and that is not activated yet, SGE activates load-curve
recording with recurring transmission (F300C) and daily index + max power (F305), then orders M023
history; a sensor (reschedule mode) waits for the result files on the SFTP drop, which are landed,
loaded into `load_curve` and moved to `processed/`. GRDF: the access right of each allowed PCE is
declared from its mandate. Params: meters (empty: all configured), days of M023 history.
"""

from collecte.dags.enedis_telereleve import build_telereleve

dag = build_telereleve(doc_md=__doc__)
