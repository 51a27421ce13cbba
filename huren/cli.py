"""``huren``: one command line over the ledger, the province node, the verifier and the auditor.

Each package owns its sub-commands and registers them here through a ``register(subparsers)``
function, so this module only dispatches; a sub-command's handler returns the process exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

from ledger.recursion_limit import restore_recursion_limit

__all__ = ["main"]

# Modules that contribute sub-commands, in the order `huren --help` lists them.
_COMMAND_MODULES: tuple[str, ...] = (
    "ledger.cli",
    "audit.cli",
    "verifier.cli",
    "province_nodes.cli",
    "huren.demo.cli",
    "huren.bench",
)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every package's sub-commands."""
    parser = argparse.ArgumentParser(
        prog="huren",
        description="huren (互认): blockchain-anchored mutual recognition of e-certificates.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``huren`` command; returns its exit code."""
    restore_recursion_limit()
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
