"""`python -m sandbox.portals --port N --state-dir DIR`: serve the sandbox portals until Ctrl-C."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sandbox.portals.server import PortalsServer


def main() -> None:
    """Parse arguments, print the base URLs as JSON, serve."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--state-dir", type=Path, default=Path(".local/portals"))
    parser.add_argument("--print-connections", action="store_true",
                        help="print the Airflow connections of the sandbox accounts (JSON) and exit")
    args = parser.parse_args()
    server = PortalsServer(args.state_dir, port=args.port)
    urls = {k: v for k, v in server.urls().items()}
    if args.print_connections:
        from sandbox.portals.accounts import demo_connections

        print(json.dumps(demo_connections(urls), indent=2))
        return
    print(json.dumps(urls), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
