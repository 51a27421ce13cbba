"""Importing web3 raises the interpreter's recursion limit to 100,000 (py_ecc does it); our
processes put it back, so deep recursion fails as an exception instead of a segmentation fault.

Each case runs in a fresh interpreter: the limit is process-wide, and a crash must not take the
test run down with it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _python(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_restored_limit_turns_deep_recursion_into_an_exception() -> None:
    done = _python(
        "import json, sys, web3\n"
        "raised = sys.getrecursionlimit()\n"
        "from ledger.recursion_limit import restore_recursion_limit\n"
        "restore_recursion_limit()\n"
        "try:\n"
        "    json.loads('[' * 100_000)\n"
        "except RecursionError:\n"
        "    print(raised, sys.getrecursionlimit())\n"
    )
    assert (done.returncode, done.stdout.split()) == (0, ["100000", "1000"]), done.stderr


def test_the_huren_command_restores_the_limit_for_good() -> None:
    done = _python(
        "import sys\n"
        "from huren.cli import main\n"
        "main(['verify'])\n"
        "import web3\n"  # imported again later: py_ecc's raise is spent
        "print(sys.getrecursionlimit())\n"
    )
    assert (done.returncode, done.stdout.split()) == (0, ["1000"]), done.stderr
