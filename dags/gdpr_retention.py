"""Daily GDPR housekeeping (Airflow DAG): purge past retention, expire mandates, remind signatories.

Retention per data kind is set in `include/config/retention.yaml` (invoices 10 years, load curves
2 years, debug captures 30 days, ...): S3 objects under each kind's prefixes and warehouse rows
older than that are deleted (tables not deployed yet are skipped). Signed mandates past their end
become `expired` (the consent gate already refuses them); signatories of mandates ending within
30 days get one reminder e-mail with their personal link. See docs/register_of_processing.md.
"""

from collecte.dags.gdpr import build_gdpr_retention

dag = build_gdpr_retention(doc_md=__doc__)
