"""GDPR erasure (Airflow DAG): carries out the erasure requests recorded by the consent pages.

A contact who asks for erasure (their personal page, or staff on their behalf) records a request
(`collecte.consent.erasure.request_erasure`); every 15 minutes, or at once when triggered with
Params *request_id*, this DAG carries each open request out, one mapped task per request: by
identifiers from the registry (contact -> mandates -> supplier accounts -> meters), the warehouse
first (one transaction), then the S3 objects of those accounts and meters (found through the
subject index written as they landed) once the warehouse has committed. The report of what was
erased is kept in `erasure_request.summary`; the audit log gets one row and is never rewritten.
"""

from collecte.dags.gdpr import build_gdpr_erasure

dag = build_gdpr_erasure(doc_md=__doc__)
