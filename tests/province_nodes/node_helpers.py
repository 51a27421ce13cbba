"""Helpers for the province node tests: settings, running apps, credentials."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web3 import Web3

from certificate.canonical import canonicalize
from certificate.samples import SAMPLE_KINDS, sample_document
from ledger.anvil import LocalChain, dev_accounts
from ledger.deploy import Deployment, deploy_ledger
from ledger.devnet import DEV_DEPLOYER_INDEX, DEV_PROVINCES, DEV_THRESHOLD, dev_founders
from ledger.sender import TransactionSender
from province_nodes.app import create_app
from province_nodes.auth import create_credential
from province_nodes.db import unit_of_work
from province_nodes.models import Agency
from province_nodes.node import ProvinceNode
from province_nodes.settings import NodeSettings
from province_nodes.types import Role

CHAIN_KEYS = {p.code: p.account.private_key for p in DEV_PROVINCES}


@pytest.fixture
def deployment_file(tmp_path: Path, deployment: Deployment) -> Path:
    """The session deployment record, saved where a node's settings can name it."""
    path = tmp_path / "deployment.json"
    deployment.save(path)
    return path


@pytest.fixture
def fresh_deployment_file(tmp_path: Path, w3: Web3) -> Path:
    """A ledger of its own (one transaction), for tests that need per-province state untouched
    by the rest of the session, such as the access-log head."""
    deployer = dev_accounts(DEV_DEPLOYER_INDEX + 1)[DEV_DEPLOYER_INDEX]
    deployment = deploy_ledger(
        w3, TransactionSender(w3, deployer.private_key), dev_founders(), DEV_THRESHOLD
    )
    path = tmp_path / "fresh-deployment.json"
    deployment.save(path)
    return path


SettingsFactory = Callable[..., NodeSettings]


@pytest.fixture
def make_settings(
    tmp_path: Path, local_chain: LocalChain, deployment_file: Path
) -> SettingsFactory:
    """``make_settings(province, **overrides)``: dev settings on SQLite in ``tmp_path``."""

    def make(province: int = 330000, **overrides: Any) -> NodeSettings:
        values: dict[str, Any] = {
            "province": province,
            "mode": "dev",
            "data_dir": tmp_path / f"data-{province}",
            "rpc_url": local_chain.url,
            "deployment_file": deployment_file,
            "chain_key": CHAIN_KEYS[province],
            "master_key": base64.b64encode(os.urandom(32)).decode(),
            "batch_size": 8,
            "batch_interval": 0.2,
            "run_batcher": False,
        }
        values.update(overrides)
        return NodeSettings(**values)

    return make


@dataclass
class RunningNode:
    """A started app with a client and a credential per role."""

    client: TestClient
    node: ProvinceNode
    tokens: dict[str, str]

    def headers(self, role: str, **extra: str) -> dict[str, str]:
        """Authorization (and extra) headers for ``role`` (or an agency id)."""
        return {"Authorization": f"Bearer {self.tokens[role]}", **extra}

    def issue(self, seed: int, kind: str | None = None) -> str:
        """Issue a sample certificate through the API; returns its id."""
        document = sample_document(
            kind or SAMPLE_KINDS[seed % len(SAMPLE_KINDS)], seed=seed, province=self.node.province
        )
        response = self.client.post(
            "/certificates", json=document, headers=self.headers("operator")
        )
        assert response.status_code == 201, response.text
        certificate_id: str = response.json()["certificate_id"]
        return certificate_id

    def anchor(self) -> None:
        """Anchor everything queued now."""
        self.node.batcher.flush()

    def access_log(self) -> list[dict[str, Any]]:
        """Every access-log entry as the auditor API serves it, its hash chain checked."""
        response = self.client.get("/audit/access-log", headers=self.headers("auditor"))
        assert response.status_code == 200, response.text
        entries: list[dict[str, Any]] = response.json()["entries"]
        previous = bytes(32)
        for entry in entries:
            assert entry["prev_hash"] == "0x" + previous.hex()
            previous = hashlib.sha256(previous + canonicalize(entry["entry"])).digest()
            assert entry["hash"] == "0x" + previous.hex()
        return [entry["entry"] for entry in entries]


AGENCY = "js-gongan-hukou"
OTHER_AGENCY = "sh-minzheng-hunyin"


def consent_body(certificate_id: str, **overrides: Any) -> dict[str, Any]:
    """A holder's consent for ``AGENCY`` to read two fields for an hour, as the portal sends it."""
    body: dict[str, Any] = {
        "certificate_id": certificate_id,
        "agency_id": AGENCY,
        "fields": ["/holder/name", "/number"],
        "purpose": "办理户口迁移",
        "service_item": {"code": "11100000MB0143028R4000117001000", "name": "户口迁移"},
        "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        "max_uses": 1,
    }
    return body | overrides


def start_node(settings: NodeSettings, **app_options: Any) -> Generator[RunningNode, None, None]:
    """Run an app for ``settings`` with the usual credentials and two agencies."""
    app = create_app(settings, **app_options)
    with TestClient(app) as client:
        node: ProvinceNode = app.state.node
        with unit_of_work(node.engine) as session:
            session.add(Agency(id=AGENCY, name="江苏省公安厅户政", province=320000))
            session.add(Agency(id=OTHER_AGENCY, name="上海市民政局婚姻登记", province=310000))
        tokens = {
            role.value: create_credential(node.engine, role)
            for role in Role
            if role is not Role.AGENCY
        }
        tokens[AGENCY] = create_credential(node.engine, Role.AGENCY, agency_id=AGENCY)
        tokens[OTHER_AGENCY] = create_credential(node.engine, Role.AGENCY, agency_id=OTHER_AGENCY)
        yield RunningNode(client, node, tokens)


@pytest.fixture
def zhejiang(make_settings: SettingsFactory) -> Iterator[RunningNode]:
    """A running Zhejiang node on SQLite, batcher driven by the test."""
    yield from start_node(make_settings(330000))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def zhejiang_on_each_store(
    request: pytest.FixtureRequest, make_settings: SettingsFactory
) -> Iterator[RunningNode]:
    """A running Zhejiang node on SQLite, then on PostgreSQL (a fresh schema)."""
    overrides: dict[str, Any] = {}
    if request.param == "postgresql":
        overrides["database_url"] = request.getfixturevalue("postgres_schema_url")
    yield from start_node(make_settings(330000, **overrides))
