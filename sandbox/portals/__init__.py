"""Sandbox supplier portals: Volta, Azur (portal and REST API) and GazÉlec, with their scenarios.

    from sandbox.portals import start_portals
    urls = start_portals(tmp_path)      # {"volta": "http://127.0.0.1:P/volta", ..., "mailbox": ".../mailbox"}
    urls.server.stop()

or, for the demo: ``python -m sandbox.portals --port 8700 --state-dir .local/portals``.
"""

from sandbox.portals.accounts import SandboxAccount, default_accounts, demo_connections
from sandbox.portals.server import PortalsServer, PortalUrls, start_portals

__all__ = ["PortalUrls", "PortalsServer", "SandboxAccount", "default_accounts", "demo_connections", "start_portals"]
