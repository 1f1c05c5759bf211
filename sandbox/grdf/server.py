"""Launcher of the ADICT sandbox: uvicorn in a thread of this process, on 127.0.0.1.

    sandbox = start_grdf(port)          # tests: port 0 picks a free one
    sandbox.base_url                    # http://127.0.0.1:PORT
    sandbox.token_url                   # {base_url}/oauth2/aus-sandbox/v1/token (the OpenID host's path)
    sandbox.api_url                     # {base_url}/adict/v2
    sandbox.state.inject("500")         # next call fails
    sandbox.stop()

`python -m sandbox.grdf --port 8602` runs it in the foreground for the demo.
"""

from __future__ import annotations

import argparse
import threading
from dataclasses import dataclass, field
from typing import Any

from sandbox.grdf.app import API, TOKEN_PATH, create_app
from sandbox.grdf.state import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, SCOPE, SandboxState
from sandbox.services.common import ensure_port_free, free_port, port_in_use, wait_until


@dataclass
class GrdfSandbox:
    """A running ADICT sandbox and its state."""

    port: int
    state: SandboxState = field(default_factory=SandboxState)
    _server: Any = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        """Root URL of the stand-in (ADICT and its OpenID token endpoint share it here)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """Root of the ADICT API."""
        return self.base_url + API

    @property
    def token_url(self) -> str:
        """OAuth2 token endpoint."""
        return self.base_url + TOKEN_PATH

    def connection_extra(self) -> dict[str, str]:
        """The `extra` of an Airflow connection pointing at this sandbox (demo client)."""
        return {"token_url": self.token_url, "scope": SCOPE}

    def start(self) -> GrdfSandbox:
        """Serve in a daemon thread and wait until the port answers."""
        import uvicorn

        ensure_port_free("grdf sandbox", self.port)
        config = uvicorn.Config(create_app(self.state), host="127.0.0.1", port=self.port,
                                log_level="warning", access_log=False, timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="grdf-sandbox", daemon=True)
        self._thread.start()
        wait_until("grdf sandbox", lambda: port_in_use(self.port), timeout=15)
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.should_exit = True
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = None


def start_grdf(port: int = 0) -> GrdfSandbox:
    """Start an ADICT sandbox on `port` (0: a free port) and return it."""
    return GrdfSandbox(port or free_port()).start()


def main() -> None:
    """Foreground demo server."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8602)
    parser.add_argument("--acceptance-delay", type=float, default=900.0,
                        help="seconds after which a declared access right is accepted by its holder")
    parser.add_argument("--fault-rate", type=float, default=0.0,
                        help="share of calls failing at random with a 500 or a timeout (seeded)")
    args = parser.parse_args()
    sandbox = start_grdf(args.port)
    sandbox.state.acceptance_delay_s = args.acceptance_delay
    sandbox.state.fault_rate = args.fault_rate
    print(f"GRDF ADICT sandbox on {sandbox.api_url} (token {sandbox.token_url}, "
          f"client {DEMO_CLIENT_ID} / {DEMO_CLIENT_SECRET})", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        sandbox.stop()


if __name__ == "__main__":
    main()
