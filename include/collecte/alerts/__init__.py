"""Alerts that reach a person: incidents detected from the status tables, notified once each.

`detect` turns the warehouse's state (account_status, meter_status, quarantine_record,
file_status, mandates, gas access rights, export_delivery) into incidents; `incidents` opens,
refreshes and closes them so that a situation seen at every retry or run is still ONE incident;
`messages` writes what a person reads; the Airflow notifiers that deliver them (SMTP on a
connection, a generic webhook) are in `collecte.airflow.notifiers`. Recipients and thresholds are
in `include/config/alerts.yaml`.
"""
