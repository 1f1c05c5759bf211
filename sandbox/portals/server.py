"""One uvicorn server (in a thread) serving the three sandbox portals and Azur's API on 127.0.0.1.

Portals live under distinct path prefixes (`/volta`, `/azur`, `/gazelec`, `/azur-api/v1`), each
with cookies scoped to its prefix, so one port serves them all without sharing sessions.
`/_sandbox/...` lets tests and the demo switch a portal into maintenance (HTTP 503).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from sandbox.portals.accounts import SandboxAccount
from sandbox.portals.documents import DocumentStore
from sandbox.portals.state import PortalState

PREFIXES = {"volta": "/volta", "azur": "/azur", "gazelec": "/gazelec", "azur_api": "/azur-api/v1"}


def build_app(state: PortalState) -> Any:
    """The ASGI app of every sandbox portal."""
    from fastapi import FastAPI, Request

    from sandbox.portals import azur, azur_api, gazelec, volta
    from sandbox.portals.pages import MaintenanceError, maintenance_page

    app = FastAPI(title="collecte sandbox supplier portals", docs_url=None, redoc_url=None, openapi_url=None)
    for module in (volta, azur, azur_api, gazelec):
        app.include_router(module.router(state))
    names = {"volta": ("Volta Énergie", volta.CSS), "azur": ("Azur Électricité", azur.CSS),
             "gazelec": ("GazÉlec Pro", gazelec.CSS)}

    @app.exception_handler(MaintenanceError)
    def _maintenance(request: Request, exc: MaintenanceError) -> Any:
        name, css = names[exc.portal]
        resp = maintenance_page(name, css)
        resp.headers["Retry-After"] = "60"
        return resp

    @app.get("/_sandbox/health")
    def _health() -> dict:
        return {"ok": True}

    @app.post("/_sandbox/maintenance/{portal}")
    def _maintenance_switch(portal: str, on: bool = True) -> dict:
        (state.maintenance.add if on else state.maintenance.discard)(portal)
        return {"portal": portal, "maintenance": on}

    return app


class PortalUrls(dict):
    """Base URL per portal (`volta`, `azur`, `gazelec`, `azur_api`), plus `mailbox` (Maildir path).

    `.server` is the running PortalsServer (stop it with `.server.stop()`).
    """

    server: PortalsServer


class PortalsServer:
    """The sandbox portals on one port, in a background thread of this process."""

    def __init__(self, state_dir: Path, *, port: int | None = None, accounts: list[SandboxAccount] | None = None,
                 documents: DocumentStore | None = None, idle_timeout: float = 900.0) -> None:
        from sandbox.services.common import free_port

        self.port = port or free_port()
        self.state = PortalState(Path(state_dir), accounts, documents, idle_timeout)
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>."""
        return f"http://127.0.0.1:{self.port}"

    def urls(self) -> PortalUrls:
        """Base URL of each portal and the Maildir path."""
        urls = PortalUrls({code: self.base_url + prefix for code, prefix in PREFIXES.items()})
        urls["mailbox"] = str(self.state.maildir)
        urls.server = self
        return urls

    def start(self) -> PortalsServer:
        """Serve in a daemon thread; return once the port answers."""
        import uvicorn

        from sandbox.services.common import ensure_port_free, port_in_use, wait_until

        ensure_port_free("sandbox portals", self.port)
        self.state.state_dir.mkdir(parents=True, exist_ok=True)
        config = uvicorn.Config(build_app(self.state), host="127.0.0.1", port=self.port, log_level="warning",
                                access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="sandbox-portals", daemon=True)
        self._thread.start()
        wait_until("sandbox portals", lambda: port_in_use(self.port), timeout=15,
                   alive=lambda: self._thread is not None and self._thread.is_alive())
        return self

    def serve_forever(self) -> None:
        """Serve in the foreground until interrupted (the `python -m sandbox.portals` launcher)."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None


def start_portals(state_dir: Path | str, **kwargs: Any) -> PortalUrls:
    """Start the sandbox portals; return their base URLs (`.server.stop()` stops them)."""
    return PortalsServer(Path(state_dir), **kwargs).start().urls()
