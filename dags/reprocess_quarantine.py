"""### Reprocess quarantine (manual Airflow DAG)

Replays one quarantined raw object after a fix, and loads what now passes its checks.

1. Find the raw key in the `quarantine_record` table (or the failed run's `quarantine_notice`).
2. Fix the cause: edit the quarantined object in place (`quarantine/<raw path>/dataset=<name>/...`),
   correct a rule, or deploy a fixed parser.
3. Trigger this DAG with **Raw key** (and optionally **Dataset**, and **Reparser**
   `package.module:function` when the parser was fixed: the records are then rebuilt from the
   immutable raw object).

Records that pass are upserted and marked `released`; those still failing stay quarantined and
the run fails saying which checks they fail.
"""

from collecte.dags.quality import build_reprocess_quarantine

dag = build_reprocess_quarantine(doc_md=__doc__)
