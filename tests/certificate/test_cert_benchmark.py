"""The format benchmark runs and reports measurements in the suite's shape."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "benchmarks" / "format.py"


def test_benchmark_runs_at_a_tiny_scale() -> None:
    spec = importlib.util.spec_from_file_location("huren_format_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    measurements = module.run(rounds=1, scale=0.002)
    assert len(measurements) == 17
    for measurement in measurements:
        assert set(measurement) == {"name", "value", "unit", "command_note"}
        assert measurement["value"] > 0
    names = [m["name"] for m in measurements]
    assert "documents sealed per second (Ed25519)" in names
    assert "Merkle tree build, 2,000 leaves" in names
