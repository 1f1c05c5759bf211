"""Airflow DAG `collect_grdf`: daily gas data from GRDF ADICT (published and informative consumption,
contract and technical data).

PCEs come from `include/config/operators/grdf.yaml`, filtered by the consent gate; each one is
collected only while GRDF reports an Active access right covering the data. Mapped in batches over
the pool `grdf`. Manual runs: fill *From*/*To* to collect a span of days.
"""

from collecte.dags.grdf import build_collect_grdf

dag = build_collect_grdf(doc_md=__doc__)
