"""`python -m collecte.sources.enedis <command> ...`: Enedis by hand, JSON Lines on stdout.

Commands: `fetch` (one meter from Data Connect, collecte.sources.enedis.fetch_cli) and `sge` (SGE SOAP
operations, collecte.sources.enedis.sge_cli). Each command module exposes `add_parser(subparsers)` and
sets `handler` (returns the exit status).
"""

from __future__ import annotations

import argparse
import sys

from collecte.sources.enedis import fetch_cli, sge_cli


def parser() -> argparse.ArgumentParser:
    """The command line parser with every sub-command."""
    main = argparse.ArgumentParser(prog="python -m collecte.sources.enedis", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = main.add_subparsers(dest="command", required=True)
    fetch_cli.add_parser(commands)
    sge_cli.add_parser(commands)
    return main


def main(argv: list[str] | None = None) -> int:
    """Parse and run; the exit status of the command."""
    args = parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
