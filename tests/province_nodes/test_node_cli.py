"""``huren node``: mint a credential, serve the API for real over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
from node_helpers import CHAIN_KEYS

from huren.cli import main
from ledger.anvil import LocalChain

REPO = Path(__file__).resolve().parents[2]


def test_token_create_then_serve(
    tmp_path: Path, local_chain: LocalChain, deployment_file: Path, capsys: object
) -> None:
    config = tmp_path / "node.env"
    config.write_text(
        "\n".join(
            [
                "HUREN_NODE_MODE=dev",
                f"HUREN_NODE_DATA_DIR={tmp_path / 'data'}",
                f"HUREN_NODE_RPC_URL={local_chain.url}",
                f"HUREN_NODE_DEPLOYMENT_FILE={deployment_file}",
                f"HUREN_NODE_CHAIN_KEY={CHAIN_KEYS[320000]}",
            ]
        )
    )
    argv = ["node", "token", "create", "--province", "320000", "--config", str(config)]
    assert main([*argv, "--role", "auditor"]) == 0
    token = capsys.readouterr().out.strip()  # type: ignore[attr-defined]
    assert len(token) >= 43

    port = 18000 + os.getpid() % 1000
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "huren", "node", "serve", "--province", "320000"]
    server = subprocess.Popen(
        [*command, "--config", str(config), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
                time.sleep(0.2)
        assert health.status_code == 200
        assert (health.json()["province"], health.json()["pending"]) == (320000, 0)
        listed = httpx.get(
            f"http://127.0.0.1:{port}/audit/certificates",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert listed.status_code == 200
        assert listed.json()["province"] == 320000
    finally:
        server.terminate()
        server.wait(timeout=30)
