"""Test support: a real province node (Zhejiang) for the agency's cross-province tests.

The node runs for real (uvicorn on a loopback port, its own SQLite store, anchoring on the test
chain); :func:`zhejiang_ledger` deploys a fresh ledger whose registry names that port as
Zhejiang's endpoint, so an agency finds the node the way it would in production: on chain.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import uvicorn
from web3 import Web3

from certificate.samples import sample_document
from ledger.anvil import LocalChain, dev_accounts
from ledger.deploy import Deployment, Founder, deploy_ledger
from ledger.devnet import DEV_DEPLOYER_INDEX, DEV_PROVINCES, DEV_THRESHOLD
from ledger.sender import TransactionSender
from province_nodes.app import create_app as create_node_app
from province_nodes.auth import create_credential
from province_nodes.db import unit_of_work
from province_nodes.models import Agency
from province_nodes.node import ProvinceNode
from province_nodes.settings import NodeSettings
from province_nodes.types import Role

ZHEJIANG = 330000
AGENCY = "js-gongan-hukou"


def free_port() -> int:
    """A loopback port the OS just handed out and that is closed again."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@dataclass
class Node:
    """Zhejiang's node, running, with its operator, portal and agency credentials."""

    url: str
    node: ProvinceNode
    tokens: dict[str, str]

    def call(
        self,
        method: str,
        path: str,
        role: str,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.tokens[role]}", **(headers or {})}
        return httpx.request(method, self.url + path, headers=headers, timeout=10, **kwargs)

    def issue(self, *, anchor: bool = True) -> str:
        """A new certificate's id; anchored unless ``anchor`` is False (its batch waits)."""
        document = sample_document(
            "driving_licence", seed=secrets.randbelow(2**32), province=ZHEJIANG
        )
        answer = self.call("POST", "/certificates", "operator", json=document)
        assert answer.status_code == 201, answer.text
        certificate_id: str = answer.json()["certificate_id"]
        if anchor:
            self.node.batcher.flush()
        return certificate_id

    def consent(self, certificate_id: str, agency: str = AGENCY, **changes: Any) -> dict[str, Any]:
        body = {
            "certificate_id": certificate_id,
            "agency_id": agency,
            "fields": ["/holder/name", "/face/vehicle_class"],
            "purpose": "办理户口迁入",
            "service_item": {"code": "320000-HJ-001", "name": "户口迁移"},
            "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            "max_uses": 1,
            **changes,
        }
        answer = self.call("POST", "/consents", "portal", json=body)
        assert answer.status_code == 201, answer.text
        consent: dict[str, Any] = answer.json()
        return consent

    def reads(self, certificate_id: str) -> list[tuple[str, str | None]]:
        """Every read attempt of ``certificate_id`` in the node's access log: (outcome, error)."""
        entries = [
            json.loads(row.entry) for row in self.node.access_log.for_certificates([certificate_id])
        ]
        return [(entry["outcome"], entry["error"]) for entry in entries]


def zhejiang_ledger(w3: Web3, port: int) -> Deployment:
    """A fresh ledger of the development provinces whose registry puts Zhejiang at ``port``."""
    founders = [
        Founder(
            p.code,
            p.account.address,
            f"http://127.0.0.1:{port}" if p.code == ZHEJIANG else p.endpoint,
        )
        for p in DEV_PROVINCES
    ]
    deployer = dev_accounts(DEV_DEPLOYER_INDEX + 1)[DEV_DEPLOYER_INDEX]
    return deploy_ledger(w3, TransactionSender(w3, deployer.private_key), founders, DEV_THRESHOLD)


@contextmanager
def running_zhejiang(
    data_dir: Path, chain: LocalChain, deployment_file: Path, port: int
) -> Iterator[Node]:
    """Zhejiang's node serving on ``port`` (its batcher only runs when a test flushes it), with
    this module's agency and Shanghai's civil affairs bureau registered."""
    settings = NodeSettings(
        province=ZHEJIANG,
        mode="dev",
        data_dir=data_dir,
        rpc_url=chain.url,
        deployment_file=deployment_file,
        chain_key=next(p for p in DEV_PROVINCES if p.code == ZHEJIANG).account.private_key,
        master_key=base64.b64encode(os.urandom(32)).decode(),
        run_batcher=False,
    )
    app = create_node_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the node did not start"
        time.sleep(0.02)
    try:
        node: ProvinceNode = app.state.node
        with unit_of_work(node.engine) as session:
            session.add(Agency(id=AGENCY, name="江苏省公安厅户政管理", province=320000))
            session.add(Agency(id="sh-minzheng", name="上海市民政局", province=310000))
        tokens = {
            "operator": create_credential(node.engine, Role.OPERATOR),
            "portal": create_credential(node.engine, Role.PORTAL),
            AGENCY: create_credential(node.engine, Role.AGENCY, agency_id=AGENCY),
        }
        yield Node(f"http://127.0.0.1:{port}", node, tokens)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
