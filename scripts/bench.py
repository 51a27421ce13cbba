#!/usr/bin/env python3
"""Run huren's benchmark suite and rewrite BENCHMARKS.md with the results.

Each area has a module in ``scripts/benchmarks/`` exposing ``run(rounds, scale)``, which returns
its :class:`~benchmarks.Measurement` records, each value already the median of ``rounds``
rounds. The machine is small and shared, so figures that are compared are measured in the same
run, and the file records the machine and the exact command.

    python scripts/bench.py                      # every area, default sizes
    python scripts/bench.py --only format node   # some areas
    python scripts/bench.py --scale 0.1          # smaller sizes (quick look)
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # annotations only; run_areas puts scripts/ on the path at run time
    from benchmarks import Measurement

ROOT = Path(__file__).resolve().parent.parent


class Benchmark(Protocol):
    """An area's ``run``: its measurements at ``scale`` times the default sizes."""

    def __call__(self, rounds: int = ..., scale: float = ...) -> list[Measurement]: ...


# Each area's module is imported only when the area runs (they import the whole system).
def _format() -> Benchmark:
    from benchmarks.format import run

    return run


def _ledger() -> Benchmark:
    from benchmarks.ledger import run

    return run


def _node() -> Benchmark:
    from benchmarks.node import run

    return run


def _verifier() -> Benchmark:
    from benchmarks.verifier import run

    return run


def _audit() -> Benchmark:
    from benchmarks.audit import run

    return run


def _qr() -> Benchmark:
    from benchmarks.qr import run

    return run


@dataclass(frozen=True, slots=True)
class Area:
    """A benchmark area: its name (for ``--only``), its title and the loader of its ``run``."""

    name: str
    title: str
    load: Callable[[], Benchmark]


AREAS: tuple[Area, ...] = (
    Area("format", "Certificate format (issue 3)", _format),
    Area("ledger", "Ledger contracts on anvil (issue 2)", _ledger),
    Area("node", "Province node (issue 4)", _node),
    Area("verifier", "Verifier (issue 5)", _verifier),
    Area("audit", "Auditor (issue 6)", _audit),
    Area("qr", "QR payloads (issue 7)", _qr),
)

POSTGRES_VARIABLE = "HUREN_TEST_POSTGRES_URL"
"""Where the node benchmark finds PostgreSQL (the same variable the tests read)."""


@dataclass(frozen=True, slots=True)
class Target:
    """A bound an issue sets: ``measurement`` of ``area`` at least, or below, ``bound``."""

    area: str
    measurement: str
    bound: float
    at_least: bool
    source: str

    def met(self, value: float) -> bool:
        """Whether ``value`` satisfies the bound."""
        return value >= self.bound if self.at_least else value < self.bound

    def wanted(self) -> str:
        """The bound in words, e.g. ``≥ 5,000``."""
        return f"{'≥' if self.at_least else '<'} {_format_value(self.bound)}"


TARGETS: tuple[Target, ...] = (
    Target("format", "documents sealed per second (Ed25519)", 5000, True, "issue 3, one core"),
    Target("format", "certificates verified per second (Ed25519)", 5000, True, "issue 3, one core"),
    Target("ledger", "anchors/s, sequential send", 200, True, "issue 2"),
    Target("node", "node sqlite bulk bulk_rate", 5000, True, "issue 4, 2 cores"),
    Target("node", "node sqlite bulk gas_per_certificate", 100, False, "issue 4, batch 1024"),
    Target(
        "verifier",
        "batch verifications (verify_many, 10,000 at scale 1)",
        2000,
        True,
        "issue 5, one core",
    ),
    Target("verifier", "POST /verify latency p99", 25, False, "issue 5"),
    Target(
        "audit",
        "audit: full audit (replay + invariants + compare all)",
        60,
        False,
        "issue 6, 1,000,000 certificates at scale 1",
    ),
)
"""The bounds the issues set, checked against every run (the sizes they assume are scale 1)."""


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


def run_areas(names: Sequence[str], rounds: int, scale: float) -> dict[str, list[Measurement]]:
    """Run the named areas' benchmarks, in suite order, printing as they finish."""
    sys.path.insert(0, str(ROOT / "scripts"))
    sys.path.insert(0, str(ROOT))
    results: dict[str, list[Measurement]] = {}
    for area in AREAS:
        if area.name not in names:
            continue
        run = area.load()
        print(f"== {area.title}", flush=True)
        started = time.perf_counter()
        measurements = run(rounds=rounds, scale=scale)
        for m in measurements:
            print(f"   {m['name']}: {_format_value(m['value'])} {m['unit']}", flush=True)
        print(f"   ({time.perf_counter() - started:.0f} s)", flush=True)
        results[area.name] = measurements
    return results


def _format_value(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3g}" if abs(value) < 100 else f"{value:,.0f}"


def target_rows(results: dict[str, list[Measurement]]) -> list[tuple[Target, float]]:
    """Each target whose measurement this run made, with the measured value."""
    values = {(area, m["name"]): m["value"] for area, ms in results.items() for m in ms}
    return [
        (target, values[(target.area, target.measurement)])
        for target in TARGETS
        if (target.area, target.measurement) in values
    ]


def render(results: dict[str, list[Measurement]], command: str, rounds: int) -> str:
    """The BENCHMARKS.md text."""
    titles = {area.name: area.title for area in AREAS}
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
    targets = target_rows(results)
    if targets:
        lines += [
            "## Targets",
            "",
            "| measurement | target | measured | met | set by |",
            "|---|---:|---:|---|---|",
        ]
        for target, value in targets:
            lines.append(
                f"| {target.measurement} | {target.wanted()} | {_format_value(value)} | "
                f"{'yes' if target.met(value) else '**no**'} | {target.source} |"
            )
        lines.append("")
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
    parser.add_argument("--only", nargs="+", choices=[area.name for area in AREAS], default=None)
    parser.add_argument("--rounds", type=int, default=5, help="rounds per figure (median)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the workload sizes")
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    names = args.only or [area.name for area in AREAS]
    results = run_areas(names, args.rounds, args.scale)
    for target, value in target_rows(results):
        verdict = "met" if target.met(value) else "NOT met"
        print(f"target {target.measurement} {target.wanted()}: {_format_value(value)} ({verdict})")
    if not args.no_write:
        command = "python scripts/bench.py " + shlex.join(sys.argv[1:] if argv is None else argv)
        if os.environ.get(POSTGRES_VARIABLE):  # the node area measures PostgreSQL too
            command = f"{POSTGRES_VARIABLE}={shlex.quote(os.environ[POSTGRES_VARIABLE])} {command}"
        args.output.write_text(render(results, command.strip(), args.rounds))
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
