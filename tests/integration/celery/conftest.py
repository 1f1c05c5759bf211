"""Fixtures of the Celery test: the sandbox portals (same accounts as the portal tests)."""

from __future__ import annotations

from tests.integration.portals.conftest import portals  # noqa: F401  (fixture)
