"""Enedis recurring flows (Airflow DAG `collect_sge_flows`, daily): R50 load curves and R151 daily indexes and
max power of the C5 meters `telereleve` subscribed to recurring transmission (F300C, F305).

The encrypted archives land unchanged from the SFTP drop (file-age and size guards, consent gate per
PRM), then are decrypted with the key and IV of the `enedis_sge` connection's extra, unzipped within
bounds, parsed, checked (Great Expectations) and loaded into `load_curve`, `meter_index` and
`max_power`; a bad archive is quarantined with its reason, the others load. The run is red when a
sequence number is missing past the grace (naming the flow and the numbers) or an archive could not
be loaded; a late file is reported once it arrives.
"""

from collecte.dags.sge_flows import build_sge_flows

dag = build_sge_flows(doc_md=__doc__)
