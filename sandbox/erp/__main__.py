"""`python -m sandbox.erp --port 8091 [--token T]`: run the sandbox ERP in the foreground (demo)."""

from __future__ import annotations

import argparse


def main() -> None:
    """Parse arguments and serve until interrupted."""
    import uvicorn

    from sandbox.erp.app import create_app

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--token", default=None, help="bearer token callers must present")
    args = parser.parse_args()
    uvicorn.run(create_app(args.token), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
