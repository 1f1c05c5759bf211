"""Run the sandbox ERP on 127.0.0.1 in a background thread (tests, demo)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from sandbox.services.common import ensure_port_free, port_in_use, wait_until


@dataclass
class ErpServer:
    """A uvicorn server for the ERP app, in a daemon thread of this process."""

    port: int
    token: str | None = None
    _server: Any = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>`."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ErpServer:
        """Start and wait until the port answers."""
        import uvicorn

        from sandbox.erp.app import create_app

        ensure_port_free("sandbox ERP", self.port)
        config = uvicorn.Config(create_app(self.token), host="127.0.0.1", port=self.port, log_level="warning",
                                access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="sandbox-erp", daemon=True)
        self._thread.start()
        wait_until("sandbox ERP", lambda: port_in_use(self.port), timeout=15,
                   alive=lambda: self._thread is not None and self._thread.is_alive())
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for the thread."""
        if self._server is not None:
            self._server.should_exit = True
            if self._thread is not None:
                self._thread.join(timeout=10)
            self._server = None


_RUNNING: dict[str, ErpServer] = {}


def start_erp(port: int, *, token: str | None = None) -> str:
    """Start the sandbox ERP on 127.0.0.1:`port`; return its base URL (stop with `stop_erp`)."""
    server = ErpServer(port, token).start()
    _RUNNING[server.base_url] = server
    return server.base_url


def stop_erp(base_url: str) -> None:
    """Stop an ERP started by `start_erp`."""
    server = _RUNNING.pop(base_url, None)
    if server is not None:
        server.stop()
