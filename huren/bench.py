"""``huren bench``: run the benchmark suite (``scripts/bench.py``) from the ``huren`` command.

Every argument goes to the suite unchanged (``huren bench --only format --rounds 1``,
``huren bench --help``), so the two entry points cannot drift apart.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

__all__ = ["BENCH_SCRIPT", "register"]

BENCH_SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "bench.py"
"""The suite's driver; it lives with the benchmark modules, outside the installed packages."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``huren bench``."""
    bench = subparsers.add_parser(
        "bench",
        help="run the benchmark suite and rewrite BENCHMARKS.md (see huren bench --help)",
        add_help=False,
        prefix_chars="\0",  # every option belongs to the suite, so none is parsed here
    )
    bench.add_argument("arguments", nargs=argparse.REMAINDER)
    bench.set_defaults(handler=_bench)


def _bench(args: argparse.Namespace) -> int:
    if not BENCH_SCRIPT.is_file():
        print(f"huren bench: {BENCH_SCRIPT} is missing; run it from a checkout of the project")
        return 2
    spec = importlib.util.spec_from_file_location("huren_benchmark_suite", BENCH_SCRIPT)
    assert spec is not None and spec.loader is not None
    suite = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = suite  # as importlib's recipe does: dataclasses look it up there
    spec.loader.exec_module(suite)
    code: int = suite.main(args.arguments)
    return code
