"""Test support: the three development provinces' nodes witnessing one ledger, for real.

Each node is a real HTTP server (uvicorn on a loopback port, in a thread) with its own SQLite
store, reading the chain through its own endpoint: the test chain, or whatever a test puts in
front of it (a lying proxy). :func:`witness_nodes` deploys a fresh ledger whose registry names
these ports as the provinces' endpoints, so the nodes find each other the way they do in
production: on chain. Their witness loops are off; tests drive :meth:`Witness.run_once`.
"""

from __future__ import annotations

import base64
import os
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx
import uvicorn
from web3 import Web3

from ledger.anvil import LocalChain, dev_accounts
from ledger.chain import connect
from ledger.contract import HurenLedgerClient
from ledger.deploy import Deployment, Founder, deploy_ledger
from ledger.devnet import DEV_DEPLOYER_INDEX, DEV_PROVINCES, DEV_THRESHOLD
from ledger.sender import TransactionSender
from ledger.witness import CheckpointPool
from province_nodes.app import create_app
from province_nodes.node import ProvinceNode
from province_nodes.settings import NodeSettings

SHANGHAI, JIANGSU, ZHEJIANG = 310000, 320000, 330000


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class WitnessNode:
    """One running province node."""

    code: int
    url: str
    node: ProvinceNode

    def get(self, path: str, **options: Any) -> httpx.Response:
        return httpx.get(self.url + path, timeout=30, **options)

    def post(self, path: str, **options: Any) -> httpx.Response:
        return httpx.post(self.url + path, timeout=30, **options)


@dataclass
class WitnessLedger:
    """A fresh ledger and the three provinces' nodes on it."""

    w3: Web3
    deployment: Deployment
    nodes: dict[int, WitnessNode]

    def writer(self, code: int) -> HurenLedgerClient:
        """A client writing as province ``code`` on this ledger."""
        (province,) = [p for p in DEV_PROVINCES if p.code == code]
        sender = TransactionSender(self.w3, province.account.private_key)
        return HurenLedgerClient(self.w3, self.deployment.address, sender)

    def pool(self) -> CheckpointPool:
        """A checkpoint pool of this ledger, reading keys from the chain now."""
        reader = HurenLedgerClient(self.w3, self.deployment.address)
        return CheckpointPool(
            (self.deployment.chain_id, self.deployment.address), reader.signing_key
        )


@contextmanager
def serving(settings: NodeSettings, port: int) -> Iterator[ProvinceNode]:
    """The node of ``settings`` served on ``port`` while the block lasts."""
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the node did not start"
        time.sleep(0.02)
    try:
        yield app.state.node
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextmanager
def witness_nodes(
    tmp_path: Path,
    chain: LocalChain,
    *,
    rpc_urls: Mapping[int, str] | None = None,
    confirmations: Mapping[int, int] | None = None,
) -> Iterator[WitnessLedger]:
    """Shanghai's, Jiangsu's and Zhejiang's nodes on a fresh ledger; ``rpc_urls`` and
    ``confirmations`` override a province's chain endpoint and finality depth."""
    w3 = connect(chain.url)
    ports = {p.code: free_port() for p in DEV_PROVINCES}
    founders = [
        Founder(p.code, p.account.address, f"http://127.0.0.1:{ports[p.code]}")
        for p in DEV_PROVINCES
    ]
    deployer = dev_accounts(DEV_DEPLOYER_INDEX + 1)[DEV_DEPLOYER_INDEX]
    deployment = deploy_ledger(
        w3, TransactionSender(w3, deployer.private_key), founders, DEV_THRESHOLD
    )
    record = tmp_path / "witness-deployment.json"
    deployment.save(record)
    nodes: dict[int, WitnessNode] = {}
    with ExitStack() as stack:
        for province in DEV_PROVINCES:
            code = province.code
            settings = NodeSettings(
                province=code,
                mode="dev",
                data_dir=tmp_path / f"witness-{code}",
                rpc_url=(rpc_urls or {}).get(code, chain.url),
                deployment_file=record,
                chain_key=province.account.private_key,
                master_key=base64.b64encode(os.urandom(32)).decode(),
                confirmations=(confirmations or {}).get(code, 0),
                run_batcher=False,
                witness_interval=0,
            )
            node = stack.enter_context(serving(settings, ports[code]))
            nodes[code] = WitnessNode(code, f"http://127.0.0.1:{ports[code]}", node)
        yield WitnessLedger(w3, deployment, nodes)
