#!/usr/bin/env python3
"""Run huren's benchmark suite and rewrite BENCHMARKS.md with the results.

Each area has a module in ``scripts/benchmarks/`` exposing ``run(rounds, scale) -> list[dict]``;
a measurement is ``{"name", "value", "unit", "command_note"}`` and its value is already the
median of ``rounds`` rounds. The machine is small and shared, so figures that are compared are
measured in the same run, and the file records the machine and the exact command.

    python scripts/bench.py                      # every area, default sizes
    python scripts/bench.py --only format node   # some areas
    python scripts/bench.py --scale 0.1          # smaller sizes (quick look)
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
AREAS: tuple[tuple[str, str], ...] = (
    ("format", "Certificate format (issue 3)"),
    ("ledger", "Ledger contracts on anvil (issue 2)"),
    ("node", "Province node (issue 4)"),
    ("verifier", "Verifier (issue 5)"),
    ("audit", "Auditor (issue 6)"),
    ("qr", "QR payloads (issue 7)"),
)


def machine_description() -> str:
    """One line about the machine: CPU, cores, memory, Python, OS."""
    cpu = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f", {kib / 2**20:.0f} GiB"
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}; Python {platform.python_version()}; "
        f"{platform.system()} {platform.release()}"
    )


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def run_areas(names: Sequence[str], rounds: int, scale: float) -> dict[str, list[dict[str, Any]]]:
    """Run the named areas' benchmarks, in suite order, printing as they finish."""
    sys.path.insert(0, str(ROOT / "scripts"))
    sys.path.insert(0, str(ROOT))
    results: dict[str, list[dict[str, Any]]] = {}
    for name, title in AREAS:
        if name not in names:
            continue
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {title}", flush=True)
        started = time.perf_counter()
        measurements = module.run(rounds=rounds, scale=scale)
        for m in measurements:
            print(f"   {m['name']}: {_format_value(m['value'])} {m['unit']}", flush=True)
        print(f"   ({time.perf_counter() - started:.0f} s)", flush=True)
        results[name] = measurements
    return results


def _format_value(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"


def render(results: dict[str, list[dict[str, Any]]], command: str, rounds: int) -> str:
    """The BENCHMARKS.md text."""
    titles = dict(AREAS)
    lines = [
        "# Benchmarks",
        "",
        "Produced by `scripts/bench.py`; do not edit by hand. Every value is the median of "
        f"{rounds} rounds measured in one run.",
        "",
        f"- Command: `{command}`",
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}, commit {_commit()}",
        f"- Machine: {machine_description()}",
        "",
    ]
    for name, measurements in results.items():
        lines += [
            f"## {titles[name]}",
            "",
            "| measurement | value | unit | how |",
            "|---|---:|---|---|",
        ]
        for m in measurements:
            lines.append(
                f"| {m['name']} | {_format_value(m['value'])} | {m['unit']} | {m['command_note']} |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite; write BENCHMARKS.md unless ``--no-write``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=[a for a, _ in AREAS], default=None)
    parser.add_argument("--rounds", type=int, default=5, help="rounds per figure (median)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the workload sizes")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    names = args.only or [a for a, _ in AREAS]
    results = run_areas(names, args.rounds, args.scale)
    if not args.no_write:
        command = "python scripts/bench.py " + shlex.join(sys.argv[1:] if argv is None else argv)
        args.output.write_text(render(results, command.strip(), args.rounds))
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
