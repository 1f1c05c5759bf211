"""Delivery of checked invoices: REST push to an ERP, CSV to an SFTP outbox, another database.

Exporters are chosen per organization in `include/config/exports/*.yaml` (`config`); every delivery
goes through the ledger (`ledger`: `export_delivery`, `export_ack`) keyed by invoice version
(`versions`), so a rerun sends nothing twice and a corrected invoice goes as a new version.
Entry point: `runner.run_exports(conn, config, invoices, connectors)`.
"""
