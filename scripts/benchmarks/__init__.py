"""Benchmark modules, one per area; scripts/bench.py runs them."""

from __future__ import annotations

from typing import TypedDict


class Measurement(TypedDict):
    """One figure of a run: its ``value`` (already the median of the rounds) in ``unit``, and
    ``command_note``, how it was measured, for BENCHMARKS.md."""

    name: str
    value: float
    unit: str
    command_note: str
