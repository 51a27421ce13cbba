"""The ``huren`` command line: each command comes from its package, and loads that one alone."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from huren.cli import COMMANDS, build_parser


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_loader_adds_the_command_it_is_named_after(name: str) -> None:
    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers()
    COMMANDS[name]()(subparsers)
    assert list(subparsers.choices) == [name]


def test_help_lists_every_command_in_order() -> None:
    parser = build_parser(["--help"])
    (subparsers,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert list(subparsers.choices) == list(COMMANDS)


def test_verify_loads_neither_the_node_nor_the_auditor() -> None:
    # A fresh interpreter: this one has imported everything already.
    probe = (
        "import sys; from huren.cli import build_parser; build_parser(['verify', 'x.json']); "
        "print(' '.join(m for m in ('province_nodes', 'audit', 'fastapi', 'alembic', 'rich') "
        "if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert loaded == []
