"""Supplier REST APIs (API key per contract): one module per supplier exposing `Client`, plus the
collection of one account (`collect.collect_api_account`), which lands PDFs like the portal road."""
