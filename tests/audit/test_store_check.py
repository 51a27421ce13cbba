"""The store cross-check end to end against a real province node (its auditor API over ASGI):
a clean store agrees with the chain; tampering with the store is caught."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select
from web3 import Web3

from audit import AuditStoreError, Invariant, StoreClient, run_audit
from audit.audit import AuditReport
from certificate.samples import SAMPLE_KINDS, sample_document
from ledger.anvil import LocalChain
from ledger.deploy import Deployment
from ledger.devnet import DEV_PROVINCES, deploy_dev_ledger
from province_nodes.app import create_app
from province_nodes.auth import create_credential
from province_nodes.db import unit_of_work
from province_nodes.envelope import open_envelope, seal_envelope
from province_nodes.models import AccessLogRow, CertificateRow
from province_nodes.node import ProvinceNode
from province_nodes.settings import NodeSettings
from province_nodes.types import Role

JIANGSU = 320000
CERTIFICATES = 5


class Node:
    """A running Jiangsu node with an operator and an auditor credential."""

    def __init__(self, client: TestClient, node: ProvinceNode) -> None:
        self.client, self.node = client, node
        self.operator = {"Authorization": f"Bearer {create_credential(node.engine, Role.OPERATOR)}"}
        self.auditor = {"Authorization": f"Bearer {create_credential(node.engine, Role.AUDITOR)}"}
        self.ids: list[str] = []

    def store(self) -> StoreClient:
        self.client.headers.update(self.auditor)
        return StoreClient(self.client)

    def refused_reads(self, count: int) -> None:
        """Reads without consent: refused, and each one an access-log entry."""
        for certificate_id in self.ids[:count]:
            response = self.client.get(f"/certificates/{certificate_id}", headers=self.operator)
            assert response.status_code == 403


@pytest.fixture
def deployment(w3: Web3) -> Deployment:
    """A fresh ledger per test: each test's node starts a new access log, whose heads must not
    meet those of another test's node on the same contract."""
    return deploy_dev_ledger(w3)


@pytest.fixture
def jiangsu(tmp_path: Path, local_chain: LocalChain, deployment: Deployment) -> Iterator[Node]:
    """A Jiangsu node on SQLite with anchored certificates, a revocation, and two anchored
    access-log heads."""
    record = tmp_path / "deployment.json"
    deployment.save(record)
    (province,) = [p for p in DEV_PROVINCES if p.code == JIANGSU]
    settings = NodeSettings(
        province=JIANGSU,
        mode="dev",
        data_dir=tmp_path / "data",
        rpc_url=local_chain.url,
        deployment_file=record,
        chain_key=province.account.private_key,
        master_key=base64.b64encode(os.urandom(32)).decode(),
        batch_size=4,
        run_batcher=False,
    )
    with TestClient(create_app(settings)) as client:
        node = Node(client, client.app.state.node)  # type: ignore[attr-defined]
        for seed in range(CERTIFICATES):
            document = sample_document(
                SAMPLE_KINDS[seed % len(SAMPLE_KINDS)], seed=seed, province=JIANGSU
            )
            response = client.post("/certificates", json=document, headers=node.operator)
            assert response.status_code == 201, response.text
            node.ids.append(response.json()["certificate_id"])
        node.node.batcher.flush()
        revoked = client.post(
            f"/certificates/{node.ids[0]}/status",
            json={"action": "revoke", "reason": 6},
            headers=node.operator,
        )
        assert revoked.status_code == 200, revoked.text
        node.refused_reads(3)
        node.node.batcher.anchor_log_head(force=True)
        node.refused_reads(2)
        node.node.batcher.anchor_log_head(force=True)
        node.refused_reads(1)  # a tail not anchored yet
        yield node


def _audit(w3: Web3, deployment: Deployment, node: Node) -> AuditReport:
    report = run_audit(w3, deployment, store=node.store(), compare_views=False)
    assert report.violations == []  # the chain itself is lawful in every case here
    assert report.store is not None
    return report


def test_clean_store_agrees_with_the_chain(jiangsu: Node, w3: Web3, deployment: Deployment) -> None:
    report = _audit(w3, deployment, jiangsu)
    store = report.store
    assert store is not None and store.violations == []
    assert (store.province, store.certificates, store.anchored) == (JIANGSU, 5, 5)
    assert store.log_entries == 6 and store.heads_checked == 2
    assert report.ok


def test_payload_that_no_longer_matches_its_digest(
    jiangsu: Node, w3: Web3, deployment: Deployment
) -> None:
    node = jiangsu.node
    with unit_of_work(node.engine) as session:
        row = session.exec(
            select(CertificateRow).where(CertificateRow.certificate_id == jiangsu.ids[1])
        ).one()
        sealed = json.loads(open_envelope(node.master, row.certificate_id, row.envelope))
        salts = sealed["content"]["salts"]
        path = sorted(salts)[0]
        salts[path] = salts[sorted(salts)[1]]  # a field re-salted: its leaf changes
        row.envelope = seal_envelope(node.master, row.certificate_id, json.dumps(sealed).encode())
        session.add(row)
    store = _audit(w3, deployment, jiangsu).store
    assert store is not None
    (violation,) = store.violations
    assert violation.invariant is Invariant.STORE_CERTIFICATE_ANCHORED
    assert violation.subject == f"certificate {jiangsu.ids[1]}"


def test_status_changed_in_the_store_but_not_on_chain(
    jiangsu: Node, w3: Web3, deployment: Deployment
) -> None:
    with unit_of_work(jiangsu.node.engine) as session:
        row = session.exec(
            select(CertificateRow).where(CertificateRow.certificate_id == jiangsu.ids[2])
        ).one()
        row.state = "suspended"  # type: ignore[assignment]
        row.reason = 10
        session.add(row)
    store = _audit(w3, deployment, jiangsu).store
    assert store is not None
    (violation,) = store.violations
    assert violation.invariant is Invariant.STORE_STATUS_MATCHES_CHAIN
    assert "SUSPENDED" in violation.message and "ACTIVE" in violation.message


def test_deleted_access_log_entry(jiangsu: Node, w3: Web3, deployment: Deployment) -> None:
    with unit_of_work(jiangsu.node.engine) as session:
        session.delete(session.get(AccessLogRow, 1))
    store = _audit(w3, deployment, jiangsu).store
    assert store is not None
    found = {v.invariant for v in store.violations}
    assert found == {Invariant.ACCESS_LOG_CHAIN_INTACT, Invariant.ACCESS_LOG_HEADS_MATCH}


def test_edited_access_log_entry(jiangsu: Node, w3: Web3, deployment: Deployment) -> None:
    with unit_of_work(jiangsu.node.engine) as session:
        row = session.exec(select(AccessLogRow).order_by(col(AccessLogRow.index))).first()
        assert row is not None
        entry = json.loads(row.entry)
        entry["agency_id"] = "someone-else"
        row.entry = json.dumps(entry)
        session.add(row)
    store = _audit(w3, deployment, jiangsu).store
    assert store is not None
    (violation,) = store.violations  # only the edited entry, not every one after it
    assert violation.invariant is Invariant.ACCESS_LOG_CHAIN_INTACT
    assert violation.subject == "access-log entry 0" and "edited" in violation.message


def test_store_refusing_the_token_stops_the_audit(
    jiangsu: Node, w3: Web3, deployment: Deployment
) -> None:
    jiangsu.client.headers["Authorization"] = "Bearer not-a-token"
    with pytest.raises(AuditStoreError) as raised:
        run_audit(w3, deployment, store=StoreClient(jiangsu.client), compare_views=False)
    assert raised.value.status == 401
