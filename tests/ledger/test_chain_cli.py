"""``huren chain up`` and ``huren chain status`` as a user runs them: real processes, real anvil."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

HUREN = [sys.executable, "-m", "huren"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _chain_up(home: Path, port: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [*HUREN, "chain", "up", "--home", str(home), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("running"):
            return process
    process.kill()
    pytest.fail("huren chain up did not come up:\n" + "".join(lines))


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0


def _status(home: Path, port: int) -> dict[str, object]:
    done = subprocess.run(
        [*HUREN, "chain", "status", "--rpc", f"http://127.0.0.1:{port}",
         "--deployment", str(home / "deployment.json"), "--json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    status: dict[str, object] = json.loads(done.stdout)
    return status


def test_chain_up_deploys_and_a_restart_continues_the_same_history(tmp_path: Path) -> None:
    port = _free_port()
    first = _chain_up(tmp_path, port)
    try:
        status = _status(tmp_path, port)
    finally:
        _stop(first)
    members = status["members"]
    assert isinstance(members, list)
    assert [m["code"] for m in members] == [310000, 320000, 330000]
    assert status["threshold"] == 2
    deployment = status["deployment"]
    assert isinstance(deployment, dict)
    assert (tmp_path / "chain-state.json").is_file()

    second = _chain_up(tmp_path, port)
    try:
        again = _status(tmp_path, port)
    finally:
        _stop(second)
    assert again["deployment"] == deployment  # same contract, not a new deployment
    assert isinstance(again["block"], int) and again["block"] >= deployment["block_number"]


def test_status_says_what_is_wrong_without_a_deployment(tmp_path: Path) -> None:
    done = subprocess.run(
        [*HUREN, "chain", "status", "--deployment", str(tmp_path / "missing.json")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "no deployment record" in done.stderr
