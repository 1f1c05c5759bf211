"""Fixtures of the fault suite: the sandbox portals, Enedis and GRDF stand-ins of the integration tests."""

from __future__ import annotations

from tests.integration.enedis.conftest import enedis  # noqa: F401,E402  (fixture)
from tests.integration.grdf.conftest import adict, grdf_server  # noqa: F401,E402  (fixtures)
from tests.integration.portals.conftest import portals  # noqa: F401  (fixture)

