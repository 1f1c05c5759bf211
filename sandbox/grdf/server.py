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

from sandbox.grdf.app import API, TOKEN_PATH, create_app, create_token_app
from sandbox.grdf.state import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, SCOPE, SandboxState
from sandbox.services.common import ensure_port_free, free_port, port_in_use, wait_until


@dataclass
class GrdfSandbox:
    """A running ADICT sandbox and its state."""

    port: int
    token_port: int | None = None               # the OpenID host on its own port (None: same port)
    state: SandboxState = field(default_factory=SandboxState)
    _servers: list[tuple[Any, threading.Thread]] = field(default_factory=list, repr=False)

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
        return f"http://127.0.0.1:{self.token_port or self.port}{TOKEN_PATH}"

    def connection_extra(self) -> dict[str, str]:
        """The `extra` of an Airflow connection pointing at this sandbox (demo client)."""
        return {"token_url": self.token_url, "scope": SCOPE}

    def start(self) -> GrdfSandbox:
        """Serve in daemon threads and wait until the ports answer."""
        separate = self.token_port is not None
        self._serve("grdf sandbox", self.port, create_app(self.state, serve_token=not separate))
        if separate:
            self._serve("grdf openid sandbox", self.token_port, create_token_app(self.state))
        return self

    def _serve(self, name: str, port: int, app: Any) -> None:
        import uvicorn

        ensure_port_free(name, port)
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                                timeout_graceful_shutdown=1)
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name=name.replace(" ", "-"), daemon=True)
        thread.start()
        self._servers.append((server, thread))
        wait_until(name, lambda: port_in_use(port), timeout=15)

    def stop(self) -> None:
        """Stop serving."""
        for server, _ in self._servers:
            server.should_exit = True
        for _, thread in self._servers:
            thread.join(timeout=5)
        self._servers.clear()


def start_grdf(port: int = 0, *, token_port: int | None = None, separate_token_host: bool = False) -> GrdfSandbox:
    """Start an ADICT sandbox on `port` (0: a free port) and return it; with `token_port` or
    `separate_token_host`, the token endpoint is served on its own port only, as GRDF's OpenID
    host is not the API host."""
    if separate_token_host and token_port is None:
        token_port = free_port()
    return GrdfSandbox(port or free_port(), token_port).start()


def main() -> None:
    """Foreground demo server."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8602)
    parser.add_argument("--token-port", type=int, default=None,
                        help="serve the OpenID token endpoint on this port only (default: on --port too)")
    parser.add_argument("--acceptance-delay", type=float, default=900.0,
                        help="seconds after which a declared access right is accepted by its holder")
    parser.add_argument("--fault-rate", type=float, default=0.0,
                        help="share of calls failing at random with a 500 or a timeout (seeded)")
    args = parser.parse_args()
    sandbox = start_grdf(args.port, token_port=args.token_port)
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
