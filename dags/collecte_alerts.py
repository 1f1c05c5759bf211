"""Alerts that reach a person (Airflow DAG): one message per incident, not per retry, and a daily digest.

Every 15 minutes: accounts and meters entering a problem state, quarantined data, missing files
(sequence gaps), mandates and GRDF access rights ending within 30 days, exports the ERP refused and
failed collection runs become incidents; each new one is sent once by e-mail (the `collecte_smtp`
connection) and/or a webhook (an `http` connection), as set in `include/config/alerts.yaml`; the
open ones are listed in a digest each morning.
"""

from collecte.dags.alerts import build_alerts

dag = build_alerts(doc_md=__doc__)
