"""Daily electricity data from Enedis Data Connect: daily energy, load curves, max power, indexes, contract data.

One run per Paris day D (its data interval); it waits for Enedis's publication (D+1 08:30), then
collects the PRMs of `include/config/operators/enedis.yaml` that the consent gate allows, in batches
mapped over the pool `enedis` (5 calls/s in all). Refused meters are recorded NO_CONSENT; consent
revoked at Enedis flags the meter; a history wall is remembered; "no data" is recorded as a gap.
`airflow backfill create --dag-id collect_enedis --from-date … --to-date …` yields the same rows as
`import_meter_history` for the same days. Manual runs: fill *From*/*To*.
"""

from collecte.dags.enedis import build_collect_enedis

dag = build_collect_enedis(doc_md=__doc__)
