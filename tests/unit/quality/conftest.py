"""Fixtures of the quality tests: a warehouse connection with minimal invoice tables if absent."""

from __future__ import annotations

import pytest

# Minimal invoice tables with the columns of docs/DATA_MODEL.md, created only while migration 0100
# (the invoice engineer's) is not there yet.
INVOICE_TABLES = """
CREATE TABLE IF NOT EXISTS invoice (supplier text, invoice_number text, document_type text, invoice_date date,
  due_date date, customer_account text, customer_name text, energy text, totals jsonb, status text, reasons jsonb,
  source text, raw_key text, staged_key text, PRIMARY KEY (supplier, invoice_number));
CREATE TABLE IF NOT EXISTS invoice_site (supplier text, invoice_number text, meter_id text, site_name text,
  site_address text, period_start date, period_end date, tariff_option text, subscribed_power_kva numeric,
  max_power_kva numeric, consumption_kwh numeric, total_excl_tax numeric,
  PRIMARY KEY (supplier, invoice_number, meter_id));
CREATE TABLE IF NOT EXISTS invoice_reading (supplier text, invoice_number text, meter_id text, period text,
  index_start numeric, index_end numeric, unit text, conversion_coefficient numeric, reading_type text, kwh numeric,
  PRIMARY KEY (supplier, invoice_number, meter_id, period));
CREATE TABLE IF NOT EXISTS invoice_line (supplier text, invoice_number text, meter_id text, line_no integer,
  category text, label text, period text, quantity numeric, unit text, unit_price numeric, amount_excl_tax numeric,
  vat_rate numeric, PRIMARY KEY (supplier, invoice_number, meter_id, line_no));
"""


@pytest.fixture
def warehouse(pg_url):
    """An open connection to a fresh migrated warehouse, with invoice tables."""
    from collecte.warehouse.db import connect

    with connect(pg_url) as conn:
        conn.execute(INVOICE_TABLES)
        conn.commit()
        yield conn
