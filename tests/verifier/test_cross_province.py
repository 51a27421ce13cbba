"""跨省通办 end to end: a Jiangsu agency asks Zhejiang's node for a certificate under the
holder's consent, verifies it against the chain and stores the report; refused consents are
stored as refusals.

Zhejiang's node runs for real (uvicorn on a loopback port, its own SQLite store, anchoring on
the test chain); the ledger is a fresh deployment whose registry names that port as Zhejiang's
endpoint, so the agency finds the node the way it would in production: on chain.
"""

from __future__ import annotations

import base64
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
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
from verifier.chain_view import Web3ChainView
from verifier.service import AgencySettings, create_app, hash_token

ZHEJIANG = 330000
AGENCY = "js-gongan-hukou"
CLERK = secrets.token_urlsafe(32)
CLERK_AUTH = {"Authorization": f"Bearer {CLERK}"}


def _free_port() -> int:
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

    def issue(self) -> str:
        document = sample_document(
            "driving_licence", seed=secrets.randbelow(2**32), province=ZHEJIANG
        )
        answer = self.call("POST", "/certificates", "operator", json=document)
        assert answer.status_code == 201, answer.text
        certificate_id: str = answer.json()["certificate_id"]
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


@pytest.fixture(scope="module")
def ledger(
    tmp_path_factory: pytest.TempPathFactory, local_chain: LocalChain, w3: Web3
) -> tuple[Deployment, Path, int]:
    """A fresh ledger whose registry points Zhejiang at a free loopback port."""
    port = _free_port()
    founders = [
        Founder(
            p.code,
            p.account.address,
            f"http://127.0.0.1:{port}" if p.code == ZHEJIANG else p.endpoint,
        )
        for p in DEV_PROVINCES
    ]
    deployer = dev_accounts(DEV_DEPLOYER_INDEX + 1)[DEV_DEPLOYER_INDEX]
    deployment = deploy_ledger(
        w3, TransactionSender(w3, deployer.private_key), founders, DEV_THRESHOLD
    )
    path = tmp_path_factory.mktemp("ledger") / "deployment.json"
    deployment.save(path)
    return deployment, path, port


@pytest.fixture(scope="module")
def zhejiang(
    tmp_path_factory: pytest.TempPathFactory,
    local_chain: LocalChain,
    ledger: tuple[Deployment, Path, int],
) -> Iterator[Node]:
    _, deployment_file, port = ledger
    settings = NodeSettings(
        province=ZHEJIANG,
        mode="dev",
        data_dir=tmp_path_factory.mktemp("zhejiang"),
        rpc_url=local_chain.url,
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


@pytest.fixture
def agency(
    tmp_path: Path, w3: Web3, ledger: tuple[Deployment, Path, int], zhejiang: Node
) -> Iterator[TestClient]:
    deployment, _, _ = ledger
    settings = AgencySettings(
        agency_id=AGENCY,
        database_url=f"sqlite:///{tmp_path / 'agency.db'}",
        clerk_token_hashes=(hash_token(CLERK),),
        node_tokens={ZHEJIANG: zhejiang.tokens[AGENCY]},
    )
    chain = Web3ChainView.for_deployment(w3, deployment, cache_ttl=0)
    with TestClient(create_app(settings, chain=chain)) as client:
        yield client


def _request(agency: TestClient, certificate_id: str, token: str) -> httpx.Response:
    body = {"certificate_id": certificate_id, "issuing_province": ZHEJIANG, "consent_token": token}
    return agency.post("/requests", json=body, headers=CLERK_AUTH)


def test_consented_request_is_verified_and_stored(zhejiang: Node, agency: TestClient) -> None:
    certificate_id = zhejiang.issue()
    consent = zhejiang.consent(certificate_id)
    answer = _request(agency, certificate_id, consent["token"])
    assert answer.status_code == 201, answer.text
    stored = answer.json()
    assert stored["outcome"] == "verified"
    assert stored["verdict"] == "VALID", stored["report"]
    assert stored["endpoint"] == zhejiang.url
    fields = stored["certificate"]["content"]["fields"]
    assert "/holder/name" in fields and "/holder/id_number" not in fields
    assert "/holder/id_number" in stored["certificate"]["content"]["withheld"]

    download = agency.get(stored["report_url"], headers=CLERK_AUTH)
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    assert download.json()["verdict"] == "VALID"
    assert agency.get(f"/requests/{stored['id']}", headers=CLERK_AUTH).json() == stored

    # A retry returns the stored answer; it does not spend the (single-use) consent again.
    again = _request(agency, certificate_id, consent["token"])
    assert again.status_code == 200
    assert again.json()["id"] == stored["id"]


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("withdrawn", "consent_withdrawn"),
        ("other_agency", "consent_wrong_agency"),
        ("other_certificate", "consent_wrong_certificate"),
        ("forged", "consent_invalid_signature"),
        ("exhausted", "consent_exhausted"),
    ],
)
def test_refused_consent_is_stored_as_refusal(
    zhejiang: Node, agency: TestClient, case: str, code: str
) -> None:
    certificate_id = zhejiang.issue()
    asked_for = certificate_id
    if case == "other_agency":
        token = zhejiang.consent(certificate_id, agency="sh-minzheng")["token"]
    else:
        consent = zhejiang.consent(certificate_id)
        token = consent["token"]
    if case == "withdrawn":
        gone = zhejiang.call("DELETE", f"/consents/{consent['consent_id']}", "portal")
        assert gone.status_code == 200, gone.text
    elif case == "other_certificate":
        asked_for = zhejiang.issue()
    elif case == "forged":
        payload, signature = token.split(".")
        token = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    elif case == "exhausted":
        direct = zhejiang.call(
            "GET", f"/certificates/{certificate_id}", AGENCY, headers={"Huren-Consent": token}
        )
        assert direct.status_code == 200, direct.text
    answer = _request(agency, asked_for, token)
    assert answer.status_code == 201, answer.text
    stored = answer.json()
    assert stored["outcome"] == "refused"
    assert stored["node_status"] == 403
    assert stored["node_error"] == code
    assert stored["report"] is None and stored["certificate"] is None
    assert stored["message"]
