#!/usr/bin/env python3
"""Regenerate ledger/artifacts/ from contracts/**/*.sol (the only way they should change).

    .venv/bin/python scripts/compile_contracts.py

Uses a native solc of the pinned version if one is on PATH, else the npm solc package through
Node.js (see ledger/compiler.py). Running it again on unchanged sources changes no file.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path


def main() -> int:
    root = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(root))
    from ledger.compiler import write_artifacts
    from ledger.exceptions import LedgerCompileError

    started = time.perf_counter()
    try:
        report = write_artifacts(root)
    except LedgerCompileError as error:
        print(f"compile_contracts: {error}", file=sys.stderr)
        return 1
    for warning in report.compilation.warnings:
        print(warning, file=sys.stderr)
    for name, artifact in report.compilation.artifacts.items():
        size = (len(artifact.deployed_bytecode) - 2) // 2
        print(f"{artifact.kind:9} {name:32} {size:6} bytes deployed")
    for path in report.written:
        print(f"wrote   {path.relative_to(root)}")
    for path in report.removed:
        print(f"removed {path.relative_to(root)}")
    elapsed = time.perf_counter() - started
    changed = len(report.written) + len(report.removed)
    print(
        f"{len(report.compilation.artifacts)} artifacts in {report.directory.relative_to(root)}, "
        f"{changed} changed, {elapsed:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
