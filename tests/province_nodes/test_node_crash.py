"""Kill the batcher at every step; on restart nothing is lost and no root is anchored twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from node_helpers import SettingsFactory
from sqlmodel import select

from certificate.samples import sample_document
from ledger.artifact import load_artifact
from ledger.chain import RpcClient, connect
from ledger.contract import CONTRACT_NAME
from ledger.deploy import Deployment
from ledger.events import EventReader
from province_nodes.db import unit_of_work
from province_nodes.models import BatchRow, CertificateRow
from province_nodes.node import ProvinceNode
from province_nodes.settings import NodeSettings
from province_nodes.types import BatchState

HERE = Path(__file__).parent
REPO = HERE.parent.parent


def _env(settings: NodeSettings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUREN_NODE_")}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if hasattr(value, "get_secret_value"):
            value = value.get_secret_value()
        env[f"HUREN_NODE_{name.upper()}"] = (
            str(value).lower() if isinstance(value, bool) else str(value)
        )
    env["PYTHONPATH"] = str(REPO)
    return env


def _anchor_counts(settings: NodeSettings, deployment: Deployment) -> Counter[bytes]:
    w3 = connect(settings.rpc_url)
    reader = EventReader(RpcClient.for_web3(w3), load_artifact(CONTRACT_NAME).abi)
    events = reader.read(
        deployment.address, deployment.block_number, w3.eth.block_number, events={"RootAnchored"}
    )
    return Counter(bytes(e.args["root"]) for e in events)


@pytest.mark.parametrize("point", ["prepared", "sent", "mined"])
def test_sigkill_at_each_step_loses_nothing_and_anchors_once(
    point: str, make_settings: SettingsFactory, deployment: Deployment
) -> None:
    settings = make_settings(330000, batch_size=4)
    node = ProvinceNode(settings)
    node.start()
    issued = [
        node.issuer.issue(sample_document("business_licence", seed=900 + i, province=330000))
        for i in range(6)
    ]
    node.stop()

    child = subprocess.run(
        [sys.executable, str(HERE / "crash_batcher.py"), point],
        env=_env(settings),
        capture_output=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]

    restarted = ProvinceNode(settings)
    restarted.start()
    try:
        with unit_of_work(restarted.engine) as session:
            states = list(session.exec(select(BatchRow.state)))
        expected_state = {
            "prepared": BatchState.PREPARED,
            "sent": BatchState.PREPARED,
            "mined": BatchState.SENT,
        }[point]
        assert expected_state in states  # the kill really left a batch mid-way
        restarted.batcher.run_once(force=True)
        with unit_of_work(restarted.engine) as session:
            rows = list(session.exec(select(CertificateRow)))
            batches = list(session.exec(select(BatchRow)))
    finally:
        restarted.stop()

    assert sorted(r.digest for r in rows) == sorted(s.digest for s in issued)
    assert all(r.receipt is not None for r in rows)
    assert {b.state for b in batches} == {BatchState.ANCHORED}
    counts = _anchor_counts(settings, deployment)
    assert all(counts[b.root] == 1 for b in batches)
