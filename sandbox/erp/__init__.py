"""The ERP stand-in: receives invoices over REST, enforces idempotency keys, fails on demand."""

from sandbox.erp.server import ErpServer, start_erp

__all__ = ["ErpServer", "start_erp"]
