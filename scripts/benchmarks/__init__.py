"""Benchmark modules, one per area; scripts/bench.py runs them."""
