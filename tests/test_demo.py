"""``huren demo`` end to end and ``huren bench``, each as the user runs them: a subprocess.

The demo starts its own anvil, three province nodes and the agency service (real processes,
real HTTP) in a temporary folder and checks its own outcomes; here we check it says so, exits 0,
and that a second run on the same folder reuses the chain and still passes every step.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from huren.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _huren(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "huren", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_demo_tells_the_whole_story_and_a_second_run_reuses_it(tmp_path: Path) -> None:
    run = _huren("demo", "--count", "60", "--home", str(tmp_path), timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    for line in (
        "1. 启动",
        "deployed (block",
        "60 certificates signed, stored encrypted and batched",
        "gas per certificate",
        "the agency found Zhejiang's node on chain at http://127.0.0.1:",
        "disclosed: /holder/name",
        "verdict VALID 有效",
        "reason 6: 以欺骗等不正当手段取得 / obtained by fraud",
        "✗ status     The certificate was revoked by its issuer (reason: obtained by fraud)",
        "verdict INVALID 无效",
        "the newest cosigned by all three provinces: block",
        "invariant violations: 0; verdict CLEAN",
        "✓ every step did what it should",
    ):
        assert line in out, f"missing {line!r} in:\n{out}"
    assert out.count("VALID 有效") >= 3  # the request, then the old and the new certificate
    # Secrets stay private to the user; the signing keys are encrypted.
    assert (tmp_path / "secrets.json").stat().st_mode & 0o077 == 0
    assert (
        (tmp_path / "keys" / "330000.pem")
        .read_bytes()
        .startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    )

    again = _huren("demo", "--count", "30", "--home", str(tmp_path), timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "reused (block" in again.stdout, again.stdout
    assert "invariant violations: 0; verdict CLEAN" in again.stdout


def test_demo_refuses_too_few_certificates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["demo", "--count", "5", "--home", str(tmp_path)])
    assert exit_.value.code == 2
    assert "needs at least 30 certificates" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_bench_runs_one_area_without_writing(tmp_path: Path) -> None:
    output = tmp_path / "BENCHMARKS.md"
    run = _huren(
        "bench", "--only", "format", "--rounds", "1", "--scale", "0.01", "--no-write",
        "--output", str(output), timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "== Certificate format" in run.stdout
    assert not output.exists()
