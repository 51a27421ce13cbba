"""``huren``: one command line over the ledger, the province node, the verifier and the auditor.

Each package owns its sub-command and adds it through its ``register(subparsers)`` function;
this module only chooses which to add and dispatches. A sub-command's handler returns the
process exit code.

DESIGN: start-up cost. Importing a package runs its ``__init__``, and the service packages'
pull in their whole stacks (the province node: FastAPI, SQLAlchemy, Alembic; the verifier:
web3), so every command importing every package cost seconds, and the demo starts each of its
node processes through ``huren node serve``. :data:`COMMANDS` therefore maps each command name
to a loader that imports its package's ``register`` (a plain import, which mypy checks): a
command line naming one command imports that package alone; ``huren --help`` and a command line
naming none (an error to report) load them all, to list them.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Protocol, TypeAlias

from ledger.recursion_limit import restore_recursion_limit

__all__ = ["COMMANDS", "Register", "build_parser", "main"]

# A string: argparse's action class is generic only to type checkers.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Handler = Callable[[argparse.Namespace], int]


class Register(Protocol):
    """A package's ``register``: adds its command (with ``handler`` set) to ``subparsers``."""

    def __call__(self, subparsers: Subparsers, /) -> None: ...


def _chain() -> Register:
    from ledger.cli import register

    return register


def _audit() -> Register:
    from audit.cli import register

    return register


def _verify() -> Register:
    from verifier.cli import register

    return register


def _node() -> Register:
    from province_nodes.cli import register

    return register


def _agency() -> Register:
    from verifier.service.cli import register

    return register


def _issue() -> Register:
    from huren.operator.cli import register_issue

    return register_issue


def _revoke() -> Register:
    from huren.operator.cli import register_revoke

    return register_revoke


def _suspend() -> Register:
    from huren.operator.cli import register_suspend

    return register_suspend


def _reinstate() -> Register:
    from huren.operator.cli import register_reinstate

    return register_reinstate


def _export() -> Register:
    from huren.operator.cli import register_export

    return register_export


def _disclose() -> Register:
    from certificate.cli import register

    return register


def _demo() -> Register:
    from huren.demo.cli import register

    return register


def _bench() -> Register:
    from huren.bench import register

    return register


COMMANDS: dict[str, Callable[[], Register]] = {
    "chain": _chain,
    "audit": _audit,
    "verify": _verify,
    "node": _node,
    "agency": _agency,
    "issue": _issue,
    "revoke": _revoke,
    "suspend": _suspend,
    "reinstate": _reinstate,
    "export": _export,
    "disclose": _disclose,
    "demo": _demo,
    "bench": _bench,
}
"""Each command's name and the loader of the ``register`` that adds it, in ``--help`` order."""


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser for ``argv``: with the command it names, or with every command."""
    parser = argparse.ArgumentParser(
        prog="huren",
        description="huren (互认): blockchain-anchored mutual recognition of e-certificates.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    named = _command_named(sys.argv[1:] if argv is None else argv)
    for name, load in COMMANDS.items():
        if named is None or name == named:
            load()(subparsers)
    return parser


def _command_named(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs, if it names one: its first word (``huren`` has no options of
    its own but ``--help``, which lists every command)."""
    return argv[0] if argv and argv[0] in COMMANDS else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``huren`` command; returns its exit code."""
    restore_recursion_limit()
    args = build_parser(argv).parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
